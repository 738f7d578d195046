-- Synthetic counters for bench/aggregate.sh: @N@ policy domains on the UTC day starting at
-- @DAY@ (Unix seconds), as the collector would have stored them. Domain i:
--   one policy (70% sts with 5 lines and 2 mx, 20% tlsa, 10% no-policy-found), one record;
--   sessions in 1 + i % 24 hours (12.5 on average), 100 per day: 97 successful, 3 failed;
--   3 distinct failure details, one per failed session.
-- So @N@ = 100000 gives 10,000,000 sessions, 300,000 failure details and about
-- 1,250,000 session rows.
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;
CREATE TEMP TABLE n (i INTEGER PRIMARY KEY, k INTEGER NOT NULL, dom TEXT NOT NULL);
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < @N@)
INSERT INTO n SELECT i, 1 + i % 24, 'd' || i || '.bench.example' FROM c;
CREATE TEMP TABLE h (j INTEGER PRIMARY KEY);
WITH RECURSIVE c(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM c WHERE j + 1 < 24)
INSERT INTO h SELECT j FROM c;
CREATE TEMP TABLE three (d INTEGER PRIMARY KEY);
INSERT INTO three VALUES (0), (1), (2);
CREATE TEMP TABLE rt (r INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO rt VALUES (0, 'starttls-not-supported'), (1, 'certificate-host-mismatch'),
    (2, 'certificate-not-trusted'), (3, 'certificate-expired'), (4, 'validation-failure'),
    (5, 'sts-policy-fetch-error'), (6, 'sts-policy-invalid'), (7, 'sts-webpki-invalid'),
    (8, 'tlsa-invalid'), (9, 'dnssec-invalid'), (10, 'dane-required');

INSERT INTO tlsrpt_records (id, record)
SELECT i + 1, 'v=TLSRPTv1;rua=mailto:tlsrpt@' || dom FROM n;

INSERT INTO policies (id, policy_type, policy_domain, policy_strings, mx_hosts)
SELECT i + 1,
    CASE WHEN i % 10 < 7 THEN 'sts' WHEN i % 10 < 9 THEN 'tlsa' ELSE 'no-policy-found' END,
    dom,
    CASE WHEN i % 10 < 7 THEN '["version: STSv1","mode: enforce","mx: mx1.' || dom ||
              '","mx: mx2.' || dom || '","max_age: 604800"]'
         WHEN i % 10 < 9 THEN '["3 1 1 ' || printf('%064X', i * 2654435761) || '"]'
         ELSE '[]' END,
    CASE WHEN i % 10 < 7 THEN '["mx1.' || dom || '","mx2.' || dom || '"]' ELSE '[]' END
FROM n;

-- detail_hash is the collector's lookup key (lib/detail_field.c), which SQL cannot compute;
-- the aggregator never reads it, so the bench stores the id there.
INSERT INTO failure_details (id, detail_hash, result_type, sending_mta_ip,
    receiving_mx_hostname, receiving_mx_helo, receiving_ip, additional_information,
    failure_reason_code)
SELECT i * 3 + d + 1, i * 3 + d + 1, (SELECT name FROM rt WHERE r = (i + d) % 11),
    '192.0.2.' || (d + 1),
    'mx1.' || dom, '250 mx1.' || dom, '198.51.100.' || (i % 250),
    'bench failure ' || d || ' of ' || dom, ''
FROM n, three;

INSERT INTO session_counts (hour, report_domain, record_id, policy_id, source, successful, failed)
SELECT @DAY@ + j * 3600, dom, i + 1, i + 1, '', 97 / k + (j < 97 % k), 3 / k + (j < 3 % k)
FROM n JOIN h ON j < k
ORDER BY 1, 2;

INSERT INTO failure_counts (hour, report_domain, record_id, policy_id, detail_id, source, count)
SELECT @DAY@ + (d % k) * 3600, dom, i + 1, i + 1, i * 3 + d + 1, '', 1
FROM n, three
ORDER BY 1, 2, 5;
COMMIT;
