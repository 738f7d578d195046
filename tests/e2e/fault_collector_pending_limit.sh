#!/bin/bash
# Fault test (issue 6): the database stays locked while distinct results pour in, until the
# counters waiting for a commit pass [collector] max_pending (1M here; 256M by default). The
# collector drops them, says how many results it lost, keeps receiving, stores everything
# that comes after the lock is gone, and its books balance: stored + reported lost = sent.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-hardening.sh"

db=$T/tlsrpt.sqlite
sock=$T/run/collector.sock
load=$DATA/load/unique-detail.dgram
hc_conf "$T/tlsrpt.conf" "$db" "flush_interval = 200ms" "summary_interval = 1h" "max_pending = 1M"
hc_start "$T/tlsrpt.conf" "$sock" "$T/collector.log" || exit 1

hc_lock_db "$db" lock-holder
# 12,000 datagrams, each a new failure detail, as fast as the collector takes them
out=$("$TOOLS/dgram_load" -u -R 0 -c 12000 "$sock" "$load")
sent1=$(hc_field sent "$out")
check_eq "while locked: all 12000 taken" "12000" "$sent1"
dropped() { grep -q 'dropping uncommitted counters' "$T/collector.log"; }
# each failed commit first waits out the 10 s busy timeout
check "past max_pending the counters are dropped, and it is logged" wait_for $((40 * SLOWDOWN)) dropped
lost=$(sed -n 's/.*dropping uncommitted counters lost=\([0-9]*\).*/\1/p' "$T/collector.log" | head -n 1)
echo "# dropped with ${lost:-?} datagrams (as many distinct failure details) pending"
check "the drop counts the lost results (${lost:-none})" test "${lost:-0}" -gt 0
check "after the drop the collector is running" kill -0 "$HC_PID"
hc_unlock_db

out=$("$TOOLS/dgram_load" -u -s 100000 -R 2000 -c 1000 "$sock" "$load")
sent2=$(hc_field sent "$out")
total=$((sent1 + sent2))
balanced() { test "$(( $(hc_accepted "$db") + lost ))" = "$total"; }
check "after the lock: stored + lost = sent ($total)" wait_for $((30 * SLOWDOWN)) balanced
check "what came after the lock is all stored" \
    test "$(hc_sql "$db" "SELECT count(*) FROM failure_details")" -ge "$sent2"
hc_stop
check_eq "a stop after a loss exits 1" 1 "$HC_RC"
summary=$(grep 'collector stopped' "$T/collector.log")
echo "$summary"
check_eq "stop summary: received, stored, lost" "$total $((total - lost)) $lost" \
    "$(hc_field received "$summary") $(hc_field stored "$summary") $(hc_field lost "$summary")"
check_eq "integrity_check" ok "$(hc_sql "$db" 'PRAGMA integrity_check')"
