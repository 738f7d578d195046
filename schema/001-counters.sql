-- 001: what the collector counts.
-- Counters are kept per UTC hour so that a day can be cut at any hour boundary and several
-- hosts' counters can be merged (source). Every count is a sum: writers add, never overwrite.

-- The raw _smtp._tls TXT record the MTA saw ("pr" in the datagram), stored once.
CREATE TABLE tlsrpt_records (
    id      INTEGER PRIMARY KEY,
    record  TEXT NOT NULL UNIQUE
);

-- Applied policies, stored once and referenced. policy_domain is always filled: when the MTA
-- sent none (no-policy-found from Postfix), it is the normalised recipient domain, because
-- RFC 8460 reports must carry one.
CREATE TABLE policies (
    id              INTEGER PRIMARY KEY,
    policy_type     TEXT NOT NULL CHECK (policy_type IN ('sts', 'tlsa', 'no-policy-found')),
    policy_domain   TEXT NOT NULL,
    policy_strings  TEXT NOT NULL,   -- JSON array of strings: STS lines or TLSA RRs
    mx_hosts        TEXT NOT NULL,   -- JSON array of strings: STS mx patterns
    UNIQUE (policy_type, policy_domain, policy_strings, mx_hosts)
);

-- Distinct failure details. '' means "not known" (the MTA did not send the field). Each detail
-- is stored once: writers find it by detail_hash (a stable 64-bit FNV-1a of the seven fields,
-- see lib/detail_field.c) and compare the fields, inside their write transaction. A small
-- integer index instead of a UNIQUE index over seven long texts keeps lookups fast and the
-- file small when there are millions of details.
CREATE TABLE failure_details (
    id                      INTEGER PRIMARY KEY,
    detail_hash             INTEGER NOT NULL,
    result_type             TEXT NOT NULL,   -- RFC 8460 name, e.g. certificate-expired
    sending_mta_ip          TEXT NOT NULL DEFAULT '',
    receiving_mx_hostname   TEXT NOT NULL DEFAULT '',
    receiving_mx_helo       TEXT NOT NULL DEFAULT '',
    receiving_ip            TEXT NOT NULL DEFAULT '',
    additional_information  TEXT NOT NULL DEFAULT '',
    failure_reason_code     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX failure_details_hash ON failure_details (detail_hash);

-- Sessions per (hour, report domain, record, policy): one per policy in each datagram.
-- hour is the Unix time of the start of the UTC hour. source is '' for this host's own
-- collector and the exporting host's name for imported counters.
CREATE TABLE session_counts (
    hour            INTEGER NOT NULL,
    report_domain   TEXT NOT NULL,
    record_id       INTEGER NOT NULL REFERENCES tlsrpt_records(id),
    policy_id       INTEGER NOT NULL REFERENCES policies(id),
    source          TEXT NOT NULL DEFAULT '',
    successful      INTEGER NOT NULL DEFAULT 0 CHECK (successful >= 0),
    failed          INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),
    PRIMARY KEY (hour, report_domain, record_id, policy_id, source)
) WITHOUT ROWID;

-- Failure-detail counts: each detail of a failed session adds one (types overlap, RFC 8460 §4).
CREATE TABLE failure_counts (
    hour            INTEGER NOT NULL,
    report_domain   TEXT NOT NULL,
    record_id       INTEGER NOT NULL REFERENCES tlsrpt_records(id),
    policy_id       INTEGER NOT NULL REFERENCES policies(id),
    detail_id       INTEGER NOT NULL REFERENCES failure_details(id),
    source          TEXT NOT NULL DEFAULT '',
    count           INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (hour, report_domain, record_id, policy_id, detail_id, source)
) WITHOUT ROWID;
CREATE INDEX failure_counts_detail ON failure_counts (detail_id);

-- What the collector received, per hour: outcome is 'accepted' or the rejection reason.
CREATE TABLE datagram_counts (
    hour    INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    count   INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (hour, outcome)
) WITHOUT ROWID;
