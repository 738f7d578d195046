#!/bin/bash
# Upgrading a database made before 006 and 007: the tables of records, policies and failure
# details are rebuilt with ids that are never reused (data, views, indexes and foreign keys
# kept), and policies that only differ in what the report does not carry for their type are
# merged, their counters re-pointed and summed (also where they meet an existing row).
. "$(dirname "$0")/../lib.sh"

db=$T/old.sqlite
q() { sqlite3 "$db" "$1"; }
H=$(date -u -d 2026-11-20T10:00:00Z +%s)
{
    for f in "$TOP"/schema/[0-9][0-9][0-9]-*.sql; do
        v=$(basename "$f" | sed 's/^0*\([0-9]*\)-.*/\1/')
        [ "$v" -lt 6 ] || continue
        cat "$f"
        echo "INSERT INTO schema_version VALUES ($v, '$(basename "$f")', '2026-11-01T00:00:00Z');"
    done
} > "$T/old.sql"
sqlite3 "$db" "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
sqlite3 "$db" < "$T/old.sql"
sqlite3 "$db" <<SQL
INSERT INTO tlsrpt_records VALUES (1, 'v=TLSRPTv1;rua=mailto:r@np.example');
INSERT INTO policies VALUES (1, 'no-policy-found', 'np.example', '["a"]', '["m"]');
INSERT INTO policies VALUES (2, 'no-policy-found', 'np.example', '[]', '[]');
INSERT INTO policies VALUES (3, 'tlsa', 'tl.example', '["3 1 1 AB"]', '["mx.tl.example"]');
INSERT INTO policies VALUES (4, 'tlsa', 'tl.example', '["3 1 1 AB"]', '[]');
INSERT INTO policies VALUES (5, 'sts', 'st.example', '["version: STSv1"]', '["mx1"]');
INSERT INTO policies VALUES (6, 'sts', 'st.example', '["version: STSv1"]', '["mx2"]');
INSERT INTO failure_details (id, detail_hash, result_type, receiving_mx_hostname)
    VALUES (1, 1, 'starttls-not-supported', 'mx.np.example');
INSERT INTO session_counts VALUES ($H, 'np.example', 1, 1, '', 1, 2);
INSERT INTO session_counts VALUES ($H, 'np.example', 1, 2, '', 3, 4);
INSERT INTO session_counts VALUES ($H + 3600, 'np.example', 1, 2, '', 5, 0);
INSERT INTO failure_counts VALUES ($H, 'np.example', 1, 1, 1, '', 2);
INSERT INTO failure_counts VALUES ($H, 'np.example', 1, 2, 1, '', 3);
INSERT INTO session_counts VALUES ($H, 'tl.example', 1, 3, '', 1, 0);
INSERT INTO session_counts VALUES ($H, 'tl.example', 1, 4, '', 2, 0);
INSERT INTO session_counts VALUES ($H, 'st.example', 1, 5, '', 1, 0);
INSERT INTO session_counts VALUES ($H, 'st.example', 1, 6, '', 1, 0);
SQL
views_before=$(q "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY 1)")
sums_before=$(q "SELECT sum(successful), sum(failed) FROM session_counts")

printf '[storage]\ndatabase = %s\nretention_days = 3650\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' "$db" > "$T/conf"
# reports only reads (never migrates); record, a writer, upgrades the database
tlsrpt --config "$T/conf" record < /dev/null > /dev/null 2> "$T/upgrade.log"
check_eq "upgrade: opens and migrates" 0 $?
check "upgrade: 006 and 007 applied" \
    test "$(q "SELECT count(*) FROM schema_version WHERE version IN (6, 7)")" = 2
check_eq "upgrade: AUTOINCREMENT ids" 3 \
    "$(q "SELECT count(*) FROM sqlite_schema WHERE name IN ('tlsrpt_records', 'policies', 'failure_details') AND sql LIKE '%AUTOINCREMENT%'")"
check_eq "upgrade: failure_details_hash index kept" 1 \
    "$(q "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = 'failure_details_hash'")"
check_eq "upgrade: views kept" "$views_before" \
    "$(q "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'view' ORDER BY 1)")"
check_eq "upgrade: views work" "np.example no-policy-found 9 6" \
    "$(q "SELECT domain, policy_type, successful, failed FROM daily_domain_summary WHERE domain = 'np.example'" | tr '|' ' ')"
check_eq "upgrade: no leftover tables" "" \
    "$(q "SELECT name FROM sqlite_schema WHERE name LIKE '%_006' OR name LIKE '%_007'")"
check_eq "upgrade: foreign keys intact" "" "$(q 'PRAGMA foreign_key_check')"
check_eq "upgrade: integrity" "ok" "$(q 'PRAGMA integrity_check')"
check_eq "upgrade: sessions neither lost nor doubled" "$sums_before" \
    "$(q "SELECT sum(successful), sum(failed) FROM session_counts")"
check_eq "upgrade: look-alike policies merged, sts kept apart" \
    '1 no-policy-found [] []|3 tlsa ["3 1 1 AB"] []|5 sts ["version: STSv1"] ["mx1"]|6 sts ["version: STSv1"] ["mx2"]' \
    "$(q "SELECT group_concat(x, '|') FROM (SELECT id || ' ' || policy_type || ' ' || policy_strings || ' ' || mx_hosts AS x FROM policies ORDER BY id)")"
check_eq "upgrade: counters re-pointed and summed where they met" \
    "$H np.example 1 4 6|$((H + 3600)) np.example 1 5 0|$H tl.example 3 3 0" \
    "$(q "SELECT group_concat(x, '|') FROM (SELECT hour || ' ' || report_domain || ' ' || policy_id || ' ' || successful || ' ' || failed AS x FROM session_counts WHERE report_domain <> 'st.example' ORDER BY report_domain, hour)")"
check_eq "upgrade: failure counts summed" "1 1 5" \
    "$(q "SELECT policy_id, detail_id, count FROM failure_counts" | tr '|' ' ')"
check_eq "upgrade: prune generation moved (ids were deleted)" 1 \
    "$(q "SELECT generation FROM prune_generation")"

# The highest id (6) freed after the upgrade is not handed out again (plain INTEGER PRIMARY
# KEY gave it to the next insert).
q "DELETE FROM session_counts WHERE policy_id = 6; DELETE FROM policies WHERE id = 6"
echo '{"dpv":"1","d":"new.example","pr":"v=TLSRPTv1;rua=mailto:r@new.example","policies":[{"policy-type":9,"t":0,"f":0}]}' |
    tlsrpt --config "$T/conf" record --time 2026-11-20T11:00:00Z 2> /dev/null
check_eq "upgrade: a freed id is not handed out again" 7 \
    "$(q "SELECT id FROM policies WHERE policy_domain = 'new.example'")"

tlsrpt --config "$T/conf" --now 2026-11-21T06:00:00Z aggregate --day 2026-11-20 2> /dev/null
id=$(q "SELECT report_id FROM reports WHERE policy_domain = 'np.example'")
check_eq "upgrade: one block in the report, with the summed counts" "1 9 6 5" \
    "$(tlsrpt --config "$T/conf" show "$id" | $PY -c '
import json, sys
p = json.load(sys.stdin)["policies"]
print(len(p), p[0]["summary"]["total-successful-session-count"],
      p[0]["summary"]["total-failure-session-count"], p[0]["failure-details"][0]["failed-session-count"])')"
