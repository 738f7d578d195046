# Helpers of the crash, fault and privilege tests (tests/e2e/crash_*.sh, fault_*.sh,
# privdrop_*.sh), sourced after tests/lib.sh. Unlike lib.sh's start_collector, hc_start waits
# for the collector's "collector started" line, so that a stale socket left by a killed
# collector is not mistaken for the new one.
#   hc_conf FILE DB [LINE...]     writes a config: [storage] database, then the [collector] LINEs
#   hc_start CONF SOCKET LOG      starts `tlsrpt collect` in the background: $HC_PID
#   hc_stop                       SIGTERM, wait: $HC_RC
#   hc_sql DB SQL                 one value from sqlite3 (the CLI, not tlsrpt)
#   hc_accepted DB                datagrams stored as accepted
#   hc_field NAME LINE            the value of NAME=value in a key=value line
#   hc_lock_db DB NAME            another process takes the database's write lock and keeps it
#   hc_unlock_db                  ... until this (its transaction, a row with outcome NAME, commits)

hc_conf() {
    local file=$1 db=$2
    shift 2
    {
        printf '[storage]\ndatabase = %s\n[collector]\n' "$db"
        for l in "$@"; do printf '%s\n' "$l"; done
    } > "$file"
}

hc_start() {
    local conf=$1 sock=$2 log=$3
    # Not through the tlsrpt function: `func &` runs in a subshell and $! would be that
    # subshell, so kill -9 would leave the collector running.
    # HC_LOG_PIPE=1: stderr goes through a pipe (cat) to the log, for when the collector's
    # own file writes are made to fail.
    if [ -n "${HC_LOG_PIPE:-}" ]; then
        ${TLSRPT_WRAPPER:-} "$BIN" --config "$conf" collect --socket "$sock" 2> >(cat > "$log") &
    else
        ${TLSRPT_WRAPPER:-} "$BIN" --config "$conf" collect --socket "$sock" 2> "$log" &
    fi
    HC_PID=$!
    on_exit "kill -9 $HC_PID 2>/dev/null"
    local i=0
    while ! grep -q 'collector started' "$log" 2>/dev/null; do
        if ! kill -0 "$HC_PID" 2>/dev/null; then
            echo "collector exited at start:"
            cat "$log"
            return 1
        fi
        i=$((i + 1))
        if [ "$i" -ge 300 ]; then
            echo "collector did not start within 30 s:"
            cat "$log"
            return 1
        fi
        sleep 0.1
    done
}

hc_stop() {
    kill -TERM "$HC_PID"
    wait "$HC_PID"
    HC_RC=$?
}

hc_sql() {
    sqlite3 -cmd '.timeout 10000' "$1" "$2"
}

hc_accepted() {
    hc_sql "$1" "SELECT coalesce(sum(count), 0) FROM datagram_counts WHERE outcome = 'accepted'"
}

hc_field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

# hc_lock_db DB NAME: another process (sqlite3, reading its commands from a FIFO on fd 3, so
# that the test decides when COMMIT comes) takes the write lock, and writes a datagram_counts
# row with outcome NAME; "locked" in its output shows it holds the lock.
hc_lock_db() {
    rm -f "$T/sql.fifo" "$T/holder.out"
    mkfifo "$T/sql.fifo"
    sqlite3 "$1" < "$T/sql.fifo" > "$T/holder.out" 2>&1 &
    HC_HOLDER=$!
    on_exit "kill $HC_HOLDER 2>/dev/null"
    exec 3> "$T/sql.fifo"
    printf "BEGIN EXCLUSIVE;\nINSERT INTO datagram_counts (hour, outcome, count) VALUES (0, '%s', 1);\n.print locked\n" \
        "$2" >&3
    local i=0
    while ! grep -q locked "$T/holder.out" && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    check "$2: another process holds the write lock" grep -q locked "$T/holder.out"
}

hc_unlock_db() {
    printf "COMMIT;\n.quit\n" >&3
    exec 3>&-
    wait "$HC_HOLDER"
}
