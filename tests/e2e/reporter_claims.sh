#!/bin/bash
# Claims of deliveries in flight (issue 11 item 2). `send` reads the clock for every claim and
# every outcome (a run may last long: slow receivers, many reports); a claim lasts at least
# `timeout` plus the DNS time, so an overlapping run cannot take a delivery that is still in
# flight; backoff counts from the attempt's own time; and an outcome is recorded only by the
# run that holds the claim (its token), so a late outcome of a run whose claim expired cannot
# overwrite the outcome of the run that claimed the delivery since.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

start_a_test || exit 1
C="$T/c.conf"

# 1. Two overlapping runs on the real clock against slow sinks (every POST answered after 2 s,
# every mail after 1 s), one report at a time each, retry_initial 1 s: a claim made more than
# retry_initial after its run started must still hold against the other run.
write_config "$C" delivery.retry_initial=1s delivery.concurrency=1 delivery.timeout=10s
for d in 01 02 03 04; do add_report 2026-06-$d a.test > /dev/null; done
echo delay:2 > "$T/https/mode"
echo delay:1 > "$T/smtp/mode"
tlsrpt --config "$C" send 2> "$T/o1.log" &
p1=$!
sleep 1.5
tlsrpt --config "$C" send 2> "$T/o2.log" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "overlapping runs, slow sinks: both exit 0" "0 0" "$r1 $r2"
check_eq "overlapping runs: every report POSTed and mailed exactly once" "4|4" \
    "$(ls "$T/https" | grep -c '\.gz$')|$(ls "$T/smtp" | grep -c '\.eml$')"
check_eq "overlapping runs: every delivery sent after one attempt" "8|8|sent" \
    "$(q "SELECT count(*) || '|' || sum(attempts) || '|' || group_concat(DISTINCT state)
          FROM deliveries WHERE rua <> ''")"
check_eq "overlapping runs: no claim left behind" "0" \
    "$(q "SELECT count(*) FROM deliveries WHERE claim_token IS NOT NULL")"
check_eq "overlapping runs: one 'report sent' line per delivery over both runs" "8" \
    "$(cat "$T/o1.log" "$T/o2.log" | grep -c 'info: report sent ')"

# 2. Backoff from the attempt's own time: one run, the relay refuses (451) at once, each POST
# takes 2 s. The third report's mail is claimed about 4 s into the run; its retry is due
# retry_initial after that failure, not after the run's start.
write_config "$C" delivery.retry_initial=1m delivery.concurrency=1 delivery.timeout=10s
for d in 05 06 07; do add_report 2026-06-$d a.test > /dev/null; done
echo 451 > "$T/smtp/mode"
t0=$(date +%s)
tlsrpt --config "$C" send 2> "$T/b1.log"
check_eq "backoff run exits 0" "0" "$?"
spread=$(q "SELECT max(last_attempt) - min(last_attempt) FROM deliveries d JOIN reports r USING (report_id)
            WHERE r.day BETWEEN '2026-06-05' AND '2026-06-07' AND d.rua LIKE 'mailto:%'")
check "each claim reads the clock: the mails were claimed over at least 4 s (got ${spread}s)" \
    test "${spread:-0}" -ge 4
last=$(q "SELECT d.next_attempt || ' ' || d.last_attempt FROM deliveries d JOIN reports r USING (report_id)
          WHERE r.day = '2026-06-07' AND d.rua LIKE 'mailto:%'")
check "the last mail's retry is due retry_initial after its own failure ($last, run started $t0)" \
    test "${last% *}" -ge $((t0 + 4 + 60)) -a "${last% *}" -ge $((${last#* } + 60))
check_eq "the refused mails are retrying" "retrying" \
    "$(q "SELECT group_concat(DISTINCT d.state) FROM deliveries d JOIN reports r USING (report_id)
          WHERE r.day BETWEEN '2026-06-05' AND '2026-06-07' AND d.rua LIKE 'mailto:%'")"
rm -f "$T/smtp/mode" "$T/https/mode"

# 3. A late outcome from an expired claim. Run A (clock fixed at $NOW) claims the POST and the
# receiver stalls; run B, with a clock past A's lease, claims the delivery again and it is
# accepted; then A's POST times out. A's "retrying" must not overwrite B's "sent".
# (A's timeout: 6 s, time enough for B; under valgrind the sink's 30 s stall ends A's POST)
write_config "$C" delivery.retry_initial=5m delivery.concurrency=1 delivery.timeout=$((6 * SLOWDOWN))s
R=$(add_report 2026-06-10 a.test)
NOW=2026-06-11T01:00:00Z
echo stall > "$T/https/mode"
(exec ${TLSRPT_WRAPPER:-} "$BIN" --config "$C" --now $NOW send --report-id "$R" 2> "$T/a.log") &
pa=$!
check "run A: the POST is claimed and stalls at the receiver" wait_for 30 test -f "$T/https/stalled-1"
row=$(q "SELECT last_attempt || ' ' || next_attempt FROM deliveries WHERE report_id = '$R' AND rua = '$U'")
check "the claim's lease covers at least timeout (6 s) plus the DNS time ($row)" \
    test $((${row#* } - ${row% *})) -gt 6
rm -f "$T/https/mode"
after=$(date -u -d "@$((${row#* } + 1))" +%FT%TZ)
tlsrpt --config "$C" --now "$after" send --report-id "$R" 2> "$T/b.log"
check_eq "run B after A's lease: exit 0" "0" "$?"
check_eq "run B: claimed again and accepted" "sent|2" \
    "$(q "SELECT state || '|' || attempts FROM deliveries WHERE report_id = '$R' AND rua = '$U'")"
wait $pa
check_eq "run A still exits 0" "0" "$?"
check_eq "A's late timeout does not overwrite B's sent" "sent|2|HTTP 200 ok|" \
    "$(q "SELECT state || '|' || attempts || '|' || reply || '|' || last_error FROM deliveries
          WHERE report_id = '$R' AND rua = '$U'")"
check "run A logs the dropped outcome" grep -q "delivery outcome dropped domain=a.test rua=$U .*another run claimed" "$T/a.log"
check "run A counts it in its summary" grep -q "claims_lost=1 " "$T/a.log"
check_eq "the mail of that report went once" "sent|1" \
    "$(q "SELECT state || '|' || attempts FROM deliveries WHERE report_id = '$R' AND rua = 'mailto:r@a.test'")"
