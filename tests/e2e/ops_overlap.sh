#!/bin/bash
# tlsrpt-daily.service (`tlsrpt daily`) and tlsrpt-send.service (`tlsrpt send`, every 10
# minutes) may run at the same time: the daily run aggregates while a send pass plans and
# delivers, and a hand-started `send` may join them. Every delivery must still be made exactly
# once (each is claimed in the database before it is tried), no run may fail, and nothing may
# be left open.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"
N=60
dkim_key rsa-sha256 > /dev/null
for i in $(seq 1 $N); do
    dns_txt "_smtp._tls.d$i.test" "v=TLSRPTv1; rua=mailto:tlsrpt@d$i.test"
done > "$T/records.conf"
start_dns "$T/records.conf" || exit 1
mkdir -p "$T/outbox"
write_config "$T/c.conf" delivery.transport=outbox delivery.outbox="$T/outbox"

# record_day DAY: one success and one failure for each of the N domains
record_day() {
    for i in $(seq 1 $N); do
        printf '{"dpv": "1","d": "d%d.test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@d%d.test","policies":[{"policy-type":9,"t":0,"f":0}]}\n' "$i" "$i"
        printf '{"dpv": "1","d": "d%d.test","pr": "v=TLSRPTv1; rua=mailto:tlsrpt@d%d.test","policies":[{"policy-type":9,"failure-details":[{"c":201,"s": "192.0.2.25","n": "mx.d%d.test"}],"t":1,"f":1}]}\n' "$i" "$i" "$i"
    done | tlsrpt --config "$T/c.conf" record --time "$1T10:00:00Z" --now "$1T10:00:00Z" 2> /dev/null
}

# Two rounds: the daily run of 2026-06-02 and 2026-06-03, each with two send passes started
# with it (the timer's and one by hand).
for day in 2026-06-01 2026-06-02; do
    record_day "$day"
    now="$(date -u -d "$day + 1 day" +%F)T00:20:00Z"
    tlsrpt --config "$T/c.conf" --now "$now" daily 2> "$T/daily-$day.log" &
    p0=$!
    tlsrpt --config "$T/c.conf" --now "$now" send 2> "$T/send1-$day.log" &
    p1=$!
    tlsrpt --config "$T/c.conf" --now "$now" send 2> "$T/send2-$day.log" &
    p2=$!
    wait $p0; r0=$?
    wait $p1; r1=$?
    wait $p2; r2=$?
    check_eq "$day: daily and two send passes at once all exit 0" "0 0 0" "$r0 $r1 $r2"
    # A send pass that started before the reports were stored finds nothing; a second pass
    # after them (the timer's next run) sends what the daily run had not.
    tlsrpt --config "$T/c.conf" --now "$now" send 2> "$T/send3-$day.log"
    check_eq "$day: the pass after them exits 0" 0 $?
    sent=$(cat "$T"/daily-$day.log "$T"/send?-$day.log | grep -c '^tlsrpt [a-z]*: info: report sent ')
    check_eq "$day: each report sent exactly once (log lines over all runs)" $N "$sent"
    check_eq "$day: every delivery sent, one attempt each" "$N|$N|sent" \
        "$(q "SELECT count(*) || '|' || sum(d.attempts) || '|' || group_concat(DISTINCT d.state)
              FROM deliveries d JOIN reports r USING (report_id) WHERE r.day = '$day'")"
    check_eq "$day: one report per domain" $N "$(q "SELECT count(*) FROM reports WHERE day = '$day'")"
done
check_eq "the outbox holds one message per report" $((2 * N)) "$(ls "$T/outbox" | grep -c '\.eml$')"
check_eq "nothing left open" 0 "$(q "SELECT count(*) FROM deliveries WHERE state IN ('pending', 'retrying')")"
