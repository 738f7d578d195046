#!/bin/bash
# Idempotence and regeneration: a second `aggregate` creates nothing; late counters of a new
# domain get their report; --force adds a generation with a new report id, marks the previous
# one superseded, keeps the counts equal (counters are never consumed or double-counted);
# --force --domain touches that domain only; superseded reports stay readable.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-02T06:00:00Z
CHECK="$PY $TOP/tests/tools/check_report.py"
db=$T/db.sqlite
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
run() { tlsrpt --config "$T/conf" --db "$db" --now "$NOW" "$@"; }
# listing FILTER...: "domain generation superseded successful failed report-id" per report
listing() { run reports --json "$@" | $PY -c 'import json,sys
for r in json.load(sys.stdin):
    print(r["domain"], r["generation"], str(r["superseded"]).lower(), r["successful"],
          r["failed"], r["report-id"])'; }

for f in "$DATA"/vectors/libtlsrpt/*.dgram; do cat "$f"; echo; done |
    run record --time 2026-11-01T10:00:00Z 2> /dev/null
run aggregate 2> "$T/run1.log"
check_eq "first run exits 0" 0 $?
listing > "$T/gen1"
check_eq "first run: 9 reports (one per d)" 9 "$(wc -l < "$T/gen1")"

run aggregate 2> "$T/run2.log"
check_eq "second run exits 0" 0 $?
check "second run: nothing created, all existing" \
    grep -q 'created=0 existing=9 ' "$T/run2.log"
check_eq "second run: the same reports" "$(cat "$T/gen1")" "$(listing --all)"

echo '{"dpv": "1","d": "late.example","pr": "v=TLSRPTv1;rua=mailto:r@late.example","policies":[{"policy-type":9,"t":0,"f":0}]}' |
    run record --time 2026-11-01T23:59:00Z 2> /dev/null
run aggregate 2> "$T/run3.log"
check "late counters of a new domain: only it is created" \
    grep -q 'domains=10 created=1 existing=9 ' "$T/run3.log"
listing > "$T/gen1"

run aggregate --force 2> "$T/force.log"
check_eq "--force exits 0" 0 $?
listing --all > "$T/all"
check_eq "--force: a second generation of every report" 20 "$(wc -l < "$T/all")"
check_eq "--force: current reports are generation 2" "10" \
    "$(listing | awk '$2 == 2 && $3 == "false"' | wc -l)"
check_eq "--force: generation 1 is superseded" "10" \
    "$(awk '$2 == 1 && $3 == "true"' "$T/all" | wc -l)"
check_eq "--force: counts equal to generation 1" \
    "$(awk '{print $1, $4, $5}' "$T/gen1")" "$(listing | awk '{print $1, $4, $5}')"
check_eq "--force: every report id is new" 20 "$(awk '{print $6}' "$T/all" | sort -u | wc -l)"

old=$(awk '$1 == "example.com" && $2 == 1 {print $6}' "$T/all")
new=$(awk '$1 == "example.com" && $2 == 2 {print $6}' "$T/all")
run show "$old" > "$T/old.json"
check_eq "superseded report still shown" 0 $?
run show "$new" > "$T/new.json"
check_eq "--force: same report apart from report-id" "same" "$($PY -c 'import json,sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
print("same" if a.pop("report-id") != b.pop("report-id") and a == b else "different")' \
    "$T/old.json" "$T/new.json")"

run aggregate --force --domain Example.COM. 2> "$T/force1.log"
check_eq "--force --domain exits 0" 0 $?
check_eq "--force --domain: only that domain gets generation 3" "example.com 3 false" \
    "$(listing | awk '$2 == 3 {print $1, $2, $3}')"
check_eq "--force --domain: other domains untouched" 9 "$(listing | awk '$2 == 2' | wc -l)"
check_eq "--force --domain: generation 2 superseded" "true" \
    "$(listing --all --domain example.com | awk '$2 == 2 {print $3}')"
check_eq "reports --day filter" 10 "$(listing --day 2026-11-01 | wc -l)"
check_eq "reports --day of another day" 0 "$(listing --day 2026-10-31 | wc -l)"

run aggregate --force --domain absent.example 2> "$T/absent.log"
check_eq "--force for a domain without sessions exits 0" 0 $?
check "--force for a domain without sessions says so" \
    grep -q 'no counted sessions day=2026-11-01 domain=absent.example' "$T/absent.log"

check "every generation passes the RFC 8460 checks" $CHECK db "$db"

# --force after the options changed so that a domain is no longer reported: its previous
# report stays the current one, and the log says so.
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\npolicy_types = sts\n' > "$T/conf-sts"
tlsrpt --config "$T/conf-sts" --db "$db" --now "$NOW" aggregate --force --domain dane.example 2> "$T/sts.log"
check_eq "--force, now filtered out: exit 0" 0 $?
check "--force, now filtered out: previous generation stays current (logged)" \
    grep -q 'not reported day=2026-11-01 domain=dane.example; generation 2 stays current' "$T/sts.log"
check_eq "--force, now filtered out: generation 2 still current" "dane.example 2 false" \
    "$(listing --domain dane.example | awk '{print $1, $2, $3}')"
