# The collector's socket and process life: permissions and group, refusal next to a live
# collector, stale-socket removal, systemd socket activation (LISTEN_FDS), SIGHUP log
# reopening, and a database newer than the program refused.
. "$TOP/tests/lib.sh"

V="$DATA/vectors/libtlsrpt"
conf() { # file extra-collector-lines...
    f=$1; shift
    { printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 100ms\n' "$T/c.db"; for l in "$@"; do echo "$l"; done; } > "$f"
}

conf "$T/c.conf" "socket_group = daemon" "log_file = $T/c.log"
start_collector "$T/c.conf" "$T/c.sock" || exit 1
check_eq "socket: default mode 0660" 660 "$(stat -c %a "$T/c.sock")"
check_eq "socket: socket_group applied" daemon "$(stat -c %G "$T/c.sock")"

# A second collector on the same socket must refuse, and leave the first one working.
tlsrpt --config "$T/c.conf" collect --socket "$T/c.sock" 2> "$T/second.err"
check_eq "socket: second collector exits 1" 1 $?
check "socket: second collector says why" grep -q "another collector is live on socket=$T/c.sock" "$T/second.err"
out=$("$TOOLS/dgram_send" -n "$T/c.sock" "$V/01-sts-success.dgram")
check_eq "socket: first collector still receives" "sent=1 lost=0 errors=0" "$out"

# SIGHUP reopens the log file (after rotation).
mv "$T/c.log" "$T/c.log.1"
kill -HUP "$COLLECTOR_PID"
wait_for 5 grep -q "SIGHUP: log reopened" "$T/c.log"
check "socket: SIGHUP reopens the log file" grep -q "SIGHUP: log reopened" "$T/c.log"
check "socket: log lines carry a UTC timestamp" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z tlsrpt collect\[[0-9]+\]: info: ' "$T/c.log"

# kill -9 leaves a stale socket; the next start removes it.
kill -KILL "$COLLECTOR_PID"
wait "$COLLECTOR_PID" 2>/dev/null
check "socket: stale socket left by kill -9" test -S "$T/c.sock"
conf "$T/c2.conf" "socket_mode = 0640"
start_collector "$T/c2.conf" "$T/c.sock" || exit 1
check "socket: stale socket removed at start" grep -q "removed stale socket=$T/c.sock" "$T/collector.log"
check_eq "socket: socket_mode applied" 640 "$(stat -c %a "$T/c.sock")"
stop_collector
check "socket: removed at a clean exit" test ! -e "$T/c.sock"

# Something else at the socket path is never replaced.
echo data > "$T/notasocket"
tlsrpt --config "$T/c.conf" collect --socket "$T/notasocket" 2> "$T/nas.err"
check_eq "socket: a regular file at the path is refused" 1 $?
check_eq "socket: the file is left alone" data "$(cat "$T/notasocket")"

# A world-writable socket_mode is a configuration error naming file and line.
conf "$T/bad.conf" "socket_mode = 0666"
tlsrpt --config "$T/bad.conf" collect --socket "$T/x.sock" 2> "$T/bad.err"
check_eq "socket: world-writable mode refused" 1 $?
check "socket: the refusal names file:line" grep -q "$T/bad.conf:5: \[collector\] socket_mode: 0666 is world-writable" "$T/bad.err"

# systemd socket activation: the socket is bound by systemd-socket-activate and passed in
# LISTEN_FDS; the collector uses it, and leaves it in place at exit.
if command -v systemd-socket-activate > /dev/null; then
    rm -f "$T/c.db"*
    systemd-socket-activate --datagram -l "$T/sd.sock" \
        ${TLSRPT_WRAPPER:-} "$BIN" --config "$T/c2.conf" collect 2> "$T/sd.log" &
    SD=$!
    on_exit "kill $SD 2>/dev/null"
    wait_for 10 test -S "$T/sd.sock"
    # The program starts at the first datagram; sending before it runs queues in systemd's socket.
    out=$("$TOOLS/dgram_send" -n -p 2000 "$T/sd.sock" "$V"/0[1-5]*.dgram)
    check_eq "systemd: datagrams accepted on the inherited socket" "sent=5 lost=0 errors=0" "$out"
    wait_for 10 grep -q "collector started socket=$T/sd.sock (from systemd)" "$T/sd.log"
    check "systemd: collector reports the inherited socket" grep -q "(from systemd)" "$T/sd.log"
    sleep 0.3
    kill -TERM "$SD"
    wait "$SD"
    check_eq "systemd: exits 0" 0 $?
    n=$(sqlite3 "$T/c.db" "SELECT sum(successful) + sum(failed) FROM session_counts")
    check_eq "systemd: all five sessions stored" 5 "$n"
else
    fail "systemd: systemd-socket-activate available" "not installed (package systemd)"
fi

# A database written by a newer tlsrpt is refused, not damaged.
sqlite3 "$T/c.db" "INSERT INTO schema_version VALUES (999, '999-future.sql', 'x')"
tlsrpt --db "$T/c.db" stats > /dev/null 2> "$T/new.err"
check_eq "schema: newer database refused" 1 $?
check "schema: the message says what to do" grep -q "database schema version 999 is newer than this tlsrpt knows" "$T/new.err"
n=$(sqlite3 "$T/c.db" "SELECT count(*) FROM schema_version")
check "schema: migrations recorded in schema_version" test "$n" -ge 3
