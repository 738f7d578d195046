#!/bin/bash
# SIGTERM and SIGINT during `send` (issue 12 item 7): the run starts no new attempt, aborts
# the ones in flight and releases their claims (due again at once, the attempt not counted),
# logs why and its summary, and exits 75 (try again later). The next run sends everything
# exactly once.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

start_a_test || exit 1
C="$T/c.conf"
write_config "$C" delivery.concurrency=1 delivery.timeout=60s
NOW=2026-09-02T01:00:00Z
for d in 01 02 03; do add_report 2026-09-$d a.test > /dev/null; done
R1=$(q "SELECT report_id FROM reports WHERE day = '2026-09-01'")

# SIGTERM while a POST stalls (the receiver would hold it for 30 s, timeout is 60 s)
echo stall > "$T/https/mode"
(exec ${TLSRPT_WRAPPER:-} "$BIN" --config "$C" --now $NOW send 2> "$T/t1.log") &
pid=$!
check "the first report's POST is in flight" wait_for 30 test -f "$T/https/stalled-1"
t0=$(date +%s)
kill -TERM $pid
wait $pid
rc=$?
took=$(( $(date +%s) - t0 ))
check_eq "SIGTERM: exit 75" "75" "$rc"
check "SIGTERM: the run ends within 5 s, not after the stall (${took}s)" test "$took" -le $((5 * SLOWDOWN))
check "SIGTERM: says so" grep -q "warning: send interrupted by SIGTERM: no attempt started after it; 1 in flight released" "$T/t1.log"
check "SIGTERM: the summary is logged" grep -q "info: send finished reports=3 sent=1 .* released=1 claims_lost=0 interrupted=yes" "$T/t1.log"
check_eq "the mail before the signal is sent, the POST released: due again, not counted" \
    "sent|1 pending|0|1788310800" \
    "$(q "SELECT group_concat(x, ' ') FROM (SELECT state || '|' || attempts || coalesce('|' || next_attempt, '') AS x
          FROM deliveries WHERE report_id = '$R1' ORDER BY id)")"
check "the released row says why" test -n "$(q "SELECT 1 FROM deliveries WHERE report_id = '$R1' AND rua = '$U'
    AND last_error LIKE '%stopped by a signal%' AND claim_token IS NULL")"
check_eq "no attempt was started for the other reports" "2|0" \
    "$(q "SELECT count(*) || '|' || sum(attempts) FROM deliveries d JOIN reports r USING (report_id) WHERE r.day > '2026-09-01'")"

# SIGINT while the relay stalls after the whole message (the second report's mail): libcurl
# waits for the reply to the final dot without calling back, so that attempt finishes within
# `timeout` (8 s here) and is then released
rm -f "$T/https/mode"
echo stall > "$T/smtp/mode"
write_config "$C" delivery.concurrency=1 delivery.timeout=8s
(exec ${TLSRPT_WRAPPER:-} "$BIN" --config "$C" --now $NOW send 2> "$T/t2.log") &
pid=$!
check "the next mail is in flight" wait_for 30 test -f "$T/smtp/stalled-1"
t0=$(date +%s)
kill -INT $pid
wait $pid
rc=$?
took=$(( $(date +%s) - t0 ))
check_eq "SIGINT: exit 75" "75" "$rc"
check "SIGINT: the run ends within timeout (8 s) and a few seconds (${took}s)" test "$took" -le $((14 * SLOWDOWN))
check "SIGINT: says so, with its summary" \
    sh -c "grep -q 'send interrupted by SIGINT: no attempt started after it; 1 in flight released' '$T/t2.log' &&
           grep -q 'info: send finished .* released=1 .*interrupted=yes' '$T/t2.log'"
check_eq "SIGINT: the mail in flight released" "pending|0" \
    "$(q "SELECT d.state || '|' || d.attempts FROM deliveries d JOIN reports r USING (report_id)
          WHERE r.day = '2026-09-02' AND d.rua = 'mailto:r@a.test'")"

# the next run sends everything, each exactly once
rm -f "$T/smtp/mode"
tlsrpt --config "$C" --now $NOW send 2> "$T/t3.log"
check_eq "the run after: exit 0" "0" "$?"
check_eq "every delivery sent" "6|sent" \
    "$(q "SELECT count(*) || '|' || group_concat(DISTINCT state) FROM deliveries")"
check_eq "three mails and three POSTs arrived, none twice" "3|3" \
    "$(ls "$T/smtp" | grep -c '\.eml$')|$(ls "$T/https" | grep -c '\.gz$')"
check_eq "the released deliveries count one attempt each" "6" "$(q "SELECT sum(attempts) FROM deliveries")"
