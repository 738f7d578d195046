# SIGTERM while a sender is busy: every datagram whose send() succeeded is in the database
# (the collector shuts its socket for new datagrams, drains the queue, commits, exits 0).
. "$TOP/tests/lib.sh"

V="$DATA/vectors/libtlsrpt"
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 200ms\n' "$T/c.db" > "$T/c.conf"
start_collector "$T/c.conf" "$T/c.sock" || exit 1

# Four one-policy vectors: stored sessions must equal successful sends.
"$TOOLS/dgram_send" -n -p 20 -r 1000000 "$T/c.sock" "$V/01-sts-success.dgram" \
    "$V/04-sts-203-not-trusted-all-fields.dgram" "$V/06-nopolicy-success.dgram" \
    "$V/20-sts-204-big-200-mx.dgram" > "$T/sender.out" 2> "$T/sender.err" &
SENDER=$!
on_exit "kill $SENDER 2>/dev/null"
sleep 1.5
stop_collector
check_eq "sigterm: collector exits 0 under load" 0 "$COLLECTOR_RC"
wait "$SENDER"
sent=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' "$T/sender.out")
stored=$(sqlite3 "$T/c.db" "SELECT sum(successful) + sum(failed) FROM session_counts")
echo "sender: $(cat "$T/sender.out"); stored sessions: $stored"
check "sigterm: the sender got datagrams through" test "${sent:-0}" -gt $((1000 / SLOWDOWN))
check_eq "sigterm: every datagram sent before the shutdown is stored" "$sent" "$stored"
check "sigterm: sender saw the socket close (not a silent loss)" grep -qE "Broken pipe|No such file|Connection refused" "$T/sender.err"
check "sigterm: shutdown summary reports nothing lost" grep -q "collector stopped .* lost=0 " "$T/collector.log"
check "sigterm: socket removed on exit" test ! -e "$T/c.sock"
