#!/bin/bash
# Several MTA hosts: two real collectors (mx1, mx2) count real libtlsrpt datagrams; their days
# are exported and imported into a third database, which then shows exactly what one collector
# that received everything shows. Importing again replaces, never doubles; bad files are
# refused whole.
. "$(dirname "$0")/../lib.sh"
V="$DATA/vectors/libtlsrpt"
NOW=2026-11-29T10:20:00Z
DAY=2026-11-29

# run_collector NAME: a collector on $T/NAME.sock writing $T/NAME.sqlite; pid in PID_NAME
run_collector() {
    local name=$1
    printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 50ms\n' \
        "$T/$name.sqlite" > "$T/$name.conf"
    ${TLSRPT_WRAPPER:-} "$BIN" --config "$T/$name.conf" --now "$NOW" collect \
        --socket "$T/$name.sock" 2> "$T/$name.log" &
    eval "PID_$name=$!"
    on_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
    wait_for 20 test -S "$T/$name.sock" || { fail "collector $name starts" "$(cat "$T/$name.log")"; exit 1; }
}
stop() { # NAME: SIGTERM, wait, and check that the collector exited cleanly
    local pid rc
    eval "pid=\$PID_$1"
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    check_eq "collector $1 stops cleanly" 0 "$rc"
}
send() { local sock=$1; shift; "$TOOLS/dgram_send" "$sock" "$@" > /dev/null; }

run_collector mx1
run_collector mx2
run_collector all
# mx1 sees vectors 01-12, mx2 sees 09-21 (09-12 on both hosts: the same domains and policies
# counted on two hosts must add up), and mx1 sees 04 a second time.
set1=("$V"/0*.dgram "$V"/1[0-2]-*.dgram "$V"/04-*.dgram)
set2=("$V"/09-*.dgram "$V"/1*.dgram "$V"/2*.dgram)
send "$T/mx1.sock" "${set1[@]}"
send "$T/mx2.sock" "${set2[@]}"
send "$T/all.sock" "${set1[@]}" "${set2[@]}"
stop mx1
stop mx2
stop all

sessions() { tlsrpt --db "$1" stats --day "$DAY" --by day --json | $PY -c 'import json,sys; r=json.load(sys.stdin); print(r[0]["successful"] + r[0]["failed"] if r else 0)'; }
check_eq "mx1 counted its 13 datagrams" 13 "$(sessions "$T/mx1.sqlite")"
check_eq "all counted both hosts' datagrams" \
    $(( $(sessions "$T/mx1.sqlite") + $(sessions "$T/mx2.sqlite") )) "$(sessions "$T/all.sqlite")"

tlsrpt --db "$T/mx1.sqlite" export --day "$DAY" --source mx1 > "$T/mx1.gz" 2> "$T/export.log"
check_eq "export mx1 exits 0" 0 $?
tlsrpt --db "$T/mx2.sqlite" export --day "$DAY" --source mx2 > "$T/mx2.gz" 2>> "$T/export.log"
check "export is gzip-compressed by default" gunzip -t "$T/mx1.gz"
tlsrpt --db "$T/mx1.sqlite" export --day "$DAY" --source mx1 --no-gzip > "$T/mx1.txt" 2>> "$T/export.log"
check_eq "--no-gzip writes the same lines uncompressed" "$(gunzip -c "$T/mx1.gz" | sed 1d)" "$(sed 1d "$T/mx1.txt")"
check "export: compact format, each definition once, end line totals" $PY -c '
import gzip, json, sys
lines = gzip.open(sys.argv[1], "rt").read().splitlines()
h = json.loads(lines[0])
assert h["type"] == "tlsrpt-export" and h["version"] == 2 and h["source"] == "mx1" and h["day"] == "2026-11-29", h
defs = {"r": [], "p": [], "d": []}
s_lines = f_lines = sessions = details = 0
key = None
ex = {"s": None, "f": 0}
for l in lines[1:-1]:
    tag, rest = l[0], l[2:]
    if tag in defs:
        v = json.loads(rest)
        assert v not in defs[tag], ("defined twice", l)
        defs[tag].append(v)
    elif tag == "k":
        r, p, dom = rest.split(" ", 2)
        key = (defs["r"][int(r)], defs["p"][int(p)], json.loads(dom))
    elif tag == "s":
        h, ok, failed = map(int, rest.split())
        s_lines += 1; sessions += ok + failed
        if key[2] == "example.com": ex["s"] = (h, ok, failed, key[1]["policy-type"])
    elif tag == "f":
        h, d, n = map(int, rest.split())
        assert d < len(defs["d"])
        f_lines += 1; details += n
        if key[2] == "example.com": ex["f"] += n
    else:
        raise AssertionError(l)
