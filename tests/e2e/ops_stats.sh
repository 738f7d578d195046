#!/bin/bash
# tlsrpt stats: every grouping against golden files, the SQL views of schema/004 against stats,
# CSV quoting, and bad options.
. "$(dirname "$0")/../lib.sh"
V="$DATA/vectors/libtlsrpt"
G="$DATA/ops/stats"
DB="$T/stats.sqlite"

# Day 1: vectors 01-08 late on 2026-11-28; day 2: all 21 vectors, plus one result whose MX
# host name needs CSV quoting, on 2026-11-29.
feed() { for f in "$@"; do cat "$f"; echo; done; }
feed "$V"/0[1-8]-*.dgram | tlsrpt --db "$DB" record --time 2026-11-28T23:30:00Z 2> /dev/null
feed "$V"/*.dgram | tlsrpt --db "$DB" record --time 2026-11-29T10:20:00Z 2> /dev/null
sed 's/"n": "mx.nopolicy.example"/"n": "mx,\\"odd\\".example"/' \
    "$V/08-nopolicy-201-starttls-partial-fields.dgram" \
    | tlsrpt --db "$DB" record --time 2026-11-29T11:05:00Z 2> /dev/null
echo 'not json' | tlsrpt --db "$DB" record --time 2026-11-29T11:06:00Z 2> /dev/null

# golden NAME ARGS...: stats output equals tests/data/ops/stats/NAME
golden() {
    local name=$1
    shift
    tlsrpt --db "$DB" stats "$@" > "$T/$name" 2> "$T/$name.err"
    if diff -u "$G/$name" "$T/$name" > "$T/$name.diff"; then
        pass "stats $* (golden $name)"
    else
        fail "stats $* (golden $name)" "$(head -40 "$T/$name.diff")"
    fi
}
golden default.txt
golden default.json --json
golden day2.csv --day 2026-11-29 --csv
golden by-day.txt --by day
golden by-day.json --by day --json
golden by-hour.csv --by hour --csv
golden by-domain-top3.txt --by domain --top 3 --since 2026-11-29 --until 2026-11-29
golden by-domain.csv --by domain --csv
golden by-result-type.json --by result-type --json
golden by-mx.csv --by mx --csv --day 2026-11-29
golden by-mx-top2.txt --by mx --top 2
golden by-source.txt --by source
golden one-domain.json --domain example.com --json
# --domain is taken as the database stores domains: lower case, no trailing dot
tlsrpt --db "$DB" stats --domain EXAMPLE.Com. --json > "$T/one-domain-mixed.json" 2>&1
check "stats --domain EXAMPLE.Com. is example.com" cmp -s "$G/one-domain.json" "$T/one-domain-mixed.json"
tlsrpt --db "$DB" stats --since 2026-11-31 > /dev/null 2> "$T/since.err"
check_eq "stats --since not a day: usage error" 2 $?
check "the error names --since" grep -q -- '--since: "2026-11-31" is not a day' "$T/since.err"

# The default JSON shape other tests and scripts rely on.
shape=$($PY -c 'import json,sys; r=json.load(sys.stdin)[0]; print(sorted(r))' \
    < "$T/default.json")
check_eq "default JSON keys" "['day', 'domain', 'failed', 'policy-type', 'result-types', 'successful']" "$shape"

# The totals of the libtlsrpt vectors (INDEX.md): day 2 = 7 successful, 15 failed, details 17,
# plus the extra failed nopolicy.example session with its one detail.
got=$($PY -c 'import json,sys; r=json.load(sys.stdin); d=[x for x in r if x["day"]=="2026-11-29"][0]; print(d["successful"], d["failed"], sum(d["result-types"].values()), d["failure-rate"])' < "$T/by-day.json")
check_eq "by day: INDEX.md totals plus one" "7 16 18 0.6957" "$got"

# --- the views of schema/004 agree with stats ------------------------------------------------
sq() { sqlite3 -csv "$DB" "$1"; }
stats_csv() { tlsrpt --db "$DB" stats "$@" --csv | tail -n +2; }
check_eq "view daily_domain_summary = stats" \
    "$(stats_csv | cut -d, -f1-5)" \
    "$(sq 'SELECT day, domain, policy_type, successful, failed FROM daily_domain_summary ORDER BY 1, 2, 3')"
check_eq "view hourly_summary = stats --by hour" \
    "$(stats_csv --by hour | cut -d, -f1-4)" \
    "$(sq "SELECT hour, successful, failed, printf('%.4f', failure_rate) FROM hourly_summary ORDER BY 1")"
check_eq "view failures_by_type = stats --by result-type" \
    "$(stats_csv --by result-type | cut -d, -f1-2 | sort)" \
    "$(sq 'SELECT result_type, sum(count) FROM failures_by_type GROUP BY 1' | sort)"
check_eq "view failures_by_mx = stats --by mx (failure details)" \
    "$(tlsrpt --db "$DB" stats --by mx --json | $PY -c 'import json,sys; [print("%s|%d" % (r["receiving-mx-hostname"], r["failure-details"])) for r in json.load(sys.stdin)]' | sort)" \
    "$(sqlite3 "$DB" 'SELECT receiving_mx_hostname, sum(count) FROM failures_by_mx GROUP BY 1' | sort)"
check_eq "view failure_details_by_day: sum of counts" "18" \
    "$(sq "SELECT sum(count) FROM failure_details_by_day WHERE day = '2026-11-29'")"
check_eq "view failure_details_by_day: one row per detail and policy on day 2" \
    "$(sq "SELECT count(*) FROM (SELECT DISTINCT f.policy_id, f.detail_id FROM failure_counts f WHERE f.hour >= CAST(strftime('%s', '2026-11-29') AS INTEGER))")" \
    "$(sq "SELECT count(*) FROM failure_details_by_day WHERE day = '2026-11-29'")"
check_eq "view daily_source_summary" '2026-11-29,"",7,16' \
    "$(sq "SELECT * FROM daily_source_summary WHERE day = '2026-11-29'")"
check_eq "view daily_datagrams" "$(printf '2026-11-28,accepted,8,0\n2026-11-29,accepted,22,0\n2026-11-29,bad-json,1,0')" \
    "$(sq 'SELECT * FROM daily_datagrams ORDER BY 1, 2')"
check_eq "view current_reports is empty before aggregate" "0" \
    "$(sq 'SELECT count(*) FROM current_reports')"

# --- CSV quoting ------------------------------------------------------------------------------
check "CSV quotes a field with a comma and quotes" \
    grep -qF '"mx,""odd"".example",1,1,' "$T/by-mx.csv"
rows=$($PY -c 'import csv,sys; rows=list(csv.reader(open(sys.argv[1]))); print(len(rows), set(len(r) for r in rows))' "$T/by-mx.csv")
check_eq "CSV reads back with a constant column count" "12 {14}" "$rows"

# --- bad options ------------------------------------------------------------------------------
usage_error() {
    local name=$1
    shift
    tlsrpt --db "$DB" stats "$@" > /dev/null 2>&1
    check_eq "usage error: $name" 2 $?
}
usage_error "unknown --by" --by week
usage_error "--json with --csv" --json --csv
usage_error "--top 0" --top 0
usage_error "--top not a number" --top many
usage_error "--day with --since" --day 2026-11-29 --since 2026-11-28

# --- every example query of schema/README.md runs -----------------------------------------------
$PY - "$TOP/schema/README.md" "$T/queries" <<'PY'
import os, sys
blocks, cur = [], []
for line in open(sys.argv[1]):
    if line.startswith("    "):
        cur.append(line[4:])
    else:
        if cur:
            blocks.append("".join(cur))
        cur = []
os.makedirs(sys.argv[2])
for i, b in enumerate(x for x in blocks if "SELECT" in x):
    open(os.path.join(sys.argv[2], "%02d.sql" % i), "w").write(b)
PY
n=0
for q in "$T"/queries/*.sql; do
    n=$((n + 1))
    if ! sqlite3 -bail -readonly "$DB" < "$q" > /dev/null 2> "$T/query.err"; then
        fail "schema/README.md query $(basename "$q")" "$(cat "$T/query.err"): $(cat "$q")"
        n=-1000
    fi
done
check "schema/README.md: all $n example queries run" test "$n" -ge 10
