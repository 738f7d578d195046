-- 006: ids of records, policies and failure details are never handed out twice.
-- Writers cache these ids (the collector for as long as it runs). With a plain INTEGER
-- PRIMARY KEY, SQLite gives the next insert the highest freed id, so after retention deleted
-- an unreferenced row a cached id could name a different row. AUTOINCREMENT never reuses an
-- id, and prune_generation, bumped by every retention run that deletes such rows, tells the
-- writers to drop their caches before they next write.
-- The tables are rebuilt (the migration runs with foreign-key enforcement off and is checked
-- with PRAGMA foreign_key_check before it commits); legacy_alter_table keeps the RENAME from
-- rewriting the views of 004, which name the tables and work unchanged afterwards.
PRAGMA legacy_alter_table = ON;

CREATE TABLE tlsrpt_records_006 (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    record  TEXT NOT NULL UNIQUE
);
INSERT INTO tlsrpt_records_006 (id, record) SELECT id, record FROM tlsrpt_records;
DROP TABLE tlsrpt_records;
ALTER TABLE tlsrpt_records_006 RENAME TO tlsrpt_records;

CREATE TABLE policies_006 (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    policy_type     TEXT NOT NULL CHECK (policy_type IN ('sts', 'tlsa', 'no-policy-found')),
    policy_domain   TEXT NOT NULL,
    policy_strings  TEXT NOT NULL,   -- JSON array of strings: STS lines or TLSA RRs
    mx_hosts        TEXT NOT NULL,   -- JSON array of strings: STS mx patterns
    UNIQUE (policy_type, policy_domain, policy_strings, mx_hosts)
);
INSERT INTO policies_006 (id, policy_type, policy_domain, policy_strings, mx_hosts)
    SELECT id, policy_type, policy_domain, policy_strings, mx_hosts FROM policies;
DROP TABLE policies;
ALTER TABLE policies_006 RENAME TO policies;

CREATE TABLE failure_details_006 (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    detail_hash             INTEGER NOT NULL,
    result_type             TEXT NOT NULL,
    sending_mta_ip          TEXT NOT NULL DEFAULT '',
    receiving_mx_hostname   TEXT NOT NULL DEFAULT '',
    receiving_mx_helo       TEXT NOT NULL DEFAULT '',
    receiving_ip            TEXT NOT NULL DEFAULT '',
    additional_information  TEXT NOT NULL DEFAULT '',
    failure_reason_code     TEXT NOT NULL DEFAULT ''
);
INSERT INTO failure_details_006 (id, detail_hash, result_type, sending_mta_ip,
        receiving_mx_hostname, receiving_mx_helo, receiving_ip, additional_information,
        failure_reason_code)
    SELECT id, detail_hash, result_type, sending_mta_ip, receiving_mx_hostname,
        receiving_mx_helo, receiving_ip, additional_information, failure_reason_code
    FROM failure_details;
DROP TABLE failure_details;
ALTER TABLE failure_details_006 RENAME TO failure_details;
CREATE INDEX failure_details_hash ON failure_details (detail_hash);

PRAGMA legacy_alter_table = OFF;

-- One row: bumped by each retention run that deletes unreferenced records, policies or
-- failure details. A writer that sees it change since its last transaction clears its caches.
CREATE TABLE prune_generation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    generation  INTEGER NOT NULL
);
INSERT INTO prune_generation (id, generation) VALUES (1, 0);
