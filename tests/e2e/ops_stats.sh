#!/bin/bash
# tlsrpt stats: every grouping against golden files, the SQL views of schema/004 against stats,
# CSV quoting, and bad options; the failure rate, --top's others and total lines and the
# collector's rejections against numbers computed with sqlite3 from the tables; a reversed
# range is a usage error; stats writes nothing.
. "$(dirname "$0")/../lib.sh"
V="$DATA/vectors/libtlsrpt"
G="$DATA/ops/stats"
DB="$T/stats.sqlite"

# Day 1: vectors 01-08 late on 2026-11-28; day 2: all 21 vectors, plus one result whose MX
# host name needs CSV quoting, on 2026-11-29.
feed() { for f in "$@"; do cat "$f"; echo; done; }
feed "$V"/0[1-8]-*.dgram | tlsrpt --db "$DB" record --time 2026-11-28T23:30:00Z --now 2026-11-28T23:30:00Z 2> /dev/null
feed "$V"/*.dgram | tlsrpt --db "$DB" record --time 2026-11-29T10:20:00Z --now 2026-11-29T10:20:00Z 2> /dev/null
sed 's/"n": "mx.nopolicy.example"/"n": "mx,\\"odd\\".example"/' \
    "$V/08-nopolicy-201-starttls-partial-fields.dgram" \
    | tlsrpt --db "$DB" record --time 2026-11-29T11:05:00Z --now 2026-11-29T11:05:00Z 2> /dev/null
echo 'not json' | tlsrpt --db "$DB" record --time 2026-11-29T11:06:00Z --now 2026-11-29T11:06:00Z 2> /dev/null

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
check_eq "default JSON keys (failure-rate added, none renamed)" "['day', 'domain', 'failed', 'failure-rate', 'policy-type', 'result-types', 'successful']" "$shape"

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

# --- the failure rate of the default grouping, from the tables ---------------------------------
sq_rows() { sqlite3 -separator '|' "$DB" "$1"; }
DB_SUM=$(md5sum < "$DB")
rate_sql="SELECT date(s.hour, 'unixepoch'), s.report_domain, p.policy_type, %s
    FROM session_counts s JOIN policies p ON p.id = s.policy_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
# shellcheck disable=SC2059
check_eq "default --json: failure-rate = failed / sessions, 4 decimals" \
    "$(sq_rows "$(printf "$rate_sql" "printf('%.4f', 1.0 * sum(s.failed) / (sum(s.successful) + sum(s.failed)))")")" \
    "$($PY -c 'import json,sys; [print("%s|%s|%s|%.4f" % (r["day"], r["domain"], r["policy-type"], r["failure-rate"])) for r in json.load(sys.stdin)]' < "$T/default.json")"
# shellcheck disable=SC2059
check_eq "default table: FAILURE RATE column in percent" \
    "$(sq_rows "$(printf "$rate_sql" "printf('%.1f%%', 100.0 * sum(s.failed) / (sum(s.successful) + sum(s.failed)))")")" \
    "$(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $1 ~ /^20/ { print $1 "|" $2 "|" $3 "|" $6 }' "$T/default.txt")"
check_eq "default table: total line has the overall rate" \
    "$(sqlite3 "$DB" "SELECT printf('%d %d %.1f%%', sum(successful), sum(failed), 100.0 * sum(failed) / sum(successful + failed)) FROM session_counts")" \
    "$(awk '$1 == "total" { print $2, $3, $4; exit }' "$T/default.txt")"
# No sessions at all (an empty range): no rate rather than a division by zero.
tlsrpt --db "$DB" stats --day 2026-01-01 > "$T/empty.txt" 2>&1
check_eq "empty range: exit 0" 0 $?
check_eq "empty range: the total's rate is -" "total 0 0 -" "$(awk '$1 == "total" { print $1, $2, $3, $4 }' "$T/empty.txt")"
check_eq "empty range --json: []" "[]" "$(tlsrpt --db "$DB" stats --day 2026-01-01 --json)"
check_eq "empty range --by day --csv: the header only" 1 "$(tlsrpt --db "$DB" stats --day 2026-01-01 --by day --csv | wc -l)"

# --- --top N: the first N rows, "others" summing the rest, the total over every row ----------
tlsrpt --db "$DB" stats --by domain --top 3 > "$T/top3.txt"
ndomains=$(sqlite3 "$DB" 'SELECT count(DISTINCT report_domain) FROM session_counts')
check_eq "--top 3: three rows, then others, then total" \
    "3 others ($((ndomains - 3)) rows) total" \
    "$(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $1 != "others" && $1 != "total" { n++ } $1 == "others" { o = $1 " " $2 " " $3 } END { print n, o, "total" }' "$T/top3.txt")"
check_eq "--top 3: the total is over all domains, not the three shown" \
    "$(sqlite3 "$DB" "SELECT sum(successful) || ' ' || sum(failed) FROM session_counts")" \
    "$(awk '$1 == "total" { print $2, $3; exit }' "$T/top3.txt")"
# others = all - the three shown, and its rate is of those sums
want_others=$(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $1 != "others" && $1 != "total" { s += $2; f += $3 }
    END { print s, f }' "$T/top3.txt" | while read -r s f; do
    sqlite3 "$DB" "SELECT (sum(successful) - $s) || ' ' || (sum(failed) - $f) || ' ' || printf('%.1f%%', 100.0 * (sum(failed) - $f) / (sum(successful) + sum(failed) - $s - $f)) FROM session_counts"
done)
check_eq "--top 3: the others line sums the rest, with its rate" "$want_others" \
    "$(awk '$1 == "others" { print $4, $5, $6; exit }' "$T/top3.txt")"
check_eq "--top 3: the others line sums the rest's failure details" \
    "$(sqlite3 "$DB" "SELECT sum(count) FROM failure_counts WHERE report_domain NOT IN ($(awk 'NR > 1 && NF == 0 { exit } NR > 1 && $1 != "others" && $1 != "total" { printf "%s\x27%s\x27", (n++ ? "," : ""), $1 }' "$T/top3.txt"))")" \
    "$(awk '$1 == "others" { for (i = 7; i <= NF; i++) { split($i, kv, "="); n += kv[2] } print n; exit }' "$T/top3.txt")"
check_eq "--top 2 --by mx: the total counts every failure detail" \
    "$(sqlite3 "$DB" 'SELECT sum(count) FROM failure_counts')" \
    "$(awk '$1 == "total" { print $2; exit }' "$T/by-mx-top2.txt")"
check_eq "--top 1 (a single row left): others (1 row)" "others (1 row)" \
    "$(tlsrpt --db "$DB" stats --by day --top 1 | awk '$1 == "others" { print $1, $2, $3 }')"
check_eq "--top larger than the rows: no others line" "" \
    "$(tlsrpt --db "$DB" stats --by day --top 5 | awk '$1 == "others"')"
check_eq "--top 3 --json: the first 3 rows of the full list, no others or total row" \
    "$(tlsrpt --db "$DB" stats --by domain --json | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[:3]))')" \
    "$(tlsrpt --db "$DB" stats --by domain --json --top 3 | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')"
check_eq "--top 3 --csv: header and 3 rows" 4 "$(tlsrpt --db "$DB" stats --by domain --csv --top 3 | wc -l)"

# --- a reversed range is a usage error, not an empty table --------------------------------------
tlsrpt --db "$DB" stats --since 2026-11-29 --until 2026-11-28 > "$T/rev.out" 2> "$T/rev.err"
check_eq "--since after --until: exit 2" 2 $?
check_eq "--since after --until: the error says so" \
    "tlsrpt stats: error: --since 2026-11-29 is after --until 2026-11-28" "$(head -1 "$T/rev.err")"
check_eq "--since after --until: nothing on stdout" "" "$(cat "$T/rev.out")"
tlsrpt --db "$DB" stats --until 2026-11-28 --since 2026-11-29 --by day --json > /dev/null 2>&1
check_eq "--until before --since (either order): exit 2" 2 $?
check_eq "--since = --until: that one day" "2026-11-29" \
    "$(tlsrpt --db "$DB" stats --since 2026-11-29 --until 2026-11-29 --by day --json | $PY -c 'import json,sys; print(" ".join(r["day"] for r in json.load(sys.stdin)))')"

# --- the collector's rejections by reason and day ------------------------------------------------
# The default table shows them under the sessions: here record's one bad-json line of day 2.
check_eq "default table: the rejections after the sessions" \
    "$(printf 'COLLECTOR REJECTIONS: datagrams not counted, by reason (tlsrpt stats --by rejection)\n2026-11-29 bad-json 1\ntotal 1')" \
    "$(awk 'seen && $1 ~ /^(20|total)/ { print $1 (NF == 3 ? " " $2 " " $3 : " " $2) } /^COLLECTOR REJECTIONS/ { seen = 1; print }' "$T/default.txt")"
check_eq "no rejections in the range: no second table" "" \
    "$(tlsrpt --db "$DB" stats --day 2026-11-28 | grep -i rejection)"
check_eq "--domain: no second table (a rejection has no domain)" "" \
    "$(tlsrpt --db "$DB" stats --domain example.com | grep -i rejection)"
tlsrpt --db "$DB" stats --by rejection --domain example.com > /dev/null 2>&1
check_eq "--by rejection --domain: usage error" 2 $?
check_eq "the database is unchanged by every stats above" "$DB_SUM" "$(md5sum < "$DB")"

# The real collector (at a fixed --now: day 2026-11-27) gets every malformed vector, each followed
# by a valid one; record adds rejections on 2026-11-29.
R="$T/rej.sqlite"
M="$DATA/vectors/malformed"
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 100ms\n' "$R" > "$T/rej.conf"
${TLSRPT_WRAPPER:-} "$BIN" --config "$T/rej.conf" --now 2026-11-27T12:00:00Z collect --socket "$T/rej.sock" \
    2> "$T/rej.log" &
RPID=$!
on_exit "kill $RPID 2>/dev/null; wait $RPID 2>/dev/null"
wait_for 60 grep -q 'collector started' "$T/rej.log" || fail "collector started" "$(cat "$T/rej.log")"
nmal=0
# blocking sends: none is lost to a full socket queue, however slow the collector (valgrind)
for f in "$M"/*.dgram; do
    "$TOOLS/dgram_send" "$T/rej.sock" "$f" "$V/12-tlsa-success.dgram" > /dev/null
    nmal=$((nmal + 1))
done
kill -TERM "$RPID"
wait "$RPID"
check_eq "collector (--now day 2026-11-27): stopped with 0" 0 $?
printf 'not json\n[]\nnot json either\n%s\n' "$(cat "$V/12-tlsa-success.dgram")" \
    | tlsrpt --db "$R" record --time 2026-11-29T09:00:00Z --now 2026-11-29T09:30:00Z 2> /dev/null
R_SUM=$(md5sum < "$R")
tlsrpt --db "$R" stats --by rejection --json > "$T/rej.json"
check_eq "--by rejection --json: per day and reason, as datagram_counts holds them" \
    "$(sqlite3 -separator '|' "$R" "SELECT date(hour, 'unixepoch'), outcome, sum(count) FROM datagram_counts WHERE outcome <> 'accepted' GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2")" \
    "$($PY -c 'import json,sys; [print("%s|%s|%d" % (r["day"], r["reason"], r["datagrams"])) for r in json.load(sys.stdin)]' < "$T/rej.json")"
check_eq "--by rejection --json: every malformed vector on 2026-11-27, 3 bad lines on 2026-11-29" \
    "2026-11-27 $nmal 2026-11-29 3" \
    "$($PY -c 'import json,sys
t = {}
for r in json.load(sys.stdin): t[r["day"]] = t.get(r["day"], 0) + r["datagrams"]
print(" ".join("%s %d" % kv for kv in sorted(t.items())))' < "$T/rej.json")"
check_eq "--by rejection: record's lines by reason" "bad-json=2 not-object=1" \
    "$($PY -c 'import json,sys; print(" ".join("%s=%d" % (r["reason"], r["datagrams"]) for r in json.load(sys.stdin) if r["day"] == "2026-11-29"))' < "$T/rej.json")"
tlsrpt --db "$R" stats > "$T/rej.txt"
check_eq "default table: every rejection listed under the sessions, with the total" \
    "$(sqlite3 "$R" "SELECT date(hour, 'unixepoch') || ' ' || outcome || ' ' || sum(count) FROM datagram_counts WHERE outcome <> 'accepted' GROUP BY date(hour, 'unixepoch'), outcome ORDER BY 1" | sort)
total $((nmal + 3))" \
    "$(awk 'seen && $1 ~ /^20/ { print $1, $2, $3 } /^COLLECTOR REJECTIONS/ { seen = 1 }' "$T/rej.txt" | sort; awk 'seen && $1 == "total" { print $1, $2 } /^COLLECTOR REJECTIONS/ { seen = 1 }' "$T/rej.txt")"
check_eq "default table: the sessions are only the valid datagrams" "dane.example $((nmal + 1)) 0 0.0%" \
    "$(awk '$2 == "dane.example" { s += $4; f += $5 } END { print "dane.example", s, f, (s + f ? sprintf("%.1f%%", 100 * f / (s + f)) : "-") }' "$T/rej.txt")"
check_eq "default --json: still one object per session row (no rejection rows)" "2" \
    "$(tlsrpt --db "$R" stats --json | $PY -c 'import json,sys; r=json.load(sys.stdin); print(len(r) if all("successful" in x for x in r) else "bad")')"
check_eq "--by rejection --day 2026-11-29 --csv" "$(printf 'day,reason,datagrams\n2026-11-29,bad-json,2\n2026-11-29,not-object,1')" \
    "$(tlsrpt --db "$R" stats --by rejection --day 2026-11-29 --csv)"
tlsrpt --db "$R" stats --by rejection --top 1 > "$T/rej-top.txt"
check_eq "--by rejection --top 1: total over every reason" "total $((nmal + 3))" \
    "$(awk '$1 == "total" { print $1, $2 }' "$T/rej-top.txt")"
check_eq "stats left the collector's database unchanged" "$R_SUM" "$(md5sum < "$R")"
# Everything rejected, nothing counted: the case an operator must not miss.
printf 'nope\n{"d": 1}\n' | tlsrpt --db "$T/allbad.sqlite" record --time 2026-11-29T09:00:00Z \
    --now 2026-11-29T09:30:00Z 2> /dev/null
tlsrpt --db "$T/allbad.sqlite" stats > "$T/allbad.txt"
check_eq "nothing counted, all rejected: the table says why" \
    "$(printf 'total 0 0 -\nCOLLECTOR\n2026-11-29 bad-domain 1\n2026-11-29 bad-json 1\ntotal 2')" \
    "$(awk '$1 == "total" && NF == 4 { print $1, $2, $3, $4 } /^COLLECTOR/ { print $1; seen = 1 } seen && $1 ~ /^20/ { print $1, $2, $3 } seen && $1 == "total" { print $1, $2 }' "$T/allbad.txt")"

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
