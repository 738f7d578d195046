#!/bin/bash
# The [report] options, each on a fresh database with the same inputs (the libtlsrpt
# vectors, the roll-over day, many.example with 200 distinct failure details and ok.example,
# a DANE domain with only successful sessions):
# policy_types, redact, max_failure_details, max_report_size (trimming, logged; a report that
# cannot fit is refused, never sent oversized), skip_success_only, submitter.
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-02T06:00:00Z
CHECK="$PY $TOP/tests/tools/check_report.py"

# many.example: detail i (i = 1..200) is seen 1 + i / 20 times (counts 1..11, 1110 in all).
for i in $(seq 1 200); do
    for _ in $(seq 0 $((i / 20))); do
        printf '{"dpv": "1","d": "many.example","pr": "v=TLSRPTv1;rua=mailto:r@many.example","policies":[{"policy-type":9,"failure-details":[{"c":201,"s": "192.0.2.%d","n": "mx%d.many.example","a": "550 5.7.0 no STARTTLS at try %d (%d)"}],"t":1,"f":1}]}\n' \
            $((i % 250)) "$i" "$i" $((i * 7919 % 100003))
    done
done > "$T/many.jsonl"

# Every input, recorded once into a template database that each case copies.
template=$T/template.sqlite
for f in "$DATA"/vectors/libtlsrpt/*.dgram; do cat "$f"; echo; done |
    tlsrpt --db "$template" record --time 2026-11-01T10:00:00Z 2> /dev/null
for f in "$DATA"/aggregate/rollover/*.jsonl; do
    tlsrpt --db "$template" record --time "$(basename "$f" .jsonl)" < "$f" 2> /dev/null
done
tlsrpt --db "$template" record --time 2026-11-01T11:00:00Z < "$T/many.jsonl" 2> /dev/null
printf '{"dpv": "1","d": "ok.example","pr": "v=TLSRPTv1;rua=mailto:r@ok.example","policies":[{"policy-type":1,"policy-domain": "mx.ok.example","policy-string":["3 1 1 ABCD"],"t":0,"f":0}]}\n' |
    tlsrpt --db "$template" record --time 2026-11-01T11:00:00Z 2> /dev/null
check_eq "template database closed cleanly (no WAL left)" "no" \
    "$([ -e "$template-wal" ] && echo yes || echo no)"

# setup NAME [KEY = VALUE lines]: a copy of the template and a [report] config
setup() {
    db=$T/$1.sqlite
    conf=$T/$1.conf
    shift
    { printf '[report]\norganization_name = Org\n'
      case "$*" in contact_info*) ;; *) echo 'contact_info = tlsrpt@reporter.example' ;; esac
      printf '%s\n' "$@"; } > "$conf"
    cp "$template" "$db"
}
run() { tlsrpt --config "$conf" --db "$db" --now "$NOW" "$@"; }
domains() { run reports --json | $PY -c 'import json,sys
print(" ".join(r["domain"] for r in json.load(sys.stdin)))'; }
# report DOMAIN: its JSON
report() {
    run show "$(run reports --json --domain "$1" | $PY -c 'import json,sys
print(json.load(sys.stdin)[0]["report-id"])')"
}
# pyq DOMAIN EXPR: evaluates EXPR with r = the report of DOMAIN, d = all its failure details
pyq() {
    report "$1" | $PY -c 'import json,sys
r = json.load(sys.stdin)
d = [x for e in r["policies"] for x in e["failure-details"]]
print(eval(sys.argv[1]))' "$2"
}

setup plain
run aggregate 2> "$T/plain.log"
check_eq "defaults: every domain reported" \
    "big.example dane.example escapes.example example.com latin1.example many.example multi.example nopolicy.example ok.example rollover.example sts.example xn--bcher-kva.example" \
    "$(domains)"
check_eq "defaults: submitter is contact_info's domain" \
    "reporter.example!many.example!1793491200!1793577599!" \
    "$(run reports --json --domain many.example | $PY -c 'import json,sys
print(json.load(sys.stdin)[0]["filename"].rsplit("!", 1)[0] + "!")')"
check_eq "defaults: 200 details of many.example, unlimited" 200 "$(pyq many.example 'len(d)')"
check "defaults: all reports valid" $CHECK db "$db"

setup types 'policy_types = sts'
run aggregate 2> "$T/types.log"
check_eq "policy_types = sts: only sts domains" \
    "big.example escapes.example example.com latin1.example multi.example rollover.example sts.example xn--bcher-kva.example" \
    "$(domains)"
check "policy_types = sts: the others counted as not reported" \
    grep -q 'domains=12 created=8 existing=0 not_reported=4 ' "$T/types.log"

setup types2 'policy_types = tlsa, no-policy-found'
run aggregate 2> /dev/null
check_eq "policy_types = tlsa, no-policy-found" \
    "dane.example many.example multi.example nopolicy.example ok.example" "$(domains)"

setup redact 'redact = sending-mta-ip receiving-ip'
run aggregate 2> /dev/null
check_eq "redact: the fields are gone from every report" "" \
    "$(for d in $(domains); do report "$d"; done | grep -E '"(sending-mta-ip|receiving-ip)"')"
check_eq "redact: details differing only in sending-mta-ip are merged" \
    "[3]" "$(pyq rollover.example '[x["failed-session-count"] for x in d if x["result-type"] == "certificate-expired"]')"
check "redact: all reports valid" $CHECK db "$db"

setup cap 'max_failure_details = 1'
run aggregate 2> /dev/null
check_eq "max_failure_details = 1: one detail per policy, the largest" \
    "[[1], [1, 2]]" "$(pyq rollover.example '[[len(e["failure-details"])] + ([e["failure-details"][0]["failed-session-count"]] if e["summary"]["total-failure-session-count"] == 3 else []) for e in r["policies"]]')"
check_eq "max_failure_details = 1: summary stays exact" "5 3" \
    "$(pyq rollover.example '" ".join(str(e["summary"][k]) for e in r["policies"] if e["summary"]["total-failure-session-count"] == 3 for k in ("total-successful-session-count", "total-failure-session-count"))')"
check_eq "max_failure_details = 1: many.example keeps its largest (11)" "[11]" \
    "$(pyq many.example '[x["failed-session-count"] for x in d]')"

setup size 'max_report_size = 2k'
run aggregate 2> "$T/size.log"
check_eq "max_report_size: exit 0" 0 $?
check "max_report_size: the trimming is logged" \
    grep -q 'report trimmed day=2026-11-01 domain=many.example .*details_trimmed=' "$T/size.log"
bytes=$(run reports --json --domain many.example | $PY -c 'import json,sys
print(json.load(sys.stdin)[0]["bytes"])')
check "max_report_size: gzip within 2048 bytes (got $bytes)" test "$bytes" -le 2048
check_eq "max_report_size: summary stays exact" "0 1110" \
    "$(pyq many.example '" ".join(str(r["policies"][0]["summary"][k]) for k in ("total-successful-session-count", "total-failure-session-count"))')"
check_eq "max_report_size: the largest counts are kept" "ok" \
    "$(pyq many.example '"ok" if 0 < len(d) < 200 and min(x["failed-session-count"] for x in d) >= max(1 + i // 20 for i in range(1, 201) if "mx%d.many.example" % i not in {x["receiving-mx-hostname"] for x in d}) else d')"
check "max_report_size: all reports valid" $CHECK db "$db"

setup tiny 'max_report_size = 1024'
run aggregate 2> "$T/tiny.log"
check_eq "a report that cannot fit: exit 1" 1 $?
check "a report that cannot fit: refused and logged" \
    grep -q 'report not created day=2026-11-01 domain=big.example reason="report is .* without any failure detail' "$T/tiny.log"
check_eq "a report that cannot fit: the others are stored" 11 "$(domains | wc -w)"

setup skip 'skip_success_only = yes'
run aggregate 2> /dev/null
check_eq "skip_success_only: ok.example (only successes) is not reported" \
    "big.example dane.example escapes.example example.com latin1.example many.example multi.example nopolicy.example rollover.example sts.example xn--bcher-kva.example" \
    "$(domains)"

setup submitter 'submitter = Reports.Example'
run aggregate 2> /dev/null
check_eq "submitter: used (normalised) in the file names" 12 \
    "$(run reports --json | grep -c '"filename": "reports.example!')"

setup badcontact 'contact_info = not-an-address'
run aggregate 2> "$T/bad.log"
check_eq "contact_info not an address: exit 1" 1 $?
check "contact_info not an address: says why" grep -q 'contact_info' "$T/bad.log"
check_eq "contact_info not an address: nothing stored" "" "$(domains)"
