#!/bin/bash
# Reporter faults (issue 6): a DNS server that never answers, an SMTP relay that drops the
# connection in the middle of DATA or after the final dot, an SMTP relay and an HTTPS receiver
# that stall past `timeout`. Each run ends on time, leaves the delivery in `retrying` with the
# reason and a next attempt, and the retry delivers exactly once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

start_a_test || exit 1
C="$T/c.conf"
mails() { ls "$T/smtp" | grep -c '\.eml$'; }
posts() { ls "$T/https" | grep -c '\.gz$'; }
row() { q "SELECT state || '|' || attempts || '|' || (next_attempt IS NOT NULL) FROM deliveries WHERE report_id = '$1' AND rua = '$2'"; }
# run_send LOG LIMIT ARGS...: `send` bounded by timeout(1); prints its exit status (124: hung)
run_send() {
    local log=$1 limit=$(( $2 * SLOWDOWN ))
    shift 2
    timeout -s KILL "$limit" ${TLSRPT_WRAPPER:-} "$BIN" --config "$C" "$@" 2> "$log"
    echo $?
}

# --- DNS: a server that takes every query and never answers --------------------------------
HOLE_PORT=$(free_port)
$PY -c "
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $HOLE_PORT))
open(sys.argv[1], 'w').close()
n = 0
while True:
    s.recvfrom(4096); n += 1
    open(sys.argv[2], 'w').write('%d\n' % n)
" "$T/hole.ready" "$T/hole.count" &
HOLE_PID=$!
on_exit "kill $HOLE_PID 2>/dev/null"
wait_for 20 test -f "$T/hole.ready" || { fail "DNS black hole did not start"; exit 1; }

R1=$(add_report 2026-03-01 a.test)
write_config "$C" delivery.dns_servers=127.0.0.1:$HOLE_PORT delivery.connect_timeout=2s
rc=$(run_send "$T/d1.log" 60 --now 2026-03-02T01:00:00Z send --report-id "$R1")
check_eq "DNS never answers: the run ends, exit 75 (rerun later)" "75" "$rc"
check "the resolver really asked the silent server" test "$(cat "$T/hole.count" 2>/dev/null || echo 0)" -ge 1
check_eq "DNS timeout: the lookup is retrying with a next attempt" "retrying|1|1" "$(row "$R1" '')"
check "DNS timeout: reason logged" grep -q "delivery deferred domain=a.test rua=(lookup) .*DNS lookup of _smtp._tls.a.test failed: SERVFAIL or timeout" "$T/d1.log"
check_eq "DNS timeout: nothing sent" "0|0" "$(mails)|$(posts)"
write_config "$C"
rc=$(run_send "$T/d2.log" 60 --now 2026-03-02T01:10:00Z send --report-id "$R1")
check_eq "DNS answers again: the retry delivers" "0|sent|1|1" "$rc|$(q "SELECT group_concat(state, ',') FROM (SELECT DISTINCT state FROM deliveries WHERE report_id = '$R1' AND rua <> '')")|$(mails)|$(posts)"

# --- SMTP: the relay cuts the connection while the message is being sent -------------------
smtp_drop() { # MODE DAY: the mail to r@a.test fails on MODE, then is delivered exactly once
    local mode=$1 day=$2 next=$3 r rc before
    r=$(add_report "$day" a.test)
    before=$(mails)
    echo "$mode" > "$T/smtp/mode"
    rc=$(run_send "$T/$mode-1.log" 60 --now "$next"T01:00:00Z send --report-id "$r")
    check_eq "$mode: the run ends normally (deferred is not an error)" "0" "$rc"
    check_eq "$mode: mail retrying with a next attempt" "retrying|1|1" "$(row "$r" mailto:r@a.test)"
    check "$mode: the reason is kept" test -n "$(q "SELECT last_error FROM deliveries WHERE report_id = '$r' AND rua = 'mailto:r@a.test' AND last_error NOT LIKE 'attempt started%'")"
    check_eq "$mode: the HTTPS rua of the same report is sent" "sent|1|0" "$(row "$r" "$U")"
    check_eq "$mode: the report counts as sent (one rua accepted it)" "sent" \
        "$(tlsrpt --config "$C" reports --json --day "$day" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')"
    rm -f "$T/smtp/mode"
    rc=$(run_send "$T/$mode-2.log" 60 --now "$next"T01:06:00Z send --report-id "$r")
    check_eq "$mode: the retry delivers the mail once" "0|sent|2|0|$((before + 1))" "$rc|$(row "$r" mailto:r@a.test)|$(mails)"
    check_eq "$mode: the delivered mail verifies" "ok" "$(dkim_ok "$T/smtp/mail-$(mails).eml" "$T/$r.json")"
}
write_config "$C" delivery.timeout=3s
smtp_drop drop-mid-data 2026-03-02 2026-03-03
grep -h 'mailto:r@a.test' "$T/drop-mid-data-1.log" | sed 's/^/# /'
smtp_drop drop-after-data 2026-03-03 2026-03-04
grep -h 'mailto:r@a.test' "$T/drop-after-data-1.log" | sed 's/^/# /'

# --- stalls past `timeout`: the relay never answers the final dot, the receiver never answers
R4=$(add_report 2026-03-04 a.test)
echo stall > "$T/smtp/mode"
echo stall > "$T/https/mode"
m0=$(mails); p0=$(posts)
write_config "$C" delivery.timeout=2s delivery.connect_timeout=2s
start=$(date +%s)
rc=$(run_send "$T/st1.log" 60 --now 2026-03-05T01:00:00Z send --report-id "$R4")
took=$(( $(date +%s) - start ))
check_eq "stalled relay and receiver: the run ends, exit 0" "0" "$rc"
check "stalled: the run ended on the timeout (took ${took}s; sinks stall 30 s or more)" test "$took" -lt $(( 25 * SLOWDOWN ))
check_eq "stalled SMTP: retrying with a next attempt" "retrying|1|1" "$(row "$R4" mailto:r@a.test)"
check_eq "stalled HTTPS: retrying with a next attempt" "retrying|1|1" "$(row "$R4" "$U")"
check "stalled: the reasons name the timeout" test "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$R4' AND rua <> '' AND lower(last_error) LIKE '%time%out%'")" = 2
grep -h 'id='"$R4" "$T/st1.log" | sed 's/^/# /'
rm -f "$T/smtp/mode" "$T/https/mode"
rc=$(run_send "$T/st2.log" 60 --now 2026-03-05T01:06:00Z send --report-id "$R4")
check_eq "after the stall: both delivered once on the retry" "0|sent|2|0|sent|2|0|$((m0 + 1))|$((p0 + 1))" \
    "$rc|$(row "$R4" mailto:r@a.test)|$(row "$R4" "$U")|$(mails)|$(posts)"
