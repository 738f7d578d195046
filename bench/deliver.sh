#!/bin/bash
# Delivery benchmark (issue 4), written to bench/RESULTS.md "## Delivery": BENCH_REPORTS
# (default 10,000) reports (recorded and aggregated by tlsrpt itself), each for its own policy
# domain whose _smtp._tls record (dnsmasq)
# lists one mailto: and one https: rua; RSA-2048 DKIM signatures; mail by SMTP with STARTTLS
# to the aiosmtpd sink, POSTs to the HTTPS sink, all on loopback. Measured with concurrency 8
# and 1: reports/s (wall clock of `tlsrpt send`), and the time the workers spent building and
# signing messages vs waiting on the network (summed over workers).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
. tests/lib.sh
. tests/e2e/lib/reporter.sh
N=${BENCH_REPORTS:-10000}

make_pki || exit 1
start_smtp "$T/smtp" --require-starttls --count-only || exit 1
start_https "$T/https" --count-only || exit 1
{
    echo "address=/reports.example.test/127.0.0.1"
    seq 1 "$N" | awk -v p="$HTTPS_PORT" '{ printf "txt-record=_smtp._tls.d%d.bench.test,\"v=TLSRPTv1; rua=mailto:r@d%d.bench.test,https://reports.example.test:%s/r\"\n", $1, $1, p }'
} > "$T/records"
start_dns "$T/records" || exit 1
sed -i '/^log-queries$/d' "$T/dnsmasq.conf"
kill $DNS_PID; wait $DNS_PID 2>/dev/null
dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.conf" 2>> "$T/dnsmasq.log" &
DNS_PID=$!
on_exit "kill $DNS_PID 2>/dev/null"
sleep 0.5
dkim_key rsa-sha256 > /dev/null

base="$T/base.sqlite"
printf '[storage]\ndatabase = %s\nretention_days = 3650\n[report]\norganization_name = Example Networks\ncontact_info = tlsrpt@example.net\n' \
    "$base" > "$T/agg.conf"
# one day of results for N domains (real libtlsrpt datagrams), counted and aggregated
seq 1 "$N" | awk -v f="$(cat tests/data/vectors/libtlsrpt/08-nopolicy-201-starttls-partial-fields.dgram)" \
    '{ d = f; gsub(/nopolicy\.example/, "d" $1 ".bench.test", d); print d }' |
    tlsrpt --config "$T/agg.conf" record --time 2026-03-01T12:00:00Z --now 2026-03-01T12:00:00Z 2> "$T/record.log"
tlsrpt --config "$T/agg.conf" --now 2026-03-02T00:30:00Z aggregate --day 2026-03-01 2> "$T/aggregate.log"
[ "$(sqlite3 "$base" 'SELECT count(*) FROM reports')" = "$N" ] || { echo "aggregation failed"; tail "$T/aggregate.log"; exit 1; }

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | tail -1; }
rows=""
for c in 8 1; do
    db="$T/run-$c.sqlite"
    cp "$base" "$db"
    write_config "$T/c$c.conf" storage.database="$db" delivery.concurrency=$c
    t0=$(date +%s.%N)
    tlsrpt --config "$T/c$c.conf" --now 2026-03-02T01:00:00Z send 2> "$T/send-$c.log"
    rc=$?
    t1=$(date +%s.%N)
    line=$(grep 'send finished' "$T/send-$c.log")
    sent=$(echo "$line" | field sent)
    sign=$(echo "$line" | field sign_seconds)
    net=$(echo "$line" | field network_seconds)
    ok=$(sqlite3 "$db" "SELECT count(*) FROM deliveries WHERE state = 'sent'")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    rate=$(awk -v n="$N" -v w="$wall" 'BEGIN { printf "%.0f", n / w }')
    echo "concurrency=$c rc=$rc reports=$N deliveries_sent=$ok wall=${wall}s reports_per_s=$rate sign_s=$sign network_s=$net"
    [ "$ok" = $((2 * N)) ] || { echo "WARNING: only $ok of $((2 * N)) deliveries sent"; tail -3 "$T/send-$c.log"; }
    rows="$rows| $c | $N | $ok | $wall | **$rate** | $sign | $net |
"
done

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
section="## Delivery

\`sh bench/deliver.sh\` (BENCH_REPORTS=$N), $(date -u +%Y-%m-%d), $(nproc) cores ($cpu).
Each report: a DNS TXT lookup (dnsmasq), one RSA-2048 DKIM-signed mail by SMTP + STARTTLS to
the aiosmtpd sink, one HTTPS POST to the Python sink; every state committed to SQLite before
and after each attempt. The Python sinks share the same cores. Target: >= 150 reports/s.
Signing = building + signing the messages, network = waiting on SMTP/HTTPS, both summed over
the workers (with 8 workers they overlap, and include waiting for a core); with one worker the
rest of the wall time is the DNS lookups and the SQLite commits.

| concurrency | reports | deliveries sent | wall s | reports/s | signing s | network s |
|---|---|---|---|---|---|---|
$rows"
/usr/bin/python3 bench/results_section.py "Delivery" "$section"
echo "$section"
