#!/bin/bash
# Issue 11 item 4: hostile but valid datagrams do not take the collector's memory with them.
# Before the fix every failure detail's increment copied its whole record and the cache held
# those copies: here the old code reached 900 MiB with 150 distinct 16 KiB datagrams (an 8 KB
# record, 780 details) sent four times, and 906 MiB with a 192 KB datagram (a 100 KB record,
# 9 x 1,024 details) sent three times. Now each string is held once: the ceiling here (300 MiB
# of VmHWM) is generous, the target (bench/collector_memory.sh) is 128 MiB. Every session and detail is still counted.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/d"
$PY "$TOP/tests/tools/hostile_dgram.py" wide "$T/d" 150
$PY "$TOP/tests/tools/hostile_dgram.py" big "$T/d"
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 200ms\n' "$T/c.db" > "$T/c.conf"
# AddressSanitizer's shadow memory and quarantine take the collector's peak from 32 to about 300 MiB
# for "wide": its ceiling is 700 MiB, still below what the old code took without it (900).
ceiling=300
case "$BUILD" in *asan*) ceiling=700 ;; esac

# shape, repeats, files; then the sessions and detail counts that must be stored
run_shape() {
    local shape=$1 repeat=$2 want_sessions=$3 want_details=$4 out stored
    shift 4
    rm -f "$T/c.db" "$T/c.db-wal" "$T/c.db-shm"
    start_collector "$T/c.conf" "$T/c.sock" || return 1
    out=$("$TOOLS/dgram_send" -r "$repeat" "$T/c.sock" "$@")
    check_eq "$shape: all sent" "sent=$(($# * repeat)) lost=0 errors=0" "$out"
    all_stored() {
        stored=$(sqlite3 "$T/c.db" "SELECT (SELECT sum(failed) FROM session_counts) || '|' ||
                                           (SELECT sum(count) FROM failure_counts)" 2>/dev/null)
        [ "$stored" = "$want_sessions|$want_details" ]
    }
    check "$shape: every session and failure detail stored" wait_for $((120 * SLOWDOWN)) all_stored
    local hwm
    hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$COLLECTOR_PID/status")
    echo "# $shape: collector VmHWM $((hwm / 1024)) MiB"
    check "$shape: collector peak RSS $((hwm / 1024)) MiB < $ceiling MiB" test "$hwm" -lt $((ceiling * 1024))
    stop_collector
    check_eq "$shape: SIGTERM exits 0" 0 "$COLLECTOR_RC"
}
run_shape wide 4 600 $((600 * 780)) "$T"/d/wide-*.dgram
run_shape big 3 27 $((27 * 1024)) "$T/d/big.dgram"
