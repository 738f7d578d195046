#!/bin/bash
# Golden reports, one per report domain d: the real libtlsrpt vectors (a three-policy domain, a DANE domain whose policy keeps the MX host as its policy-domain, a
# no-policy-found domain without policy-domain in its input, escapes, UTF-8, Latin-1) and a
# policy roll-over across two TLSRPT records and the day's edges, recorded with a fixed
# clock, must give exactly the reports in tests/data/golden/aggregate/ (as `show` prints
# them), the bytes sent must be those reports in compact form, every report must pass the
# independent RFC 8460 checks, and the totals must be those the vectors' INDEX.md states.
# UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
. "$(dirname "$0")/../lib.sh"

NOW=2026-11-02T06:00:00Z
GOLDEN=$DATA/golden/aggregate
CHECK="$PY $TOP/tests/tools/check_report.py"
db=$T/db.sqlite
cat > "$T/tlsrpt.conf" <<'EOF'
[report]
organization_name = Example Reporter
contact_info = tlsrpt-noreply@reporter.example
EOF
run() { tlsrpt --config "$T/tlsrpt.conf" --db "$db" --now "$NOW" "$@"; }

for f in "$DATA"/vectors/libtlsrpt/*.dgram; do cat "$f"; echo; done |
    run record --time 2026-11-01T10:00:00Z 2> "$T/record.log"
check_eq "vectors recorded" 0 $?
for f in "$DATA"/aggregate/rollover/*.jsonl; do
    run record --time "$(basename "$f" .jsonl)" < "$f" 2>> "$T/record.log" || fail "record $f"
done

run aggregate 2> "$T/aggregate.log"
check_eq "aggregate exits 0" 0 $?
grep -q 'aggregated day=2026-11-01 domains=10 created=10 ' "$T/aggregate.log" ||
    { fail "aggregate summary line" "$(tail -n 1 "$T/aggregate.log")"; }

run reports --json > "$T/reports.json"
$PY -c 'import json,sys
for r in json.load(open(sys.argv[1])): print(r["domain"], r["report-id"])' \
    "$T/reports.json" > "$T/ids"
check_eq "one report per report domain (d)" 10 "$(wc -l < "$T/ids")"

mkdir "$T/out"
while read -r domain id; do
    out=$T/out/$domain
    run show "$id" > "$out.json" && run show "$id" --gzip > "$out.json.gz"
    [ -n "${UPDATE_GOLDEN:-}" ] && cp "$out.json" "$GOLDEN/$domain.json"
    if diff -u "$GOLDEN/$domain.json" "$out.json"; then
        pass "golden report $domain"
    else
        fail "golden report $domain" "differs (diff above)"
    fi
    gzip -dc < "$out.json.gz" > "$out.wire"
    check "sent bytes are the golden report, compact: $domain" \
        $CHECK wire "$GOLDEN/$domain.json" "$out.wire"
done < "$T/ids"
for g in "$GOLDEN"/*.json; do
    grep -q "^$(basename "$g" .json) " "$T/ids" || fail "golden $(basename "$g") has a report"
done

check "every report passes the RFC 8460 schema and checks" $CHECK db "$db"

# Totals from the reports themselves against the vectors' INDEX.md (22 sessions: 7
# successful, 15 failed; failure-detail counts 17) plus the roll-over day (10 / 5; 5).
totals=$($PY -c 'import json,sys
ok=bad=det=0
for p in sys.argv[1:]:
    for e in json.load(open(p))["policies"]:
        ok += e["summary"]["total-successful-session-count"]
        bad += e["summary"]["total-failure-session-count"]
        det += sum(d["failed-session-count"] for d in e["failure-details"])
print(ok, bad, det)' "$T"/out/*.json)
check_eq "totals over all reports" "17 20 22" "$totals"
check_eq "roll-over day: 00:00:00 and 23:59:59 counted, the days around not" \
    "10 5" "$($PY -c 'import json,sys
r=json.load(open(sys.argv[1]))
print(sum(e["summary"]["total-successful-session-count"] for e in r["policies"]),
      sum(e["summary"]["total-failure-session-count"] for e in r["policies"]))' \
    "$T/out/rollover.example.json")"

# The checker itself must refuse what real receivers choke on.
check "checker accepts a minimal valid report" $CHECK file "$DATA/aggregate/good-minimal.json"
for bad in "$DATA"/aggregate/bad/*.json; do
    if $CHECK file "$bad" 2> /dev/null; then
        fail "checker refuses $(basename "$bad" .json)" "accepted"
    else
        pass "checker refuses $(basename "$bad" .json)"
    fi
done
