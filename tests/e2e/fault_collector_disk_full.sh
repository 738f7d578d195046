#!/bin/bash
# Fault test (issue 6): the disk fills up while the collector writes.
# The database lives on a small tmpfs mounted by the test; "full" is a filler file taking all
# the free space, "freed" is removing it. Where mounting is not allowed, the same faults come
# from RLIMIT_FSIZE instead (prlimit on the running collector; its SIGXFSZ ignored, so writes
# fail with EFBIG): a real write failure under SQLite either way.
#   1. load while there is room: stored;
#   2. full: the collector logs the failed commits, keeps receiving (the blocking sender is
#      never refused), keeps the counters, stores nothing meanwhile;
#   3. freed: a later retry stores everything, exactly once;
#   4. full again, then SIGTERM: the collector retries for a while, gives up, exits 1 and
#      reports lost=N where N is exactly what is missing from the database;
#   5. the database passes PRAGMA integrity_check.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-hardening.sh"

fs=$T/fs
mkdir -p "$fs" "$T/run"
mode=tmpfs # FAULT_DISK_MODE=fsize tries the fallback where a tmpfs would work
if [ "${FAULT_DISK_MODE:-}" != fsize ] && mount -t tmpfs -o size=4m,mode=0755 tlsrpt-test "$fs" 2>/dev/null; then
    on_exit "umount -l '$fs' 2>/dev/null"
elif command -v prlimit >/dev/null; then
    mode=fsize
    echo "note: cannot mount a tmpfs here; using RLIMIT_FSIZE (prlimit) for the write failures"
else
    echo "SKIP fault_collector_disk_full: neither mount -t tmpfs nor prlimit is available"
    exit 0
fi
echo "mode: $mode"

db=$fs/tlsrpt.sqlite
sock=$T/run/collector.sock
load=$DATA/load/unique-detail.dgram # every datagram a new failure detail: the database grows
hc_conf "$T/tlsrpt.conf" "$db" "flush_interval = 200ms" "summary_interval = 1h"

disk_fill() {
    if [ "$mode" = tmpfs ]; then
        dd if=/dev/zero of="$fs/filler" bs=64k 2>/dev/null
        [ "$(df -k --output=avail "$fs" | tail -n 1 | tr -d ' ')" -eq 0 ]
    else
        prlimit --pid "$HC_PID" --fsize=1:unlimited
    fi
}
disk_free() {
    if [ "$mode" = tmpfs ]; then rm -f "$fs/filler"; else prlimit --pid "$HC_PID" --fsize=unlimited; fi
}
# wait_stored N: until N datagrams are stored (10 s)
wait_stored() {
    local i=0
    while [ "$(hc_accepted "$db")" != "$1" ] && [ "$i" -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# Under RLIMIT_FSIZE the log must not be a file the collector writes: it goes through a pipe.
trap '' XFSZ
[ "$mode" = fsize ] && HC_LOG_PIPE=1
hc_start "$T/tlsrpt.conf" "$sock" "$T/collector.log" || exit 1

# 1. Room enough.
out=$("$TOOLS/dgram_load" -u -R 2000 -d 1 "$sock" "$load")
sent1=$(hc_field sent "$out")
wait_stored "$sent1"
check_eq "1. with room: all $sent1 stored" "$sent1" "$(hc_accepted "$db")"

# 2. Full.
check "2. the disk is full" disk_fill
out=$("$TOOLS/dgram_load" -u -s 100000 -R 2000 -d 2 "$sock" "$load")
sent2=$(hc_field sent "$out")
check_eq "2. while full: the collector keeps receiving (no send refused)" "0 0" \
    "$(hc_field refused "$out") $(hc_field errors "$out")"
sleep 0.5
check "2. while full: the collector is running" kill -0 "$HC_PID"
check_eq "2. while full: nothing more was stored" "$sent1" "$(hc_accepted "$db")"
# the collector retries each flush_interval; under valgrind a failing commit is slow enough
# that the 2.5 s above saw only one
wait_for 30 sh -c "[ \$(grep -c 'commit failed; keeping counters' '$T/collector.log') -ge 2 ]"
failures=$(grep -c 'commit failed; keeping counters' "$T/collector.log")
check "2. while full: failed commits are logged ($failures)" test "$failures" -ge 2
grep -m 2 -E 'error|warning' "$T/collector.log"

# 3. Freed: the next retry stores what was kept, exactly once.
disk_free
wait_stored $((sent1 + sent2))
check_eq "3. after freeing: everything stored once" $((sent1 + sent2)) "$(hc_accepted "$db")"
check_eq "3. one failure detail per datagram" $((sent1 + sent2)) \
    "$(hc_sql "$db" "SELECT count(*) FROM failure_details WHERE additional_information LIKE 'load test detail %'")"

# 4. Full again, then stop: what cannot be stored is reported as lost, and only that.
check "4. the disk is full again" disk_fill
out=$("$TOOLS/dgram_load" -u -s 200000 -R 2000 -d 1 "$sock" "$load")
sent3=$(hc_field sent "$out")
hc_stop
check_eq "4. stop with uncommittable counters exits 1" 1 "$HC_RC"
disk_free
stored_now=$(hc_accepted "$db")
reported=$(sed -n 's/.*could not commit at shutdown lost=\([0-9]*\).*/\1/p' "$T/collector.log")
check_eq "4. reported lost equals what is missing" "$((sent1 + sent2 + sent3 - stored_now))" \
    "${reported:-none}"
summary=$(grep 'collector stopped' "$T/collector.log")
check_eq "4. the stop summary: received all, lost the same" \
    "$((sent1 + sent2 + sent3)) ${reported:-none}" \
    "$(hc_field received "$summary") $(hc_field lost "$summary")"
echo "$summary"

# 5.
check_eq "5. integrity_check" ok "$(hc_sql "$db" 'PRAGMA integrity_check')"
