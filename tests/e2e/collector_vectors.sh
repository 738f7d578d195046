# The real libtlsrpt vectors, sent to a running collector by a non-blocking sender (as
# libtlsrpt sends), and fed to `tlsrpt record`: both give exactly the totals of the vectors'
# INDEX.md / expected-totals.json (plus the Latin-1 vector, repaired and counted).
. "$TOP/tests/lib.sh"

V="$DATA/vectors/libtlsrpt"
EXTRA="latin1.example:sts:0:1:certificate-not-trusted=1"
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 100ms\n' "$T/c.db" > "$T/c.conf"

start_collector "$T/c.conf" "$T/c.sock" || exit 1
# Paced 1 ms apart: libtlsrpt does not retry, so the test must not overrun the queue of 10.
out=$("$TOOLS/dgram_send" -n -p $((1000 * SLOWDOWN)) "$T/c.sock" "$V"/*.dgram)
check_eq "collector: non-blocking sender lost nothing" "sent=21 lost=0 errors=0" "$out"
stop_collector
check_eq "collector: SIGTERM exits 0" 0 "$COLLECTOR_RC"
tlsrpt --db "$T/c.db" stats --json > "$T/c.json"
check "collector: stats equal the vectors' expected totals" \
    $PY "$TOP/tests/tools/expected_stats.py" --extra "$EXTRA" "$V/expected-totals.json" "$T/c.json"
check "collector: summary line counts 21 accepted, 1 repaired" \
    grep -q "collector stopped received=21 accepted=21 nodpv=0 stored=21 pending=0 rejected=0 repaired=1 lost=0" \
    "$T/collector.log"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM policies")
check_eq "collector: identical policies stored once (12 in INDEX.md, N0/N1 merged, +latin1)" 12 "$n"
n=$(sqlite3 "$T/c.db" "SELECT count(*), sum(count) FROM failure_counts")
check_eq "collector: 16 distinct details (latin1 adds one), count sum 17" "16|17" "$n"
n=$(sqlite3 "$T/c.db" "SELECT receiving_ip FROM failure_details WHERE result_type = 'certificate-host-mismatch' AND receiving_mx_hostname = 'mx1.example.com'")
check_eq "collector: IPv6 receiving-ip kept in RFC 5952 form" "2001:db8:5::25" "$n"
n=$(sqlite3 "$T/c.db" "SELECT additional_information FROM failure_details WHERE sending_mta_ip = '192.0.2.25' AND receiving_mx_hostname = 'mx.latin1.example'")
case "$n" in
*"�"*) pass "collector: Latin-1 bytes repaired to U+FFFD" ;;
*) fail "collector: Latin-1 bytes repaired to U+FFFD" "got [$n]" ;;
esac
n=$(sqlite3 "$T/c.db" "SELECT additional_information FROM failure_details WHERE result_type = 'certificate-not-trusted' AND receiving_mx_hostname LIKE '%bücher%' OR additional_information LIKE 'Zertifikat für%'")
check_eq "collector: valid UTF-8 kept as sent" "Zertifikat für mx.bücher.example ungültig — 証明書エラー 🔒" "$n"

# The same input through `tlsrpt record`, one JSON object per line.
for f in "$V"/*.dgram; do cat "$f"; echo; done > "$T/all.jsonl"
tlsrpt --db "$T/r.db" record --time 2026-11-29T10:00:00Z < "$T/all.jsonl" 2> "$T/record.log"
check_eq "record: exit 0" 0 $?
tlsrpt --db "$T/r.db" stats --json --day 2026-11-29 > "$T/r.json"
check "record: stats equal the vectors' expected totals" \
    $PY "$TOP/tests/tools/expected_stats.py" --extra "$EXTRA" "$V/expected-totals.json" "$T/r.json"
n=$(sqlite3 "$T/r.db" "SELECT DISTINCT datetime(hour, 'unixepoch') FROM session_counts")
check_eq "record: --time decides the UTC hour" "2026-11-29 10:00:00" "$n"

# Recording the same lines again doubles every count (counters add, never overwrite).
tlsrpt --db "$T/r.db" record --time 2026-11-29T11:30:00Z < "$T/all.jsonl" 2>/dev/null
tlsrpt --db "$T/r.db" stats --json > "$T/r2.json"
check "record: a second run adds to the counts" \
    $PY "$TOP/tests/tools/expected_stats.py" --times 2 --extra "$EXTRA" --extra "$EXTRA" \
    "$V/expected-totals.json" "$T/r2.json"

# Bad lines are reported with their number; good lines are still stored.
{ cat "$V/12-tlsa-success.dgram"; echo; echo '{"dpv": "1"'; echo; cat "$V/12-tlsa-success.dgram"; echo; echo 'null'; } > "$T/mixed.jsonl"
tlsrpt --db "$T/m.db" record < "$T/mixed.jsonl" 2> "$T/mixed.err"
check_eq "record: exit 1 when a line was bad" 1 $?
check "record: bad line 2 reported with its number" grep -q "line 2: rejected reason=bad-json" "$T/mixed.err"
check "record: bad line 5 reported with its number" grep -q "line 5: rejected reason=not-object" "$T/mixed.err"
n=$(tlsrpt --db "$T/m.db" stats --json | $PY -c 'import json,sys; print(sum(r["successful"] for r in json.load(sys.stdin)))')
check_eq "record: good lines stored despite bad ones" 2 "$n"
