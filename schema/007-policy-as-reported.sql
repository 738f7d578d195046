-- 007: one policy per distinct policy as the report shows it.
-- A report carries policy-string for every type but no-policy-found and mx-host only for sts
-- (aggregator/report_build.c). Writers now store only that (an empty array '[]' for the
-- rest: collector/store.c); before, sessions that differed only in the rest were stored as
-- different policies and became identical-looking blocks with split summaries. This merges
-- such policies into the one with the lowest id: their counters are re-pointed to it and
-- summed where they meet a row that is already there, then the duplicates are deleted.

CREATE TEMP TABLE policy_norm_007 AS
SELECT id, policy_type, policy_domain,
       CASE WHEN policy_type = 'no-policy-found' THEN '[]' ELSE policy_strings END AS strings,
       CASE WHEN policy_type = 'sts' THEN mx_hosts ELSE '[]' END AS mx
FROM policies;

-- old_id -> new_id for every policy that is merged into another.
CREATE TEMP TABLE policy_map_007 AS
SELECT n.id AS old_id, k.keep_id AS new_id
FROM temp.policy_norm_007 n
JOIN (SELECT min(id) AS keep_id, policy_type, policy_domain, strings, mx
      FROM temp.policy_norm_007 GROUP BY policy_type, policy_domain, strings, mx) k
  ON k.policy_type = n.policy_type AND k.policy_domain = n.policy_domain
 AND k.strings = n.strings AND k.mx = n.mx
WHERE n.id <> k.keep_id;

INSERT INTO session_counts (hour, report_domain, record_id, policy_id, source, successful, failed)
SELECT s.hour, s.report_domain, s.record_id, m.new_id, s.source, sum(s.successful), sum(s.failed)
FROM session_counts s JOIN temp.policy_map_007 m ON m.old_id = s.policy_id
WHERE true
GROUP BY s.hour, s.report_domain, s.record_id, m.new_id, s.source
ON CONFLICT (hour, report_domain, record_id, policy_id, source) DO UPDATE SET
    successful = successful + excluded.successful, failed = failed + excluded.failed;
DELETE FROM session_counts WHERE policy_id IN (SELECT old_id FROM temp.policy_map_007);

INSERT INTO failure_counts (hour, report_domain, record_id, policy_id, detail_id, source, count)
SELECT f.hour, f.report_domain, f.record_id, m.new_id, f.detail_id, f.source, sum(f.count)
FROM failure_counts f JOIN temp.policy_map_007 m ON m.old_id = f.policy_id
WHERE true
GROUP BY f.hour, f.report_domain, f.record_id, m.new_id, f.detail_id, f.source
ON CONFLICT (hour, report_domain, record_id, policy_id, detail_id, source) DO UPDATE SET
    count = count + excluded.count;
DELETE FROM failure_counts WHERE policy_id IN (SELECT old_id FROM temp.policy_map_007);

DELETE FROM policies WHERE id IN (SELECT old_id FROM temp.policy_map_007);
UPDATE policies SET policy_strings = '[]'
WHERE policy_type = 'no-policy-found' AND policy_strings <> '[]';
UPDATE policies SET mx_hosts = '[]' WHERE policy_type <> 'sts' AND mx_hosts <> '[]';

-- Writers that cached a deleted id drop their caches (006).
UPDATE prune_generation SET generation = generation + 1
WHERE EXISTS (SELECT 1 FROM temp.policy_map_007);

DROP TABLE temp.policy_map_007;
DROP TABLE temp.policy_norm_007;
