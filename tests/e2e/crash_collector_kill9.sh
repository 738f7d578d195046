#!/bin/bash
# Crash test (issue 6): kill -9 the collector 20 times under sustained load.
# Each cycle: start the collector on the same socket (the killed one left it behind: it must
# be removed as stale), run a paced blocking sender (tests/tools/dgram_load; blocking, so every
# datagram it counts as sent was queued to the collector), kill -9 the collector at a varying
# point of its flush cycle, then check:
#   - PRAGMA integrity_check is ok;
#   - the accepted datagrams stored in this cycle are at most the ones sent (nothing counted
#     twice) and the loss is bounded by the flush interval:
#         lost <= rate * (flush_interval + slack) + queue
#     (what the receiver held since the last commit, what the writer was committing, and what
#     was still in the kernel queue; slack covers the commit time).
# At the end a clean run stores exactly what is sent. Prints one "kill N:" line per cycle and
# a "crash summary:" line (the numbers recorded in bench/RESULTS.md).
# Environment: CRASH_KILLS (20), CRASH_RATE (5000 datagrams/s), CRASH_FLUSH_MS (200).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-hardening.sh"

kills=${CRASH_KILLS:-20}
rate=${CRASH_RATE:-5000}
flush_ms=${CRASH_FLUSH_MS:-200}
slack_ms=100
[ -n "${TLSRPT_WRAPPER:-}" ] && slack_ms=1500 # valgrind: commits take far longer
queue=64

sock=$T/run/collector.sock
db=$T/tlsrpt.sqlite
hc_conf "$T/tlsrpt.conf" "$db" "flush_interval = ${flush_ms}ms" "summary_interval = 1h"
vectors=("$DATA"/vectors/libtlsrpt/*.dgram)

prev=0 total_sent=0 total_lost=0 max_lost=0 max_pct=0 cycles_ok=0
for i in $(seq 1 "$kills"); do
    log=$T/collector.$i.log
    hc_start "$T/tlsrpt.conf" "$sock" "$log" || { fail "kill $i: collector start"; break; }
    if [ "$i" -gt 1 ] && ! grep -q "removed stale socket=$sock" "$log"; then
        fail "kill $i: stale socket" "no 'removed stale socket' line in the log"
    fi
    "$TOOLS/dgram_load" -R "$rate" -d 20 "$sock" "${vectors[@]}" > "$T/load.$i" &
    load_pid=$!
    on_exit "kill $load_pid 2>/dev/null"
    # 1.5 to 3.5 flush intervals of load (300..699 ms by default): the kill lands at a
    # different point of the flush cycle each time.
    ms=$((flush_ms * 3 / 2 + (i * 137) % (flush_ms * 2)))
    sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
    if ! kill -9 "$HC_PID" 2>/dev/null; then
        fail "kill $i: collector was not running at the kill" "$(tail -n 5 "$log")"
        break
    fi
    wait "$HC_PID" 2>/dev/null
    # The sender stops at ECONNREFUSED once the socket has no receiver (-d caps it anyway).
    wait "$load_pid"
    line=$(cat "$T/load.$i")
    sent=$(hc_field sent "$line")
    real_rate=$(hc_field rate "$line")

    integrity=$(hc_sql "$db" 'PRAGMA integrity_check' 2>&1)
    [ "$integrity" = ok ] || fail "kill $i: integrity_check" "$integrity"
    now=$(hc_accepted "$db")
    stored=$((now - prev))
    prev=$now
    lost=$((sent - stored))
    bound=$((real_rate * (flush_ms + slack_ms) / 1000 + queue))
    pct=$((lost * 100 / (real_rate * flush_ms / 1000 + 1)))
    echo "kill $i: sent=$sent stored=$stored lost=$lost rate=$real_rate/s" \
         "rate*flush=$((real_rate * flush_ms / 1000)) bound=$bound"
    if [ "$lost" -lt 0 ]; then
        fail "kill $i: stored more than sent" "sent=$sent stored=$stored"
    elif [ "$lost" -gt "$bound" ]; then
        fail "kill $i: loss bounded by the flush interval" "lost=$lost > bound=$bound"
    else
        cycles_ok=$((cycles_ok + 1))
    fi
    [ "$sent" -gt 0 ] || fail "kill $i: load" "nothing was sent: $line"
    total_sent=$((total_sent + sent))
    total_lost=$((total_lost + lost))
    [ "$lost" -gt "$max_lost" ] && max_lost=$lost
    [ "$pct" -gt "$max_pct" ] && max_pct=$pct
done
check_eq "$kills kill -9 cycles: integrity ok, loss within rate*(flush+${slack_ms}ms)+$queue" \
    "$kills" "$cycles_ok"
echo "crash summary: kills=$kills rate=$rate/s flush_interval=${flush_ms}ms" \
     "sent=$total_sent lost=$total_lost mean_lost=$((total_lost / kills))" \
     "max_lost=$max_lost max_lost_vs_rate_x_flush=${max_pct}%"

# After all that, a clean run: the collector starts, counts every datagram, stops cleanly.
hc_start "$T/tlsrpt.conf" "$sock" "$T/collector.final.log" || fail "restart after crashes"
before=$(hc_accepted "$db")
out=$("$TOOLS/dgram_load" -R 0 -d 1 "$sock" "${vectors[@]}")
hc_stop
check_eq "clean stop after the crashes exits 0" 0 "$HC_RC"
check_eq "clean run after the crashes stores everything sent" \
    "$(hc_field sent "$out")" "$(($(hc_accepted "$db") - before))"
check_eq "integrity_check at the end" ok "$(hc_sql "$db" 'PRAGMA integrity_check')"
