#!/bin/bash
# Counters of several sources (this host's collector and imported ones, the `source` column)
# are summed into one report per domain: the same policy and the same failure detail from
# two sources make one policies[] entry and one failure-details entry with summed counts.
. "$(dirname "$0")/../lib.sh"

CHECK="$PY $TOP/tests/tools/check_report.py"
db=$T/db.sqlite
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
run() { tlsrpt --config "$T/conf" --db "$db" --now 2026-11-02T06:00:00Z "$@"; }
for f in "$DATA"/aggregate/rollover/*.jsonl; do
    run record --time "$(basename "$f" .jsonl)" < "$f" 2> /dev/null
done
# A second host's counters: the same rows under source 'mx2.reporter.example'.
sqlite3 "$db" "
INSERT INTO session_counts SELECT hour, report_domain, record_id, policy_id,
    'mx2.reporter.example', successful, failed FROM session_counts;
INSERT INTO failure_counts SELECT hour, report_domain, record_id, policy_id, detail_id,
    'mx2.reporter.example', count FROM failure_counts;"
check_eq "second source inserted" 0 $?

run aggregate 2> "$T/log"
check_eq "aggregate exits 0" 0 $?
id=$(run reports --json --day 2026-11-01 | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["report-id"])')
check_eq "one policies[] entry per policy, counts of both sources summed" \
    "10/4:[4] 10/6:[4, 2]" \
    "$(run show "$id" | $PY -c 'import json,sys
r = json.load(sys.stdin)
print(*("%d/%d:%s" % (e["summary"]["total-successful-session-count"],
                      e["summary"]["total-failure-session-count"],
                      [d["failed-session-count"] for d in e["failure-details"]])
        for e in r["policies"]))')"
check "the summed report is valid (details merged)" $CHECK db "$db"
