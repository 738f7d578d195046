#!/bin/bash
# Retries: the SMTP sink answers 451 and the HTTPS sink 503, then both accept on a later
# `send` (--now moved past next_attempt); 550 and HTTP 400 are permanent; a destination that
# keeps failing is given up retry_hours after the first attempt; a run killed in the middle
# of an attempt re-sends that one delivery only.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

start_a_test || exit 1
write_config "$T/c.conf" delivery.retry_initial=5m delivery.retry_hours=24
C="$T/c.conf"

R=$(add_report 2026-03-01 a.test)
echo 451 > "$T/smtp/mode"
echo 503 > "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-02T01:00:00Z send 2> "$T/s1.log"
check_eq "deferred deliveries still exit 0" "0" "$?"
check_eq "451: retrying" "retrying|1" "$(q "SELECT state || '|' || attempts FROM deliveries WHERE rua = 'mailto:r@a.test'")"
check_eq "503: retrying" "retrying|1" "$(q "SELECT state || '|' || attempts FROM deliveries WHERE rua = '$U'")"
check_eq "next attempt after retry_initial" "1772413500" "$(q "SELECT next_attempt FROM deliveries WHERE rua = '$U'")"
check_eq "451 reply kept as last error" "451 4.3.0 Temporary failure, try again later" \
    "$(q "SELECT last_error FROM deliveries WHERE rua = 'mailto:r@a.test'")"
check "503 status and text kept" test "$(q "SELECT last_error FROM deliveries WHERE rua = '$U'")" = "HTTP 503 busy, come back later"
check "deferral logged" grep -q "delivery deferred domain=a.test rua=$U .*retry_at=2026-03-02T01:05:00Z" "$T/s1.log"

# before next_attempt nothing is retried
tlsrpt --config "$C" --now 2026-03-02T01:04:00Z send 2> "$T/s2.log"
check_eq "not due yet: attempts unchanged" "1|1" "$(q "SELECT group_concat(attempts, '|') FROM deliveries")"

# still failing: backoff doubles
tlsrpt --config "$C" --now 2026-03-02T01:05:00Z send 2> "$T/s3.log"
check_eq "second failure: next attempt 10 min later" "1772414100" "$(q "SELECT next_attempt FROM deliveries WHERE rua = '$U'")"

# both accept now
rm "$T/smtp/mode" "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-02T01:15:00Z send 2> "$T/s4.log"
check_eq "retry run exits 0" "0" "$?"
check_eq "mail sent on the third attempt" "sent|3" "$(q "SELECT state || '|' || attempts FROM deliveries WHERE rua = 'mailto:r@a.test'")"
check_eq "https sent on the third attempt" "sent|3|" "$(q "SELECT state || '|' || attempts || '|' || last_error FROM deliveries WHERE rua = '$U'")"
check_eq "exactly one mail and one POST arrived" "1|1" "$(ls "$T/smtp" | grep -c '\.eml$')|$(ls "$T/https" | grep -c '\.gz$')"
check_eq "the retried mail verifies" "ok" "$(dkim_ok "$T/smtp/mail-1.eml" "$T/$R.json")"

# permanent failures: SMTP 550 and HTTP 400 are not retried
R2=$(add_report 2026-03-02 a.test)
echo 550 > "$T/smtp/mode"
echo 400 > "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-03T01:00:00Z send --report-id $R2 2> "$T/p1.log"
check_eq "permanent failures exit 0" "0" "$?"
check_eq "550: failed" "failed" "$(dstate $R2 mailto:r@a.test)"
check_eq "400: failed" "failed|HTTP 400 bad report" "$(q "SELECT state || '|' || last_error FROM deliveries WHERE report_id = '$R2' AND rua = '$U'")"
check_eq "failed rows have no next attempt" "0" "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$R2' AND next_attempt IS NOT NULL")"
rm "$T/smtp/mode" "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-03T05:00:00Z send 2> "$T/p2.log"
check_eq "failed deliveries are never retried" "1|1" "$(ls "$T/smtp" | grep -c '\.eml$')|$(ls "$T/https" | grep -c '\.gz$')"