assert lines[-1] == "e %d %d %d %d" % (s_lines, f_lines, sessions, details), (lines[-1], s_lines, f_lines, sessions, details)
assert ex["s"] == (10, 2, 4, "sts") and ex["f"] == 5, ex
' "$T/mx1.gz"

# --- import into a third database equals one collector that saw everything --------------------
I="$T/reporting.sqlite"
tlsrpt --db "$I" import "$T/mx1.gz" "$T/mx2.gz" 2> "$T/import.log"
check_eq "import exits 0" 0 $?
compare() { # NAME ARGS...: stats ARGS of the imported database equals that of "all"
    local name=$1
    shift
    tlsrpt --db "$I" stats "$@" > "$T/i.out"
    tlsrpt --db "$T/all.sqlite" stats "$@" > "$T/a.out"
    if diff -u "$T/a.out" "$T/i.out" > "$T/cmp.diff"; then pass "$name"; else fail "$name" "$(head -30 "$T/cmp.diff")"; fi
}
compare "imported stats --json equals one database with all results" --json
compare "imported stats --by result-type equals" --by result-type --json
compare "imported stats --by mx equals" --by mx --csv
same_rows() { # NAME SQL: the rows of SQL are the same in both databases
    if diff <(sqlite3 "$T/all.sqlite" "$2") <(sqlite3 "$I" "$2") > "$T/rows.diff"; then
        pass "$1"
    else
        fail "$1" "$(head -20 "$T/rows.diff")"
    fi
}
same_rows "same policies, byte for byte" \
    "SELECT policy_type, policy_domain, policy_strings, mx_hosts FROM policies ORDER BY 1, 2, 3, 4"
same_rows "same failure details, byte for byte" \
    "SELECT result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo, receiving_ip, additional_information, failure_reason_code FROM failure_details ORDER BY 1, 2, 3, 4, 5, 6, 7"
same_rows "same records" "SELECT record FROM tlsrpt_records ORDER BY 1"
same_rows "same per-detail counts of the day" \
    "SELECT domain, policy_domain, result_type, sending_mta_ip, receiving_mx_hostname, additional_information, count FROM failure_details_by_day ORDER BY 1, 2, 3, 4, 5, 6"
check_eq "sources are recorded" "$(printf 'mx1|13\nmx2|%s' "$(sessions "$T/mx2.sqlite")")" \
    "$(sqlite3 "$I" "SELECT source, sum(successful + failed) FROM session_counts GROUP BY 1 ORDER BY 1")"

# --- importing again replaces, never doubles ----------------------------------------------------
tlsrpt --db "$I" import "$T/mx2.gz" "$T/mx1.gz" "$T/mx1.txt" 2>> "$T/import.log"
check_eq "import again exits 0" 0 $?
compare "after importing the same files again: still equal" --json
check "the second import says what it replaced" grep -q 'source=mx1 day=2026-11-29 .*replaced_rows=[1-9]' "$T/import.log"

