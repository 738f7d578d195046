-- 005: the report domain is `d`, the domain whose _smtp._tls record the MTA found; each policy
-- keeps its own policy-domain (for DANE the TLSA base domain, the MX host). Until 004 the
-- collector stored the policy-domain as session_counts/failure_counts.report_domain, so DANE
-- reports went to _smtp._tls.<mx host>. Rows stored before this migration cannot learn their
-- `d` (it was not kept): they stay under the domain they were stored with (schema/README.md).
-- Nothing in the tables changes key; the views name the report domain `domain`, as
-- `stats --json` and `reports --json` do, and datagrams without dpv are counted.

-- Accepted datagrams that carried no dpv (libtlsrpt before 0.5.0, e.g. Debian 13's 0.5.0rc1),
-- read as protocol version 1. Part of `count` of the 'accepted' row; 0 on every other row.
ALTER TABLE datagram_counts ADD COLUMN nodpv INTEGER NOT NULL DEFAULT 0 CHECK (nodpv >= 0);

DROP VIEW daily_domain_summary;
CREATE VIEW daily_domain_summary AS
SELECT date(s.hour, 'unixepoch') AS day,
       s.report_domain AS domain,
       p.policy_type AS policy_type,
       sum(s.successful) AS successful,
       sum(s.failed) AS failed,
       round(1.0 * sum(s.failed) / max(sum(s.successful) + sum(s.failed), 1), 4) AS failure_rate
FROM session_counts s JOIN policies p ON p.id = s.policy_id
GROUP BY 1, 2, 3;

DROP VIEW failures_by_type;
CREATE VIEW failures_by_type AS
SELECT date(f.hour, 'unixepoch') AS day,
       f.report_domain AS domain,
       p.policy_type AS policy_type,
       d.result_type AS result_type,
       sum(f.count) AS count
FROM failure_counts f
JOIN policies p ON p.id = f.policy_id
JOIN failure_details d ON d.id = f.detail_id
GROUP BY 1, 2, 3, 4;

DROP VIEW failures_by_mx;
CREATE VIEW failures_by_mx AS
SELECT date(f.hour, 'unixepoch') AS day,
       d.receiving_mx_hostname AS receiving_mx_hostname,
       f.report_domain AS domain,
       d.result_type AS result_type,
       sum(f.count) AS count
FROM failure_counts f JOIN failure_details d ON d.id = f.detail_id
GROUP BY 1, 2, 3, 4;

-- policy_domain: the policy's own domain, as it appears in the report's policy block.
DROP VIEW failure_details_by_day;
CREATE VIEW failure_details_by_day AS
SELECT date(f.hour, 'unixepoch') AS day,
       f.report_domain AS domain,
       p.policy_type AS policy_type,
       p.policy_domain AS policy_domain,
       d.result_type AS result_type,
       d.sending_mta_ip AS sending_mta_ip,
       d.receiving_mx_hostname AS receiving_mx_hostname,
       d.receiving_mx_helo AS receiving_mx_helo,
       d.receiving_ip AS receiving_ip,
       d.additional_information AS additional_information,
       d.failure_reason_code AS failure_reason_code,
       sum(f.count) AS count
FROM failure_counts f
JOIN policies p ON p.id = f.policy_id
JOIN failure_details d ON d.id = f.detail_id
GROUP BY f.hour / 86400, f.report_domain, f.policy_id, f.detail_id;

DROP VIEW daily_datagrams;
CREATE VIEW daily_datagrams AS
SELECT date(hour, 'unixepoch') AS day, outcome, sum(count) AS count, sum(nodpv) AS nodpv
FROM datagram_counts
GROUP BY 1, 2;

-- reports.policy_domain holds the report domain (002 named it so); the view says `domain`.
DROP VIEW current_reports;
CREATE VIEW current_reports AS
SELECT day, policy_domain AS domain, report_id, generation, filename, length(gzip) AS gzip_bytes,
       successful, failed, created_at
FROM reports
WHERE superseded = 0;
