# Shared by the end-to-end tests (bash). Sourcing it gives:
#   $T        a private temporary directory, removed on exit
#   tlsrpt    the program under test (through $TLSRPT_WRAPPER, e.g. valgrind)
#   pass/fail/check_eq   result lines for tests/run.sh
#   on_exit CMD          cleanup run by the EXIT trap (servers started by the test)
#   free_port, wait_for, start_collector, stop_collector
set -u
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BUILD:=build}"
BIN="$TOP/$BUILD/tlsrpt"
TOOLS="$TOP/$BUILD/tools"
DATA="$TOP/tests/data"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/tlsrpt-e2e.XXXXXX)
chmod 755 "$T"
_cleanups=""
on_exit() { _cleanups="$1; $_cleanups"; }
_finish() {
    eval "$_cleanups"
    [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"
}
trap _finish EXIT
trap 'exit 130' INT TERM

tlsrpt() { ${TLSRPT_WRAPPER:-} "$BIN" "$@"; }
# Timing-dependent expectations (a pacing, a minimum throughput) scale by SLOWDOWN: 1, or 50
# when every run goes through $TLSRPT_WRAPPER (valgrind runs the collector ~50 times slower).
SLOWDOWN=1
[ -n "${TLSRPT_WRAPPER:-}" ] && SLOWDOWN=50

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: ${2:-}"; }
# check_eq NAME EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected [$2], got [$3]"; fi
}
# check NAME COMMAND...: passes when the command succeeds
check() {
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name" "command failed: $*"; fi
}

free_port() {
    $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: polls until the command succeeds
wait_for() {
    local limit=$(( $1 * 10 )) i=0
    shift
    while ! "$@" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -ge "$limit" ] && return 1
        sleep 0.1
    done
}

# start_collector CONFIG SOCKET: runs the collector in the background, $COLLECTOR_PID
start_collector() {
    local conf=$1 sock=$2 log="$T/collector.log" lf before=0
    # Its start-up line goes to stderr, or to [collector] log_file (appended to) when set.
    lf=$(sed -n 's/^[[:space:]]*log_file[[:space:]]*=[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*$/\1/p' \
        "$conf" | tail -n 1)
    if [ -n "$lf" ]; then
        log=$lf
        before=$(grep -c 'collector started' "$log" 2>/dev/null)
    fi
    # Not through the tlsrpt function: $! must be the collector itself, not a subshell.
    ${TLSRPT_WRAPPER:-} "$BIN" --config "$conf" collect --socket "$sock" 2> "$T/collector.log" &
    COLLECTOR_PID=$!
    on_exit "kill $COLLECTOR_PID 2>/dev/null; wait $COLLECTOR_PID 2>/dev/null"
    # Bound is not yet ready (permissions are set, the database opened, after the bind): wait
    # for the "collector started" line (60 s: start-up under valgrind is slow), or its exit.
    local i=0
    until [ "$(grep -c 'collector started' "$log" 2>/dev/null)" -gt "${before:-0}" ]; do
        if ! kill -0 "$COLLECTOR_PID" 2>/dev/null || [ "$i" -ge 600 ]; then
            echo "collector did not start:"
            cat "$T/collector.log"
            return 1
        fi
        i=$((i + 1))
        sleep 0.1
    done
}

# socket_live PATH: a datagram socket at PATH has a live receiver (a stale one refuses)
socket_live() {
    $PY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[1])' "$1" 2>/dev/null
}

# stop_collector: SIGTERM and wait; $COLLECTOR_RC holds the exit status
stop_collector() {
    kill -TERM "$COLLECTOR_PID"
    wait "$COLLECTOR_PID"
    COLLECTOR_RC=$?
}
