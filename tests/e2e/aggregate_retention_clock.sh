#!/bin/bash
# Issue 11.6: retention prunes by the real clock, or by --now only when it is not in the
# future. A mistyped far-future --now builds nothing from today's data and prunes nothing
# current; a --now in the past still prunes by that date (aggregate_retention.sh).
. "$(dirname "$0")/../lib.sh"

db=$T/db.sqlite
printf '[storage]\nretention_days = 3\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
run() { tlsrpt --config "$T/conf" --db "$db" "$@"; }
q() { sqlite3 "$db" "$1"; }
yesterday=$(date -u -d yesterday +%Y-%m-%d)
line='{"dpv":"1","d":"now.example","pr":"v=TLSRPTv1;rua=mailto:r@now.example","policies":[{"policy-type":9,"t":1,"f":1,"failure-details":[{"c":201,"s":"192.0.2.1"}]}]}'

echo "$line" | run record --time "${yesterday}T12:00:00Z" 2> /dev/null
echo "$line" | run record 2> /dev/null
run aggregate --day "$yesterday" 2> /dev/null
check_eq "retention clock: yesterday reported" 1 "$(q "SELECT count(*) FROM reports WHERE day = '$yesterday'")"
before=$(q "SELECT (SELECT count(*) FROM session_counts) || ' ' || (SELECT count(*) FROM failure_counts)
            || ' ' || (SELECT count(*) FROM datagram_counts) || ' ' || (SELECT count(*) FROM policies)
            || ' ' || (SELECT count(*) FROM failure_details) || ' ' || (SELECT count(*) FROM tlsrpt_records)")

run --now 2126-12-06T06:00:00Z aggregate 2> "$T/future.log"
check_eq "retention clock: far-future --now exits 0" 0 $?
check "retention clock: says it prunes by the real clock" \
    grep -q 'now 2126-12-06T06:00:00Z is in the future; retention prunes by the real clock' "$T/future.log"
check "retention clock: nothing pruned" bash -c "! grep -q pruned '$T/future.log'"
check_eq "retention clock: counters, policies, details and records kept" "$before" \
    "$(q "SELECT (SELECT count(*) FROM session_counts) || ' ' || (SELECT count(*) FROM failure_counts)
          || ' ' || (SELECT count(*) FROM datagram_counts) || ' ' || (SELECT count(*) FROM policies)
          || ' ' || (SELECT count(*) FROM failure_details) || ' ' || (SELECT count(*) FROM tlsrpt_records)")"
check_eq "retention clock: yesterday's report kept" 1 \
    "$(q "SELECT count(*) FROM reports WHERE day = '$yesterday'")"

# A --now in the past is a replay: it prunes by that date.
run --now "$(date -u -d '-1 day' +%Y-%m-%d)T06:00:00Z" aggregate 2> "$T/past.log"
check "retention clock: a past --now is used as it is" bash -c "! grep -q 'in the future' '$T/past.log'"
