#!/bin/sh
# The pipeline on one day of sample results, in a scratch directory, nothing outside loopback.
# scripts/demo.sh installs the packages and builds first; tests/e2e/ops_demo.sh runs this part.
#   sh scripts/demo-run.sh [DIR]     (DIR: a new directory under /tmp by default; kept)
# Environment: BUILD (default build): where tlsrpt and build/tools/sample_day are.
#
#  1. a DKIM key for the demo (openssl) and dnsmasq on 127.0.0.1 serving the _smtp._tls
#     records of the sample domains and the key's _domainkey record;
#  2. a collector on a temporary socket, its clock fixed to yesterday noon (--now), receives
#     a day of results as an MTA sends them (libtlsrpt datagrams: build/tools/sample_day);
#  3. tlsrpt aggregate --day yesterday: one RFC 8460 report per policy domain;
#  4. tlsrpt send with [delivery] transport = outbox: looks up each domain's record on the
#     local dnsmasq, signs the mail with the demo key and writes it to DIR/outbox;
#  5. prints the statistics, the reports and where the signed files are.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
BUILD=${BUILD:-build}
TLSRPT="$TOP/$BUILD/tlsrpt"
SAMPLE="$TOP/$BUILD/tools/sample_day"
for f in "$TLSRPT" "$SAMPLE"; do
    [ -x "$f" ] || { echo "demo: $f is missing; run make first" >&2; exit 1; }
done
for c in dnsmasq openssl; do
    command -v "$c" > /dev/null || { echo "demo: $c is missing; run sh scripts/setup.sh" >&2; exit 1; }
done

DIR=${1:-$(mktemp -d /tmp/tlsrpt-demo.XXXXXX)}
mkdir -p "$DIR/outbox"
DIR=$(cd "$DIR" && pwd)
CONF="$DIR/tlsrpt.conf"
SOCK="$DIR/collector.sock"
DAY=$(date -u -d yesterday +%F)

