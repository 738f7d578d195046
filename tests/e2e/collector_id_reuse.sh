#!/bin/bash
# Issue 11.1: retention deletes unreferenced policies and records while a collector runs with
# their ids cached. Ids are never reused (AUTOINCREMENT) and every writer drops its id caches
# when the prune generation moved, so old.example's next session is counted under its own
# sts policy (not under the tlsa policy of new.example that was inserted meanwhile), and the
# collector's commit succeeds the first time (no foreign-key failure on a stale id).
. "$TOP/tests/lib.sh"

db=$T/c.db
printf '[storage]\ndatabase = %s\nretention_days = 3\n[collector]\nflush_interval = 100ms\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' \
    "$db" > "$T/c.conf"
q() { sqlite3 "$db" "$1"; }
count_is() { test "$(q "$1")" = "$2"; }
sts() { printf '{"dpv":"1","d":"old.example","pr":"v=TLSRPTv1;rua=mailto:r@old.example","policies":[{"policy-type":2,"policy-domain":"old.example","policy-string":["version: STSv1","mode: enforce"],"mx-host":["mx.old.example"],"t":0,"f":0}]}'; }
tlsa() { printf '{"dpv":"1","d":"new.example","pr":"v=TLSRPTv1;rua=mailto:r@new.example","policies":[{"policy-type":1,"policy-domain":"new.example","policy-string":["3 1 1 AB"],"t":0,"f":0}]}\n'; }

# The collector runs with its clock in the past, so retention (by a past --now) can prune
# what it counted while it keeps running.
${TLSRPT_WRAPPER:-} "$BIN" --config "$T/c.conf" --now 2026-10-27T10:00:00Z collect \
    --socket "$T/c.sock" 2> "$T/collector.log" &
COLLECTOR_PID=$!
on_exit "kill $COLLECTOR_PID 2>/dev/null; wait $COLLECTOR_PID 2>/dev/null"
wait_for 60 grep -q 'collector started' "$T/collector.log" || { cat "$T/collector.log"; exit 1; }

sts > "$T/sts.dgram"
"$TOOLS/dgram_send" "$T/c.sock" "$T/sts.dgram" > /dev/null
wait_for 20 count_is 'SELECT count(*) FROM session_counts' 1
check_eq "id reuse: first session counted" "sts old.example" \
    "$(q 'SELECT p.policy_type, p.policy_domain FROM session_counts s JOIN policies p ON p.id = s.policy_id' | tr '|' ' ')"

tlsrpt --config "$T/c.conf" --now 2026-11-02T06:00:00Z aggregate 2> "$T/agg.log"
check "id reuse: retention pruned the policy and record" \
    grep -q 'pruned unreferenced policies=1 details=0 records=1' "$T/agg.log"
tlsa | tlsrpt --config "$T/c.conf" --now 2026-11-02T06:00:00Z record --time 2026-11-01T10:00:00Z 2> /dev/null
check_eq "id reuse: new.example's tlsa policy stored" 1 \
    "$(q "SELECT count(*) FROM policies WHERE policy_domain = 'new.example'")"

"$TOOLS/dgram_send" "$T/c.sock" "$T/sts.dgram" > /dev/null
wait_for 20 count_is "SELECT count(*) FROM session_counts WHERE report_domain = 'old.example'" 1
check_eq "id reuse: old.example's next session counted under its own policy" \
    "sts old.example v=TLSRPTv1;rua=mailto:r@old.example" \
    "$(q "SELECT p.policy_type, p.policy_domain, r.record FROM session_counts s
          JOIN policies p ON p.id = s.policy_id JOIN tlsrpt_records r ON r.id = s.record_id
          WHERE s.report_domain = 'old.example'" | tr '|' ' ')"
check_eq "id reuse: new.example's policy holds only its own session" "new.example 1" \
    "$(q "SELECT group_concat(s.report_domain), sum(s.successful) FROM session_counts s
          JOIN policies p ON p.id = s.policy_id WHERE p.policy_type = 'tlsa'" | tr '|' ' ')"
check "id reuse: the collector's commits did not fail" \
    bash -c "! grep -q 'commit failed\|database write failed' '$T/collector.log'"
check_eq "id reuse: foreign keys intact" "" "$(q 'PRAGMA foreign_key_check')"
stop_collector
check_eq "id reuse: collector exits 0" 0 "$COLLECTOR_RC"