# A later export of mx1 with more counts replaces the earlier one: mx1 counts 01 once more.
cat "$V/01-sts-success.dgram" | tlsrpt --db "$T/mx1.sqlite" record --time "$NOW" --now "$NOW" 2> /dev/null
cat "$V/01-sts-success.dgram" | tlsrpt --db "$T/all.sqlite" record --time "$NOW" --now "$NOW" 2> /dev/null
tlsrpt --db "$T/mx1.sqlite" export --day "$DAY" --source mx1 > "$T/mx1-later.gz" 2> /dev/null
tlsrpt --db "$I" import "$T/mx1-later.gz" 2>> "$T/import.log"
compare "a later export of the same day replaces the earlier one" --json

# --- stdin, and files that are refused whole ----------------------------------------------------
cat "$T/mx2.gz" | tlsrpt --db "$I" import - 2>> "$T/import.log"
check_eq "import - reads stdin" 0 $?
compare "stdin import changed nothing (same day again)" --json

cp "$I" "$T/before.sqlite"
refused() { # NAME PATTERN FILE [OPTION...]: import exits 1, logs PATTERN, and the counters are unchanged
    local name=$1 pattern=$2 file=$3 out
    out=$(tlsrpt --db "$I" import "${@:4}" "$file" 2>&1)
    local rc=$?
    if [ "$rc" -eq 1 ] && echo "$out" | grep -qE "$pattern"; then pass "refused: $name"; else fail "refused: $name" "rc=$rc $out"; fi
    same=$(diff <(sqlite3 "$T/before.sqlite" "SELECT * FROM session_counts ORDER BY 1,2,3,4,5") \
                <(sqlite3 "$I" "SELECT * FROM session_counts ORDER BY 1,2,3,4,5") > /dev/null && echo same)
    check_eq "refused: $name: counters unchanged" same "$same"
}
sed '1s/"source":"mx1"/"source":""/' "$T/mx1.txt" > "$T/local.txt"
refused "a file claiming the local source ''" "claims the local source" "$T/local.txt"
head -n -1 "$T/mx1.txt" > "$T/truncated.txt"
refused "a truncated file (no end line)" "truncated: no end line" "$T/truncated.txt"
head -n -1 "$T/mx1.txt" | gzip > "$T/truncated-lines.gz"
refused "a whole gzip stream of a truncated file" "truncated: no end line" "$T/truncated-lines.gz"
head -c $(( $(stat -c %s "$T/mx1.gz") - 12 )) "$T/mx1.gz" > "$T/cut.gz"
refused "a gzip stream cut short" "damaged gzip stream" "$T/cut.gz"
bad_line=$(grep -n '^s ' "$T/mx1.txt" | sed -n 2p | cut -d: -f1)
sed "${bad_line}s/^s \([0-9]*\) [0-9]*/s \1 -1/" "$T/mx1.txt" > "$T/badrow.txt"
refused "a bad row in the middle: nothing of the file is stored" "line=$bad_line .*must be counts" \
    "$T/badrow.txt"
sed "${bad_line}s/^s [0-9]*/s 24/" "$T/mx1.txt" > "$T/otherday.txt"
refused "a row outside the header's day" "line=$bad_line .*0 to 23" "$T/otherday.txt"
sed '0,/^d /s/"result-type":"[a-z-]*"/"result-type":"certificate-lost"/' "$T/mx1.txt" > "$T/badtype.txt"
refused "an unknown result type" "unknown result-type" "$T/badtype.txt"
sed 's/^e \([0-9]*\) \([0-9]*\) \([0-9]*\)/e \1 \2 1\3/' "$T/mx1.txt" > "$T/badend.txt"
refused "an end line whose totals differ" "end line counts" "$T/badend.txt"
tlsrpt --db "$T/mx1.sqlite" export --day "$DAY" --source "$(hostname)" > "$T/own.gz" 2> /dev/null
refused "this host's own name" "this host's name" "$T/own.gz"
refused "import --source with this host's own name" "this host's name" "$T/mx1.gz" --source "$(hostname)"
refused "a file that is not an export" "not a JSON object" "$V/INDEX.md"