collector_pid=""
dns_pid=""
cleanup() {
    [ -z "$collector_pid" ] || { kill "$collector_pid" 2> /dev/null || :; wait "$collector_pid" 2> /dev/null || :; }
    [ -z "$dns_pid" ] || { kill "$dns_pid" 2> /dev/null || :; wait "$dns_pid" 2> /dev/null || :; }
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
tlsrpt() { "$TLSRPT" --config "$CONF" "$@"; }

echo "== a DKIM key for the demo: $DIR/dkim.key (selector demo, domain sender.example)"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DIR/dkim.key" 2> /dev/null
chmod 600 "$DIR/dkim.key"
pub=$(openssl pkey -in "$DIR/dkim.key" -pubout -outform DER | base64 -w0)

echo "== DNS on 127.0.0.1 (dnsmasq): the _smtp._tls records of the sample domains"
# gone.example has no record any more: its report ends as no-record. DNS strings hold at most
# 255 bytes, so the key record is two strings (verifiers join them).
{
    echo 'local=/example/'
    echo 'txt-record=_smtp._tls.example.com,"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"'
    echo 'txt-record=_smtp._tls.example.net,"v=TLSRPTv1;rua=mailto:tlsrpt@example.net,mailto:noc@example.net"'
    echo 'txt-record=_smtp._tls.example.org,"v=TLSRPTv1; rua=mailto:postmaster@example.org"'
    echo 'txt-record=_smtp._tls.dane.example,"v=TLSRPTv1; rua=mailto:tlsrpt@dane.example"'
    echo 'txt-record=_smtp._tls.legacy.example,"v=TLSRPTv1; rua=mailto:tlsrpt@legacy.example"'
    echo 'txt-record=_smtp._tls.xn--bcher-kva.example,"v=TLSRPTv1; rua=mailto:tlsrpt@xn--bcher-kva.example"'
    printf 'txt-record=demo._domainkey.sender.example,"v=DKIM1; k=rsa; p=%s","%s"\n' \
        "$(echo "$pub" | cut -c1-200)" "$(echo "$pub" | cut -c201-)"
} > "$DIR/dns-records.conf"
tries=0
while :; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    cat > "$DIR/dnsmasq.conf" <<EOF
port=$port
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
user=$(id -un)
pid-file=
log-facility=$DIR/dnsmasq.log
log-queries
conf-file=$DIR/dns-records.conf
EOF
    : > "$DIR/dnsmasq.log"
    dnsmasq --keep-in-foreground --conf-file="$DIR/dnsmasq.conf" 2>> "$DIR/dnsmasq.log" &
    dns_pid=$!
    i=0
    while kill -0 "$dns_pid" 2> /dev/null && ! grep -q 'started, version' "$DIR/dnsmasq.log" &&
        [ $i -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -0 "$dns_pid" 2> /dev/null && grep -q 'started, version' "$DIR/dnsmasq.log" && break
    wait "$dns_pid" 2> /dev/null || :
    dns_pid=""
    tries=$((tries + 1))
    [ $tries -lt 10 ] || { echo "demo: dnsmasq did not start:" >&2; cat "$DIR/dnsmasq.log" >&2; exit 1; }
done
echo "   listening on 127.0.0.1:$port"

cat > "$CONF" <<EOF
# The demo's configuration (see tlsrpt.conf(5)); everything else has its default.
[storage]
database = $DIR/tlsrpt.sqlite
[collector]
socket = $SOCK
flush_interval = 200ms
[report]
organization_name = Demo Mail Sender
contact_info = tlsrpt@sender.example
[dkim]
selector = demo
key_file = $DIR/dkim.key
[delivery]
# Nothing leaves the machine: mail goes to the outbox only, DNS to the dnsmasq above.
transport = outbox
outbox = $DIR/outbox
dns_servers = 127.0.0.1:$port
EOF

echo "== a collector on $SOCK, its clock at ${DAY}T12:00:00Z (yesterday)"
"$TLSRPT" --config "$CONF" --now "${DAY}T12:00:00Z" collect 2> "$DIR/collector.log" &
collector_pid=$!
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
[ -S "$SOCK" ] || { echo "demo: the collector did not start:" >&2; cat "$DIR/collector.log" >&2; exit 1; }

echo "== the MTA's results of one day, sent as libtlsrpt datagrams (build/tools/sample_day)"
"$SAMPLE" "$SOCK"
kill -TERM "$collector_pid"
wait "$collector_pid" || { echo "demo: the collector failed:" >&2; cat "$DIR/collector.log" >&2; exit 1; }
collector_pid=""
grep 'collector stopped' "$DIR/collector.log" | tail -n 1 | sed 's/^/   /'

echo "== tlsrpt aggregate --day $DAY"
tlsrpt aggregate --day "$DAY" 2> "$DIR/aggregate.log" || { cat "$DIR/aggregate.log" >&2; exit 1; }
grep 'aggregated day=' "$DIR/aggregate.log" | sed 's/^/   /'

echo "== tlsrpt send --check, then tlsrpt send (DNS lookup, DKIM signature, outbox)"
tlsrpt send --check | sed 's/^/   /'
tlsrpt send 2> "$DIR/send.log" || { cat "$DIR/send.log" >&2; exit 1; }
grep 'send finished' "$DIR/send.log" | sed 's/^/   /'

echo
echo "== tlsrpt stats --day $DAY"
tlsrpt stats --day "$DAY"
echo
echo "== tlsrpt reports"
tlsrpt reports
echo
echo "== the signed reports in $DIR/outbox"
ls -1 "$DIR/outbox" | sed 's/^/   /'
first=$(ls "$DIR/outbox"/*.eml | head -n 1)
echo
echo "== the DKIM-Signature of $(basename "$first")"
sed -n '/^DKIM-Signature:/,/^[^ \t]/p' "$first" | sed '$d' | tr -d '\r' | sed 's/^/   /'
echo "   (it verifies against the record demo._domainkey.sender.example in $DIR/dns-records.conf)"
if /usr/bin/python3 -c 'import dkim, dns.resolver' 2> /dev/null; then
    ok=0
    all=0
    for eml in "$DIR/outbox"/*.eml; do
        all=$((all + 1))
        gunzip -c "${eml%!*}.json.gz" > "$DIR/expected.json"
        /usr/bin/python3 "$TOP/tests/tools/dkim_check.py" "$port" "$eml" "$DIR/expected.json" \
            --not-strict > /dev/null && ok=$((ok + 1))
    done
    rm -f "$DIR/expected.json"
    echo "   dkimpy verified $ok of $all messages (signature, headers, attachment = stored report)"
else
    echo "   To have dkimpy verify them too: apt-get install python3-dkim python3-dnspython, rerun."
fi
echo
echo "Everything is in $DIR: tlsrpt.conf, tlsrpt.sqlite, outbox/, the logs."
echo "Look around with: $TLSRPT --config $CONF stats --by result-type"
echo "                  $TLSRPT --config $CONF show REPORT-ID"
