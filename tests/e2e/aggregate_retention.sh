#!/bin/bash
# Retention ([storage] retention_days = 3) as part of aggregate: counters of hours before
# the cutoff (today's midnight minus 3 days), reports of days before it, and the policies,
# failure details and TLSRPT records nothing refers to any more are deleted; what is still
# referenced, and everything from the cutoff on, is kept; foreign keys stay intact.
. "$(dirname "$0")/../lib.sh"

db=$T/db.sqlite
printf '[storage]\nretention_days = 3\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
run() { tlsrpt --config "$T/conf" --db "$db" "$@"; }
q() { sqlite3 "$db" "$1"; }
line() { # DOMAIN RECORD-SUFFIX RESULT-CODE-OR-EMPTY
    local details='' f=0
    [ -n "$3" ] && { details=",\"failure-details\":[{\"c\":$3,\"s\": \"192.0.2.1\",\"a\": \"$1 $2\"}]"; f=1; }
    printf '{"dpv": "1","d": "%s","pr": "v=TLSRPTv1;rua=mailto:r@%s%s","policies":[{"policy-type":2,"policy-domain": "%s","policy-string":["version: STSv1","mode: testing"],"mx-host":["mx.%s"]%s,"t":%d,"f":%d}]}\n' \
        "$1" "$1" "$2" "$1" "$1" "$details" "$f" "$f"
}

{ line old.example -old 204; line shared.example "" ""; } |
    run --now 2026-10-27T12:00:00Z record --time 2026-10-27T10:00:00Z 2> /dev/null
line edge.example -before 202 | run --now 2026-10-30T00:00:00Z record --time 2026-10-29T23:59:59Z 2> /dev/null
line edge.example -from 203 | run --now 2026-10-30T00:00:01Z record --time 2026-10-30T00:00:00Z 2> /dev/null
{ line shared.example "" ""; line new.example "" 205; } |
    run --now 2026-11-01T12:00:00Z record --time 2026-11-01T10:00:00Z 2> /dev/null

run --now 2026-10-28T06:00:00Z aggregate 2> "$T/old.log"
check_eq "old day aggregated" 0 $?
check_eq "old day: two reports" 2 "$(q "SELECT count(*) FROM reports WHERE day = '2026-10-27'")"
check "nothing pruned while within retention" bash -c "! grep -q pruned '$T/old.log'"

cutoff=$(date -u -d 2026-10-30 +%s)
run --now 2026-11-02T06:00:00Z aggregate 2> "$T/new.log"
check_eq "aggregate with pruning exits 0" 0 $?
check "pruning is logged" grep -q 'pruned before=2026-10-30 counter_rows=[1-9][0-9]* reports=2$' "$T/new.log"
check "pruning of unreferenced rows is logged" \
    grep -q 'pruned unreferenced policies=1 details=2 records=2$' "$T/new.log"
check_eq "counters before the cutoff are gone" "0 0 0" \
    "$(q "SELECT (SELECT count(*) FROM session_counts WHERE hour < $cutoff) || ' ' ||
                 (SELECT count(*) FROM failure_counts WHERE hour < $cutoff) || ' ' ||
                 (SELECT count(*) FROM datagram_counts WHERE hour < $cutoff)")"
check_eq "counters from the cutoff on are kept" "1 1" \
    "$(q "SELECT (SELECT count(*) FROM session_counts WHERE hour = $cutoff) || ' ' ||
                 (SELECT count(*) FROM session_counts WHERE hour > $cutoff AND report_domain = 'shared.example')")"
check_eq "reports of pruned days are gone, the new day's are there" "0 2" \
    "$(q "SELECT (SELECT count(*) FROM reports WHERE day < '2026-10-30') || ' ' ||
                 (SELECT count(*) FROM reports WHERE day = '2026-11-01')")"
check_eq "orphaned policy deleted, referenced ones kept" "edge.example new.example shared.example" \
    "$(q "SELECT group_concat(policy_domain, ' ') FROM (SELECT policy_domain FROM policies ORDER BY 1)")"
check_eq "orphaned failure details deleted" "edge.example -from|new.example " \
    "$(q "SELECT group_concat(additional_information, '|') FROM (SELECT additional_information FROM failure_details ORDER BY 1)")"
check_eq "orphaned records deleted, the shared record kept" \
    "v=TLSRPTv1;rua=mailto:r@edge.example-from v=TLSRPTv1;rua=mailto:r@new.example v=TLSRPTv1;rua=mailto:r@shared.example" \
    "$(q "SELECT group_concat(record, ' ') FROM (SELECT record FROM tlsrpt_records ORDER BY 1)")"
check_eq "foreign keys intact" "" "$(q 'PRAGMA foreign_key_check')"

run --now 2026-11-02T07:00:00Z aggregate 2> "$T/again.log"
check "a second run prunes nothing" bash -c "! grep -q pruned '$T/again.log'"

run --now 2026-11-02T07:00:00Z aggregate --day 2026-10-29 2> "$T/tooold.log"
check_eq "--day before the cutoff is refused" 2 $?
check "--day before the cutoff says why" grep -q 'older than retention_days' "$T/tooold.log"
run --now 2026-11-02T07:00:00Z aggregate --day 2026-10-30 2> /dev/null
check_eq "--day at the cutoff is accepted" 0 $?
check_eq "the cutoff day's report holds only its own counters" "0 1" \
    "$(q "SELECT successful || ' ' || failed FROM reports WHERE day = '2026-10-30'")"
