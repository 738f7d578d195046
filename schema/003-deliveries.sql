-- 003: one row per (report, rua URI): what the reporter did with each destination.
-- rua = '' is the _smtp._tls lookup itself, before any destination is known: it carries the
-- `spread` delay (pending), DNS failures (retrying, gave-up) and `no-record`; when the record is
-- found it is replaced by one row per distinct rua URI of the record.
-- Times are Unix seconds (UTC). States:
--   pending    not attempted yet (next_attempt: when it is due)
--   retrying   attempted, failed temporarily (or interrupted); next_attempt says when again
--   sent       accepted (sent_at; reply = the server's answer; transport 'outbox' means only
--              written to the outbox directory)
--   failed     permanent failure: SMTP 5xx, HTTP 4xx other than 408/429, refused or malformed
--              rua; never retried
--   gave-up    temporary failures until retry_hours after first_attempt
--   no-record  no valid _smtp._tls record: nothing to deliver (rua = '')
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    report_id       TEXT NOT NULL REFERENCES reports(report_id) ON DELETE CASCADE,
    rua             TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN
                        ('pending', 'sent', 'retrying', 'failed', 'gave-up', 'no-record')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_attempt   INTEGER,            -- of the report (inherited from the lookup row)
    last_attempt    INTEGER,
    next_attempt    INTEGER,            -- NULL once the state is final
    sent_at         INTEGER,
    transport       TEXT NOT NULL DEFAULT '',   -- smtp, sendmail, outbox, https
    last_error      TEXT NOT NULL DEFAULT '',
    reply           TEXT NOT NULL DEFAULT '',
    UNIQUE (report_id, rua)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE state IN ('pending', 'retrying');

-- The delivery state of each report, from its rows (the one definition: reporter/deliveries.c
-- and `tlsrpt stats --by delivery` read it): new (no row yet), sent (any rua accepted it),
-- no-record, pending (something still pending or retrying), failed (every rua failed
-- permanently), gave-up (nothing accepted, the rest gave up).
CREATE VIEW report_states AS
SELECT r.report_id, r.day, r.policy_domain, r.generation, r.superseded,
       CASE WHEN count(d.id) = 0 THEN 'new'
            WHEN sum(d.state = 'sent') > 0 THEN 'sent'
            WHEN sum(d.state = 'no-record') > 0 THEN 'no-record'
            WHEN sum(d.state IN ('pending', 'retrying')) > 0 THEN 'pending'
            WHEN sum(d.state = 'failed') = count(d.id) THEN 'failed'
            ELSE 'gave-up' END AS state,
       count(d.id) FILTER (WHERE d.rua <> '') AS destinations,
       count(d.id) FILTER (WHERE d.state = 'sent') AS sent,
       count(d.id) FILTER (WHERE d.state IN ('pending', 'retrying')) AS open,
       count(d.id) FILTER (WHERE d.state IN ('failed', 'gave-up')) AS failed
FROM reports r LEFT JOIN deliveries d ON d.report_id = r.report_id
GROUP BY r.id;
