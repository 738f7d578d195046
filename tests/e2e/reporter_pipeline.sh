#!/bin/bash
# The whole pipeline on real libtlsrpt datagrams: `tlsrpt record` counts them, `tlsrpt daily`
# aggregates the day and delivers the reports to the rua dnsmasq publishes (mail with
# STARTTLS, HTTPS, an IDN address, domains without a record). Every arrived attachment must be
# exactly the report `tlsrpt show` prints, every message must verify (dkimpy strict), and
# `tlsrpt reports --json` must show each report's delivery state and destinations.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

make_pki || exit 1
start_smtp "$T/smtp" --require-starttls || exit 1
start_https "$T/https" || exit 1
U="https://reports.example.test:$HTTPS_PORT/tlsrpt"
cat > "$T/records" <<CONF
local=/example/
local=/example.com/
address=/reports.example.test/127.0.0.1
$(dns_txt _smtp._tls.sts.example "v=TLSRPTv1; rua=mailto:tlsrpt@sts.example,$U")
$(dns_txt _smtp._tls.dane.example "v=TLSRPTv1;" "rua=mailto:reports@dane.example")
$(dns_txt _smtp._tls.example.com "v=TLSRPTv1; rua=$U")
$(dns_txt _smtp._tls.big.example "v=TLSRPTv1; rua=mailto:tlsrpt@big.example")
$(dns_txt _smtp._tls.xn--bcher-kva.example "v=TLSRPTv1; rua=mailto:tlsrpt@b%C3%BCcher.example")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
CONF
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
write_config "$T/c.conf" report.submitter=example.net

for f in "$DATA"/vectors/libtlsrpt/*.dgram; do cat "$f"; echo; done |
    tlsrpt --config "$T/c.conf" record --time 2026-03-01T12:00:00Z 2> "$T/record.log"
tlsrpt --config "$T/c.conf" --now 2026-03-02T01:00:00Z daily 2> "$T/daily.log"
rc=$?
check_eq "daily exits 0" "0" "$rc"
[ "$rc" = 0 ] || tail -20 "$T/daily.log"

tlsrpt --config "$T/c.conf" reports --json > "$T/reports.json"
st() { jq -r --arg d "$1" '.[] | select(.domain == $d) | .state' "$T/reports.json"; }
check_eq "sts.example: sent (mail and https)" "sent|sent|sent" \
    "$(st sts.example)|$(jq -r '.[] | select(.domain == "sts.example") | [.deliveries[].state] | join("|")' "$T/reports.json")"
check_eq "dane.example (DANE: reported to d, not to the MX host): sent" "sent" "$(st dane.example)"
check_eq "no report for the MX host mx.dane.example" "" "$(st mx.dane.example)"
dane_eml=$(grep -l '^TLS-Report-Domain: dane.example' "$T"/smtp/mail-*.eml | head -1)
check "dane.example: the attachment is named after d (RFC 8460 §5.1)" \
    grep -q 'example.net!dane.example!' "$dane_eml"
check_eq "dane.example: the policy block keeps the MX host as policy-domain" "tlsa mx.dane.example" \
    "$(tlsrpt --config "$T/c.conf" show "$(jq -r '.[] | select(.domain == "dane.example") | .["report-id"]' "$T/reports.json")" |
        jq -r '.policies[] | "\(.policy["policy-type"]) \(.policy["policy-domain"])"')"
check_eq "example.com: sent by https" "sent" "$(st example.com)"
check_eq "bücher.example: sent to the A-label address" "sent" "$(st xn--bcher-kva.example)"
check_eq "nopolicy.example: no-record" "no-record" "$(st nopolicy.example)"
check_eq "reports --json: deliveries carry rua, attempts, sent-at" \
    "mailto:tlsrpt@sts.example|1|2026-03-02T01:00:00Z" \
    "$(jq -r '.[] | select(.domain == "sts.example") | .deliveries[0] | "\(.rua)|\(.attempts)|\(.["sent-at"])"' "$T/reports.json")"
tlsrpt --config "$T/c.conf" reports > "$T/reports.txt"
check "reports table: sts.example sent" grep -q 'sts.example .* sent' "$T/reports.txt"

# every attachment is the stored report, byte for byte, and what `tlsrpt show` prints
n=0
for eml in "$T"/smtp/mail-*.eml; do
    dom=$(sed -n 's/^TLS-Report-Domain: //p' "$eml" | tr -d '\r')
    id=$(jq -r --arg d "$dom" '.[] | select(.domain == $d) | .["report-id"]' "$T/reports.json")
    tlsrpt --config "$T/c.conf" show --gzip "$id" | gunzip > "$T/$id.json"
    check_eq "mail for $dom verifies and carries exactly the stored report" "ok" "$(dkim_ok "$eml" "$T/$id.json")"
    check "stored report of $dom is what show prints" $PY -c "
import json, sys
a = json.load(open('$T/$id.json')); b = json.loads(sys.stdin.read())
sys.exit(0 if a == b else 1)" < <(tlsrpt --config "$T/c.conf" show "$id")
    n=$((n + 1))
done
check_eq "four mails arrived" "4" "$n"
for post in "$T"/https/post-*.gz; do
    ok=0
    for id in $(jq -r '.[] | select(.domain == "sts.example" or .domain == "example.com") | .["report-id"]' "$T/reports.json"); do
        tlsrpt --config "$T/c.conf" show --gzip "$id" | cmp -s - "$post" && ok=1
    done
    check_eq "POST $(basename "$post") is a stored report's gzip, byte for byte" "1" "$ok"
done
check_eq "two POSTs arrived" "2" "$(ls "$T/https" | grep -c '\.gz$')"
