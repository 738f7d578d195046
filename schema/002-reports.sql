-- 002: reports built by the aggregator, kept so they can be inspected, re-sent and regenerated.
-- One row per (day, policy domain, generation); `aggregate --force` adds a generation and marks
-- the previous one superseded. Only the newest generation is ever delivered.
CREATE TABLE reports (
    id              INTEGER PRIMARY KEY,
    report_id       TEXT NOT NULL UNIQUE,   -- "report-id" inside the JSON
    day             TEXT NOT NULL,          -- UTC day covered, YYYY-MM-DD
    policy_domain   TEXT NOT NULL,          -- report domain (lower-case A-label)
    generation      INTEGER NOT NULL CHECK (generation >= 1),
    superseded      INTEGER NOT NULL DEFAULT 0 CHECK (superseded IN (0, 1)),
    filename        TEXT NOT NULL,          -- RFC 8460 §5.1 attachment file name
    json            TEXT NOT NULL,          -- the report, exactly as gzipped
    gzip            BLOB NOT NULL,          -- the bytes that are mailed and POSTed
    successful      INTEGER NOT NULL,       -- summary over all policies, for stats
    failed          INTEGER NOT NULL,
    created_at      TEXT NOT NULL,          -- RFC 3339, UTC
    UNIQUE (day, policy_domain, generation)
);
CREATE INDEX reports_current ON reports (day, policy_domain) WHERE superseded = 0;