# 429 and 301: temporary and permanent
R3=$(add_report 2026-03-03 a.test)
echo 429 > "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-04T01:00:00Z send --report-id $R3 2> "$T/q1.log"
check_eq "429: retrying" "retrying" "$(dstate $R3 "$U")"
echo 301 > "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-04T02:00:00Z send --report-id $R3 2> "$T/q2.log"
check_eq "301: failed, redirect not followed" "failed|HTTP 301 (redirects are not followed)" \
    "$(q "SELECT state || '|' || last_error FROM deliveries WHERE report_id = '$R3' AND rua = '$U'")"

# gave-up after retry_hours
R4=$(add_report 2026-03-04 a.test)
echo 451 > "$T/smtp/mode"
echo 503 > "$T/https/mode"
tlsrpt --config "$C" --now 2026-03-05T01:00:00Z send --report-id $R4 2> "$T/g1.log"
tlsrpt --config "$C" --now 2026-03-06T00:58:00Z send --report-id $R4 2> "$T/g2.log"
check_eq "still retrying within retry_hours" "retrying|retrying" "$(q "SELECT group_concat(state, '|') FROM deliveries WHERE report_id = '$R4'")"
check_eq "last retry lands on the deadline" "1772758800" "$(q "SELECT max(next_attempt) FROM deliveries WHERE report_id = '$R4'")"
tlsrpt --config "$C" --now 2026-03-06T01:00:00Z send --report-id $R4 2> "$T/g3.log"
check_eq "gave up after retry_hours" "gave-up|gave-up" "$(q "SELECT group_concat(state, '|') FROM deliveries WHERE report_id = '$R4'")"
check "gave-up logged" grep -q "delivery gave-up domain=a.test" "$T/g3.log"
rm -f "$T/smtp/mode" "$T/https/mode"
counts=$(ls "$T/smtp" | grep -c '\.eml$')"|"$(ls "$T/https" | grep -c '\.gz$')
tlsrpt --config "$C" --now 2026-03-07T01:00:00Z send 2> "$T/g4.log"
check_eq "given-up deliveries are not retried" "$counts" "$(ls "$T/smtp" | grep -c '\.eml$')|$(ls "$T/https" | grep -c '\.gz$')"

# DNS SERVFAIL: the lookup is retried, not taken for "no record"
cat >> "$T/records" <<CONF
server=/broken.test/127.0.0.1#1
CONF
kill $DNS_PID; wait $DNS_PID 2>/dev/null
start_dns "$T/records" || exit 1
write_config "$C" delivery.retry_initial=5m delivery.retry_hours=24
R5=$(add_report 2026-03-05 broken.test)
tlsrpt --config "$C" --now 2026-03-06T01:00:00Z send --report-id $R5 2> "$T/d1.log"
rc=$?
check_eq "resolver failure on every lookup: exit 75" "75" "$rc"
check_eq "SERVFAIL: lookup retrying" "retrying" "$(dstate $R5 '')"
check "SERVFAIL logged" grep -q "delivery deferred domain=broken.test rua=(lookup) .*DNS lookup of _smtp._tls.broken.test failed" "$T/d1.log"

# a run killed during an attempt: the attempt is marked first, re-sent once later
R6=$(add_report 2026-03-06 a.test)
echo stall > "$T/https/mode"
write_config "$C" delivery.timeout=60s
# exec: $! must be the process itself (not a subshell around it) for kill -9 to hit it
(exec ${TLSRPT_WRAPPER:-} "$BIN" --config "$C" --now 2026-03-07T01:00:00Z send --report-id $R6 2> "$T/k1.log") &
pid=$!
marked() { test "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$R6' AND rua = '$U' AND last_error LIKE 'attempt started%'")" = 1; }
check "the stalled attempt is marked in the database while in flight" wait_for 20 marked
check_eq "attempt marked before sending" "retrying|1" "$(q "SELECT state || '|' || attempts FROM deliveries WHERE report_id = '$R6' AND rua = '$U'")"
kill -9 $pid
wait $pid 2>/dev/null
true
rm -f "$T/https/mode"
before=$(ls "$T/https" | grep -c '\.gz$')
tlsrpt --config "$C" --now 2026-03-07T01:10:00Z send --report-id $R6 2> "$T/k2.log"
check_eq "interrupted https delivery re-sent once" "sent|2|$((before + 1))" \
    "$(q "SELECT state || '|' || attempts FROM deliveries WHERE report_id = '$R6' AND rua = '$U'")|$(ls "$T/https" | grep -c '\.gz$')"