tlsrpt --db "$T/mx1.sqlite" export --day "$DAY" --source 'bad name' > /dev/null 2>&1
check_eq "export --source with a space is a usage error" 2 $?
tlsrpt --db "$T/mx1.sqlite" export > /dev/null 2>&1
check_eq "export without --day is a usage error" 2 $?

# Metrics tell when each source last sent counters.
tlsrpt --db "$I" metrics > "$T/m.prom"
check_eq "metrics: last imported hour of mx1" "tlsrpt_import_last_hour_timestamp_seconds{source=\"mx1\"} $(date -ud 2026-11-29T10:00:00Z +%s)" \
    "$(grep 'source="mx1"' "$T/m.prom")"

# --- today's files (version 1 JSON lines) still import, plain or gzip, and equal the compact ---
# tests/data/exchange/mx1-version1.jsonl: what the version 1 exporter wrote of a database that
# recorded mx1's datagrams (set1) at 10:20 (its report domains are `d`: dane.example, whose
# tlsa policy keeps policy-domain mx.dane.example).
for f in "${set1[@]}"; do cat "$f"; echo; done |
    tlsrpt --db "$T/rec.sqlite" record --time "$NOW" --now "$NOW" 2> /dev/null
tlsrpt --db "$T/rec.sqlite" export --day "$DAY" --source mx1 > "$T/rec.gz" 2> /dev/null
tlsrpt --db "$T/v2.sqlite" import "$T/rec.gz" 2> /dev/null
tlsrpt --db "$T/v1.sqlite" import "$DATA/exchange/mx1-version1.jsonl" 2> "$T/v1.log"
check_eq "a version 1 file imports" 0 $?
check "the log names the format" grep -q 'format=jsonl rows=3 ' "$T/v1.log"
gzip -c "$DATA/exchange/mx1-version1.jsonl" | tlsrpt --db "$T/v1gz.sqlite" import - 2> /dev/null
check_eq "a gzip-compressed version 1 file imports from stdin" 0 $?
all_rows="SELECT s.hour, s.report_domain, r.record, p.policy_type, p.policy_domain, p.policy_strings,
    p.mx_hosts, s.source, s.successful, s.failed FROM session_counts s JOIN tlsrpt_records r ON r.id = s.record_id
    JOIN policies p ON p.id = s.policy_id ORDER BY 1, 2, 3, 4, 5, 6, 7;
    SELECT f.hour, f.report_domain, d.result_type, d.sending_mta_ip, d.receiving_mx_hostname, d.receiving_mx_helo,
    d.receiving_ip, d.additional_information, d.failure_reason_code, f.source, f.count FROM failure_counts f
    JOIN failure_details d ON d.id = f.detail_id ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9"
check_eq "version 1 and compact imports of the same counters: the same rows" \
    "$(sqlite3 "$T/v2.sqlite" "$all_rows")" "$(sqlite3 "$T/v1.sqlite" "$all_rows")"
check_eq "the gzip-compressed version 1 import: the same rows" \
    "$(sqlite3 "$T/v2.sqlite" "$all_rows")" "$(sqlite3 "$T/v1gz.sqlite" "$all_rows")"
check_eq "the compact import equals the recording database (source aside)" \
    "$(sqlite3 "$T/rec.sqlite" "$all_rows")" "$(sqlite3 "$T/v2.sqlite" "$all_rows" | sed 's/|mx1|/||/')"

# --- import --source: the reporting host names the host whatever the file says ---------------
gunzip -c "$T/rec.gz" | tlsrpt --db "$T/v2.sqlite" import --source mx9 - 2> /dev/null
check_eq "import --source stores under that name" "mx1|13
mx9|13" "$(sqlite3 "$T/v2.sqlite" "SELECT source, sum(successful + failed) FROM session_counts GROUP BY 1 ORDER BY 1")"
tlsrpt --db "$T/v2.sqlite" import --source 'bad name' "$T/rec.gz" > /dev/null 2>&1
check_eq "import --source with a space is a usage error" 2 $?
