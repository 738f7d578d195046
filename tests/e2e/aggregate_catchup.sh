#!/bin/bash
# Issue 11.3: `aggregate` without --day (and so `daily`) builds every finished UTC day within
# retention that has counters and no current report, oldest first, and says which days it
# caught up; `reports` shows such days. Days already reported are left alone, days outside
# retention are pruned, the unfinished day waits.
. "$(dirname "$0")/../lib.sh"

db=$T/db.sqlite
printf '[storage]\nretention_days = 5\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
NOW=2026-11-02T06:00:00Z
run() { tlsrpt --config "$T/conf" --db "$db" --now "$NOW" "$@"; }
q() { sqlite3 "$db" "$1"; }
rec() { # DAY DOMAIN
    printf '{"dpv":"1","d":"%s","pr":"v=TLSRPTv1;rua=mailto:r@%s","policies":[{"policy-type":9,"t":0,"f":0}]}\n' "$2" "$2" |
        run record --time "$1T10:00:00Z" 2> /dev/null
}
rec 2026-10-25 a.example     # before the cutoff (2026-10-28): pruned, never reported
rec 2026-10-29 a.example     # missed
rec 2026-10-30 a.example     # reported in time (below)
rec 2026-10-31 a.example     # missed
rec 2026-10-31 b.example
rec 2026-11-01 a.example     # yesterday
rec 2026-11-02 a.example     # today: not finished
NOW=2026-10-31T06:00:00Z run aggregate --day 2026-10-30 2> /dev/null
gen30=$(q "SELECT report_id FROM reports WHERE day = '2026-10-30'")

run reports > "$T/before.txt" 2>&1
check "reports: lists the days with counters and no report" \
    grep -q '^days with counters and no report (tlsrpt aggregate builds them): 2026-10-29 2026-10-31 2026-11-01$' "$T/before.txt"
run reports --domain b.example > "$T/before_b.txt" 2>&1
check "reports --domain: only that domain's days" \
    grep -q 'no report (tlsrpt aggregate builds them): 2026-10-31$' "$T/before_b.txt"

run aggregate 2> "$T/agg.log"
check_eq "catch-up: exits 0" 0 $?
check "catch-up: says which days it catches up" \
    grep -q 'catching up days with counters and no report days=2026-10-29,2026-10-31$' "$T/agg.log"
check "catch-up: summary line" grep -q 'caught up count=2 of=2 days=2026-10-29,2026-10-31$' "$T/agg.log"
check_eq "catch-up: oldest first, then yesterday" "2026-10-29 2026-10-31 2026-11-01" \
    "$(sed -n 's/.*aggregated day=\([0-9-]*\) .*/\1/p' "$T/agg.log" | tr '\n' ' ' | sed 's/ $//')"
check_eq "catch-up: every finished day within retention has its reports" \
    "2026-10-29 a.example|2026-10-30 a.example|2026-10-31 a.example|2026-10-31 b.example|2026-11-01 a.example" \
    "$(q "SELECT group_concat(x, '|') FROM (SELECT day || ' ' || policy_domain AS x FROM reports ORDER BY 1)")"
check_eq "catch-up: the day reported in time is left alone" "$gen30 1" \
    "$(q "SELECT report_id, generation FROM reports WHERE day = '2026-10-30'" | tr '|' ' ')"
check_eq "catch-up: the day before the cutoff is pruned, not reported" \
    "0 0" "$(q "SELECT (SELECT count(*) FROM reports WHERE day < '2026-10-28') || ' ' ||
                       (SELECT count(*) FROM session_counts WHERE hour < $(date -u -d 2026-10-28 +%s))")"
run reports > "$T/after.txt" 2>&1
check "reports: nothing left to catch up" bash -c "! grep -q 'no report' '$T/after.txt'"

run aggregate 2> "$T/again.log"
check "catch-up: a second run catches up nothing" bash -c "! grep -q 'catching up\|caught up' '$T/again.log'"

# --day builds that day only; --domain catches up that domain's days only.
rec 2026-10-29 c.example
rec 2026-10-28 d.example
run aggregate --day 2026-11-01 2> "$T/day.log"
check "--day: no catch-up" bash -c "! grep -q 'catching up' '$T/day.log'"
run aggregate --domain c.example 2> "$T/dom.log"
check "--domain: catches up that domain's days" \
    grep -q 'caught up count=1 of=1 days=2026-10-29$' "$T/dom.log"
check_eq "--domain: another domain's missed day waits" "0" \
    "$(q "SELECT count(*) FROM reports WHERE policy_domain = 'd.example'")"
run aggregate 2> "$T/last.log"
check "catch-up: the cutoff day is within retention" \
    grep -q 'caught up count=1 of=1 days=2026-10-28$' "$T/last.log"

# `daily` is aggregate without --day, then send: it catches up too (the lookups of the new
# reports find no _smtp._tls record on the test resolver: no-record, nothing is sent).
. "$TOP/tests/e2e/lib/reporter.sh"
: > "$T/dns.conf"
start_dns "$T/dns.conf" || exit 1
db=$T/daily.sqlite
q() { sqlite3 "$db" "$1"; } # (reporter.sh has its own q)
printf '[storage]\nretention_days = 5\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n[delivery]\ndns_servers = 127.0.0.1:%s\n' "$DNS_PORT" > "$T/conf"
rec 2026-10-30 late.test
rec 2026-11-01 late.test
run daily 2> "$T/daily.log"
check_eq "daily: exits 0" 0 $?
check "daily: catches up the missed day" grep -q 'caught up count=1 of=1 days=2026-10-30$' "$T/daily.log"
check_eq "daily: both days reported, looked up" "2026-10-30 no-record|2026-11-01 no-record" \
    "$(q "SELECT group_concat(x, '|') FROM (SELECT r.day || ' ' || d.state AS x FROM reports r
          JOIN deliveries d ON d.report_id = r.report_id ORDER BY 1)")"
