#!/bin/bash
# The commands' surface: default day (yesterday by --now), an empty database, `show` (pretty
# JSON; --gzip gives the exact stored bytes, which gunzip to the report), `reports` (table
# and --json fields), file names, and every kind of bad argument (exit 2, nothing stored).
. "$(dirname "$0")/../lib.sh"

CHECK="$PY $TOP/tests/tools/check_report.py"
db=$T/db.sqlite
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
run() { tlsrpt --config "$T/conf" --db "$db" "$@"; }
# usage_case NAME COMMAND...: must exit 2 and say something on stderr
usage_case() {
    local name=$1
    shift
    run "$@" > "$T/out" 2> "$T/err"
    local rc=$?
    if [ "$rc" -eq 2 ] && [ -s "$T/err" ]; then pass "bad arguments: $name"; else
        fail "bad arguments: $name" "exit $rc, stderr: $(head -c 200 "$T/err")"; fi
}

run --now 2026-11-02T00:30:00Z aggregate 2> "$T/empty.log"
check_eq "empty database: exit 0" 0 $?
check "empty database: nothing created" grep -q 'domains=0 created=0' "$T/empty.log"
check_eq "empty database: reports says so" "no reports" "$(run reports)"
check_eq "empty database: reports --json is []" "[]" "$(run reports --json)"

for f in "$DATA"/vectors/libtlsrpt/0[1-8]*.dgram; do cat "$f"; echo; done |
    run record --time 2026-11-01T10:00:00Z 2> /dev/null

usage_case "aggregate --day not a date" --now 2026-11-02T06:00:00Z aggregate --day 2026-13-01
usage_case "aggregate --day with time" --now 2026-11-02T06:00:00Z aggregate --day 2026-11-01T00:00:00Z
usage_case "aggregate --day not ended (today)" --now 2026-11-02T06:00:00Z aggregate --day 2026-11-02
usage_case "aggregate --day in the future" --now 2026-11-02T06:00:00Z aggregate --day 2027-01-01
usage_case "aggregate --domain not a domain" --now 2026-11-02T06:00:00Z aggregate --domain 'a b!c'
usage_case "aggregate unknown option" --now 2026-11-02T06:00:00Z aggregate --everything
usage_case "aggregate extra argument" --now 2026-11-02T06:00:00Z aggregate 2026-11-01
usage_case "aggregate --day without value" --now 2026-11-02T06:00:00Z aggregate --day
usage_case "reports --day not a date" reports --day yesterday
usage_case "reports --domain not a domain" reports --domain ..
usage_case "reports extra argument" reports all
usage_case "show without an id" show
usage_case "show two ids" show 20261101aa 20261101bb
usage_case "show id with punctuation" show '2026-11-01'
usage_case "show unknown option" show --zip 20261101aa
check_eq "bad arguments stored nothing" "[]" "$(run reports --json)"

run --now 2026-11-02T00:30:00Z aggregate 2> "$T/default.log"
check_eq "default day: exit 0" 0 $?
check "default day is yesterday (UTC, by --now)" grep -q 'aggregated day=2026-11-01 domains=2 created=2' "$T/default.log"

run show 20261101ffffffffffffffff > "$T/out" 2> "$T/err"
check_eq "show unknown id: exit 1" 1 $?
check "show unknown id: says so" grep -q 'no report with id 20261101ffffffffffffffff' "$T/err"

run reports --json > "$T/list.json"
check_eq "reports --json: members of each report" \
    "bytes created-at day deliveries domain failed filename generation report-id state successful superseded" \
    "$($PY -c 'import json,sys
print(*sorted({k for r in json.load(open(sys.argv[1])) for k in r}))' "$T/list.json")"
check_eq "reports --json: types" "int str str list str int str int str str int bool" \
    "$($PY -c 'import json,sys
r = json.load(open(sys.argv[1]))[0]
print(*(type(r[k]).__name__ for k in sorted(r)))' "$T/list.json")"

id=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["report-id"])' "$T/list.json")
bytes=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["bytes"])' "$T/list.json")
filename=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["filename"])' "$T/list.json")
run show "$id" > "$T/pretty.json"
run show "$id" --gzip > "$T/report.json.gz"
check_eq "show --gzip: exit 0" 0 $?
check_eq "show --gzip: as many bytes as reports says" "$bytes" "$(wc -c < "$T/report.json.gz")"
check_eq "show --gzip: stored bytes = stored gzip column" \
    "$(sqlite3 "$db" "SELECT hex(gzip) FROM reports WHERE report_id = '$id'")" \
    "$(od -An -v -tx1 "$T/report.json.gz" | tr -d ' \n' | tr a-f A-F)"
gzip -dc < "$T/report.json.gz" > "$T/wire.json"
check_eq "show --gzip: gunzips to the report JSON" 0 $?
check "show --gzip: gunzipped bytes are the pretty report, compact" \
    $CHECK wire "$T/pretty.json" "$T/wire.json"
check_eq "show --gzip: gunzipped bytes are the stored JSON" \
    "$(sqlite3 "$db" "SELECT json FROM reports WHERE report_id = '$id'")" "$(cat "$T/wire.json")"
check_eq "show --gzip: gzip header has no name and mtime 0" "1f8b080000000000" \
    "$(head -c 8 "$T/report.json.gz" | od -An -tx1 | tr -d ' \n')"
check "show --gzip file is a valid report" $CHECK file "$T/report.json.gz"
check "file name is <submitter>!<domain>!<begin>!<end>!<id>.json.gz" \
    $PY -c 'import re,sys
sys.exit(not re.fullmatch(r"reporter\.example!example\.com!1793491200!1793577599![A-Za-z0-9]+\.json\.gz", sys.argv[1])
         or not sys.argv[1].endswith("!" + sys.argv[2] + ".json.gz"))' "$filename" "$id"

run reports > "$T/table"
check "reports table: header" grep -q '^DAY  *DOMAIN  *GEN STATUS  *DELIVERY  *SUCCESSFUL  *FAILED  *BYTES  REPORT ID' "$T/table"
check "reports table: a current report row (not sent yet: new)" grep -q "^2026-11-01  example.com  *1 current  *new  *2  *3  *$bytes  $id" "$T/table"
check_eq "reports --json: a report not sent yet" "new []" "$($PY -c 'import json,sys
r = json.load(open(sys.argv[1]))[0]
print(r["state"], json.dumps(r["deliveries"]))' "$T/list.json")"

# Without --now (the real clock) report ids carry a random nonce: the same counters
# aggregated in two databases get two different, valid ids.
yesterday=$(date -u -d yesterday +%Y-%m-%dT12:00:00Z)
for n in 1 2; do
    cat "$DATA/vectors/libtlsrpt/01-sts-success.dgram" |
        tlsrpt --db "$T/real$n.sqlite" record --time "$yesterday" 2> /dev/null
    tlsrpt --config "$T/conf" --db "$T/real$n.sqlite" aggregate 2> /dev/null
done
ids=$(for n in 1 2; do tlsrpt --db "$T/real$n.sqlite" reports --json | $PY -c 'import json,sys
print(json.load(sys.stdin)[0]["report-id"])'; done)
check_eq "real clock: two runs, two different report ids" 2 "$(echo "$ids" | sort -u | wc -l)"
check_eq "real clock: ids are the day and 16 hex digits" 2 \
    "$(echo "$ids" | grep -c "^$(date -u -d yesterday +%Y%m%d)[0-9a-f]\{16\}$")"
