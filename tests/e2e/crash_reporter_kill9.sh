#!/bin/bash
# kill -9 of `send` in the middle of a run with many deliveries (issue 6): 60 reports, each to
# a mailto: and an https: rua, through sinks that take 0.2 s per delivery, 4 at a time. The
# run is killed twice part-way; the third run finishes. Counted at the sinks: every delivery
# arrives, and the only ones that arrive twice are those that were in flight at a kill (the
# rows marked "attempt started" in the database), at most `concurrency` per kill.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

N=60
CONC=4
make_pki || exit 1
start_smtp "$T/smtp" --require-starttls || exit 1
start_https "$T/https" || exit 1
{
    echo "address=/reports.example.test/127.0.0.1"
    for i in $(seq -w 1 $N); do
        dns_txt "_smtp._tls.d$i.test" "v=TLSRPTv1; rua=mailto:r@d$i.test,https://reports.example.test:$HTTPS_PORT/d$i"
    done
} > "$T/records"
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
C="$T/c.conf"
write_config "$C" delivery.concurrency=$CONC delivery.retry_initial=5m

# one day of results for the 60 domains, one report each
record_day 2026-03-01 $(for i in $(seq -w 1 $N); do echo "d$i.test"; done)
tlsrpt --config "$T/agg.conf" --now 2026-03-02T00:30:00Z aggregate 2> "$T/aggregate.log"
check_eq "$N reports built" "$N" "$(q "SELECT count(*) FROM reports WHERE day = '2026-03-01'")"

echo delay:0.2 > "$T/smtp/mode"
echo delay:0.2 > "$T/https/mode"
sent() { q "SELECT count(*) FROM deliveries WHERE rua <> '' AND state = 'sent'"; }
at_least_sent() { test "$(sent)" -ge "$1"; }
inflight() { q "SELECT count(*) FROM deliveries WHERE last_error LIKE 'attempt started%'"; }
received() { echo $(( $(ls "$T/smtp" | grep -c '\.eml$') + $(ls "$T/https" | grep -c '\.gz$') )); }

# kill_run NOW SENT: starts `send`, kills it with SIGKILL once SENT deliveries are recorded;
# adds the rows then in flight to $LOST_MAX
LOST_MAX=0
kill_run() {
    local pid
    # exec: $! must be the process itself for kill -9 to hit it
    (exec ${TLSRPT_WRAPPER:-} "$BIN" --config "$C" --now "$1" send 2> "$T/run-$2.log") &
    pid=$!
    check "run killed after $2 deliveries recorded" wait_for $(( 60 * SLOWDOWN )) at_least_sent "$2"
    kill -9 $pid
    wait $pid 2>/dev/null
    local f
    f=$(inflight)
    check "at most concurrency ($CONC) deliveries in flight at the kill ($f)" test "$f" -le $CONC
    LOST_MAX=$((LOST_MAX + f))
    echo "# kill at $(sent) recorded: $f in flight, $(received) received by the sinks so far"
}
kill_run 2026-03-02T01:00:00Z 30
kill_run 2026-03-02T01:10:00Z 80
sleep 0.5 # the sinks finish the deliveries whose client is gone

tlsrpt --config "$C" --now 2026-03-02T01:20:00Z send 2> "$T/run-final.log"
check_eq "the final run exits 0" "0" "$?"
check_eq "every delivery is sent" "$((2 * N))" "$(sent)"
check_eq "no row left in flight or retrying" "0" "$(q "SELECT count(*) FROM deliveries WHERE state <> 'sent'")"
mail_rcpts=$(cat "$T"/smtp/*.env | grep -c '^r@d[0-9]*\.test$')
distinct_mail=$(cat "$T"/smtp/*.env | grep '^r@d[0-9]*\.test$' | sort -u | wc -l)
distinct_post=$(grep -h '^path=' "$T"/https/*.hdr | sort -u | wc -l)
check_eq "every report's mail arrived" "$N" "$distinct_mail"
check_eq "every report's POST arrived" "$N" "$distinct_post"
total=$(received)
dups=$((total - 2 * N))
echo "# $total received for $((2 * N)) deliveries: $dups twice; $LOST_MAX were in flight at the two kills"
check "only deliveries in flight at a kill arrive twice ($dups <= $LOST_MAX)" test "$dups" -le "$LOST_MAX"
check_eq "mail envelope counts match the files" "$(ls "$T/smtp" | grep -c '\.eml$')" "$mail_rcpts"
check_eq "attempts recorded = deliveries + those re-sent after a kill" "$((2 * N + LOST_MAX))" \
    "$(q "SELECT sum(attempts) FROM deliveries WHERE rua <> ''")"