check_eq "mail of that report sent once" "sent|1" "$(q "SELECT state || '|' || attempts FROM deliveries WHERE report_id = '$R6' AND rua = 'mailto:r@a.test'")"

# spread: the first attempt waits a random time up to `spread`; --domain limits the run
write_config "$C" delivery.spread=1h
R7=$(add_report 2026-03-07 a.test)
tlsrpt --config "$C" --now 2026-03-08T01:00:00Z send --domain other.test 2> "$T/sp0.log"
check_eq "--domain other.test leaves a.test alone" "0" "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$R7'")"
tlsrpt --config "$C" --now 2026-03-08T01:00:00Z send --domain a.test 2> "$T/sp1.log"
next=$(q "SELECT next_attempt FROM deliveries WHERE report_id = '$R7' AND rua = '' AND state = 'pending'")
check "spread: first attempt planned within the hour" test -n "$next" -a "${next:-0}" -ge 1772931600 -a "${next:-0}" -le 1772935200
tlsrpt --config "$C" --now 2026-03-08T02:00:01Z send --domain A.Test. 2> "$T/sp2.log"
check_eq "spread: sent once due (--domain A.Test. is a.test)" "sent|sent" "$(q "SELECT group_concat(state, '|') FROM deliveries WHERE report_id = '$R7'")"

# two `send` runs at the same time (a timer and a hand-started run): each delivery once
write_config "$C" delivery.concurrency=4
for i in $(seq 10 29); do add_report 2026-04-$i a.test > /dev/null; done
mails=$(ls "$T/smtp" | grep -c '\.eml$')
posts=$(ls "$T/https" | grep -c '\.gz$')
tlsrpt --config "$C" --now 2026-05-01T01:00:00Z send 2> "$T/c1.log" &
p1=$!
tlsrpt --config "$C" --now 2026-05-01T01:00:00Z send 2> "$T/c2.log" &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check_eq "concurrent runs both exit 0" "0 0" "$r1 $r2"
check_eq "concurrent runs: every delivery exactly once" "$((mails + 20))|$((posts + 20))" \
    "$(ls "$T/smtp" | grep -c '\.eml$')|$(ls "$T/https" | grep -c '\.gz$')"
check_eq "concurrent runs: all sent, one attempt each" "40|40" \
    "$(q "SELECT count(*) || '|' || sum(attempts) FROM deliveries WHERE report_id LIKE '202604%' AND state = 'sent'")"

# send --wait (real clock): the relay refuses the first attempt; the run sleeps until the retry
# is due (retry_initial 1s), sends, and ends when nothing is open
write_config "$C" delivery.retry_initial=1s delivery.retry_hours=1
RW=$(add_report 2026-05-01 a.test)
echo 451 > "$T/smtp/mode"
first_refused() { test "$(q "SELECT attempts FROM deliveries WHERE report_id = '$RW' AND rua = 'mailto:r@a.test' AND last_error LIKE '451%'")" = 1; }
(wait_for 60 first_refused; rm -f "$T/smtp/mode") &
tlsrpt --config "$C" send --report-id "$RW" --wait 2> "$T/w.log"
check_eq "--wait: exit 0 once everything is done" "0" "$?"
check_eq "--wait: mail sent on the second attempt, https on the first" "sent|2 sent|1" \
    "$(q "SELECT group_concat(state || '|' || attempts, ' ') FROM (SELECT state, attempts FROM deliveries WHERE report_id = '$RW' ORDER BY rua DESC)")"
check "--wait: the wait is logged" grep -q 'waiting for the next due attempt' "$T/w.log"
tlsrpt --config "$C" --now 2026-05-02T00:00:00Z send --wait 2> "$T/w2.log"
check_eq "--wait with --now: usage error" "2" "$?"
