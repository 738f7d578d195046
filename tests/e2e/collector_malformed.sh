# Every malformed vector, each followed by a valid one, through a running collector: the
# collector stays up, counts each rejection by reason, keeps the bad bytes when asked to,
# and counts every valid datagram exactly once. Nothing from a bad datagram is counted.
. "$TOP/tests/lib.sh"

M="$DATA/vectors/malformed"
GOOD="$DATA/vectors/libtlsrpt/12-tlsa-success.dgram"
mkdir -p "$T/dump"
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 100ms\ndump_invalid_dir = %s\n' \
    "$T/c.db" "$T/dump" > "$T/c.conf"
start_collector "$T/c.conf" "$T/c.sock" || exit 1

sent_ok=1
n=0
for f in "$M"/*.dgram; do
    out=$("$TOOLS/dgram_send" -n "$T/c.sock" "$f" "$GOOD")
    [ "$out" = "sent=2 lost=0 errors=0" ] || { sent_ok=0; echo "send $f: $out"; }
    n=$((n + 1))
    # Rejections are logged 20 a minute and these are 23; with two parser threads (and
    # valgrind's scheduler) a later one may be parsed first. Wait for the one whose log line
    # is checked below, so that it is among the first 20 whatever the order.
    case $f in
    *11-garbage-70000.dgram) wait_for 20 grep -q 'reason=bad-json bytes=70000' "$T/collector.log" ;;
    esac
    sleep 0.01
done
check_eq "malformed: all $n pairs sent" 1 "$sent_ok"
check "malformed: collector still running" kill -0 "$COLLECTOR_PID"

# After the abuse, a whole valid set is still counted exactly.
"$TOOLS/dgram_send" -n -p 1000 "$T/c.sock" "$DATA"/vectors/libtlsrpt/0[1-5]*.dgram > /dev/null
stop_collector
check_eq "malformed: SIGTERM exits 0" 0 "$COLLECTOR_RC"

got=$(sqlite3 "$T/c.db" "SELECT outcome || '=' || sum(count) FROM datagram_counts GROUP BY outcome ORDER BY outcome" | tr '\n' ' ')
want="accepted=28 bad-domain=2 bad-dpv=1 bad-failure-count=1 bad-final-result=1 bad-json=6 bad-number=2 bad-policies=2 bad-policy-type=3 bad-record=1 bad-result-type=1 duplicate-key=1 empty=1 not-object=1 "
check_eq "malformed: rejections counted by reason" "$want" "$got"

got=$(tlsrpt --db "$T/c.db" stats --json | $PY -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["domain"], r["policy-type"], r["successful"], r["failed"], sorted(r["result-types"].items()))')
want="dane.example tlsa 23 0 []
example.com sts 2 3 [('certificate-expired', 1), ('certificate-host-mismatch', 1), ('certificate-not-trusted', 2)]"
check_eq "malformed: only the valid datagrams are counted, each once" "$want" "$got"

check_eq "malformed: each rejected datagram dumped" 23 "$(ls "$T/dump" | wc -l)"
same=0
for d in "$T"/dump/*-bad-json.dgram; do cmp -s "$M/16-trailing-garbage.dgram" "$d" && same=1; done
check_eq "malformed: a dump holds the exact bytes" 1 "$same"
perm=$(stat -c %a "$(ls "$T"/dump/* | head -1)")
check_eq "malformed: dumps are private (0600)" 600 "$perm"
check "malformed: rejection logged with reason and escaped excerpt" \
    grep -q 'datagram rejected reason=bad-json bytes=70000 detail=".*" excerpt="\[\\xc2' "$T/collector.log"
check "malformed: summary names the reasons" \
    grep -q 'collector stopped received=51 accepted=28 nodpv=0 stored=28 pending=0 rejected=23 ' "$T/collector.log"
