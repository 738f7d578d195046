#!/bin/bash
# Hostile _smtp._tls records and SSRF targets: each is refused with a logged reason, and the
# good destinations of the same run are still delivered. Records: raw CR/LF, encoded CR/LF
# header injection, ?subject=/&bcc= hfields, other schemes, 200 URIs, 5 KB strings (over TCP),
# leading '-' (argv injection). SSRF: https: hosts that are or resolve to loopback, private,
# link-local, CGNAT and IPv4-mapped addresses, with allow_private_destinations = no.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

make_pki || exit 1
start_smtp "$T/smtp" --require-starttls || exit 1
start_https "$T/https" || exit 1
P=$HTTPS_PORT
many=""
for i in $(seq 1 200); do many="$many${many:+,}mailto:r$i@many.big.test"; done
big=$(head -c 5000 /dev/zero | tr '\0' 'x')
printf '_smtp._tls.many.big.test\tv=TLSRPTv1; rua=%s\n' "$many" > "$T/big-records"
printf '_smtp._tls.huge.big.test\tv=TLSRPTv1; ext=%s; rua=mailto:ok@huge.big.test\n' "$big" >> "$T/big-records"
printf '_smtp._tls.split.big.test\tv=TLSRPTv1; \trua=mailto:ok@split.big.test\t; x=%s\n' "$big" >> "$T/big-records"
start_big_dns "$T/big-records" || exit 1
cat > "$T/records" <<CONF
server=/big.test/127.0.0.1#$BIG_DNS_PORT
address=/loop.example.test/127.0.0.2
address=/private.example.test/10.1.2.3
address=/meta.example.test/169.254.169.254
address=/cgnat.example.test/100.64.0.1
address=/mapped.example.test/::ffff:127.0.0.1
address=/mixed.example.test/8.8.8.8
address=/mixed.example.test/192.168.0.1
$(dns_txt _smtp._tls.crlf.test 'v=TLSRPTv1; rua=mailto:a@crlf.test\r\nBcc: evil@evil.test')
$(dns_txt _smtp._tls.inject.test "v=TLSRPTv1; rua=mailto:a@inject.test%0D%0ABcc:evil@evil.test,mailto:ok@inject.test")
$(dns_txt _smtp._tls.hfields.test "v=TLSRPTv1; rua=mailto:ok@hfields.test?subject=Free%20money&bcc=evil@evil.test&body=hi")
$(dns_txt _smtp._tls.schemes.test "v=TLSRPTv1; rua=ftp://x.test/r,http://reports.example.test/r,javascript:alert(1),file:///etc/passwd,mailto:ok@schemes.test")
$(dns_txt _smtp._tls.dash.test "v=TLSRPTv1; rua=mailto:-oQ/tmp/x@dash.test,mailto:ok@dash.test")
$(dns_txt _smtp._tls.ssrf.test "v=TLSRPTv1; rua=https://loop.example.test:$P/,https://private.example.test:$P/,https://meta.example.test/,https://cgnat.example.test/,https://mapped.example.test:$P/,https://mixed.example.test/,https://127.0.0.1:$P/,https://[::1]:$P/,https://user@127.0.0.1:$P/,mailto:ok@ssrf.test")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
CONF
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
write_config "$T/c.conf" delivery.allow_private_destinations=no delivery.max_rua=10

n=0
for d in crlf inject hfields schemes many.big huge.big dash ssrf split.big; do
    n=$((n + 1))
    ids[$n]=$(add_report 2026-03-01 $d.test)
done
tlsrpt --config "$T/c.conf" --now 2026-03-02T01:00:00Z send 2> "$T/send.log"
check_eq "hostile records: the run still exits 0" "0" "$?"
id() { echo "${ids[$1]}"; }

check_eq "raw CR/LF in the record: no-record" "no-record" "$(dstate "$(id 1)" '')"
check "raw CR/LF: reason logged" grep -q 'no tlsrpt record domain=crlf.test .*rua= item is not a URI' "$T/send.log"

check_eq "encoded CR/LF header injection: refused" "failed" \
    "$(q "SELECT state FROM deliveries WHERE report_id = '$(id 2)' AND last_error LIKE '%control character%'")"
check "injection: reason logged" grep -q 'rua refused domain=inject.test .*control character in address' "$T/send.log"
check_eq "injection: the good rua of the record sent" "sent" "$(dstate "$(id 2)" mailto:ok@inject.test)"

check_eq "hfields: delivered to the address only" "sent" "$(dstate "$(id 3)" mailto:ok@hfields.test)"
check_eq "schemes: four refused, mailto sent" "failed|failed|failed|failed|sent" \
    "$(q "SELECT group_concat(state, '|') FROM (SELECT state FROM deliveries WHERE report_id = '$(id 4)' ORDER BY state)")"
check "schemes: reason logged" grep -q 'rua refused domain=schemes.test .* rua="ftp://x.test/r" reason="scheme not allowed' "$T/send.log"
check_eq "200 URIs: max_rua rows" "10" "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$(id 5)'")"
check "200 URIs: the cap is logged" grep -q 'more rua than max_rua domain=many.big.test listed=200 used=10 dropped=190' "$T/send.log"
check_eq "5 KB record (TCP fallback): sent" "sent" "$(dstate "$(id 6)" mailto:ok@huge.big.test)"
check_eq "5 KB record in 22 strings: sent" "sent" "$(dstate "$(id 9)" mailto:ok@split.big.test)"
# dnsmasq answers TCP queries in a forked child: a second query line from another pid
check_eq "the truncated answer was asked again over TCP" "2" \
    "$(grep 'query\[TXT\] _smtp._tls.huge.big.test' "$T/dnsmasq.log" | sed 's/.*dnsmasq\[\([0-9]*\)\].*/\1/' | sort -u | wc -l)"
check_eq "leading '-' refused" "failed" "$(q "SELECT state FROM deliveries WHERE report_id = '$(id 7)' AND rua LIKE '%oQ%'")"
check_eq "leading '-': good rua sent" "sent" "$(dstate "$(id 7)" mailto:ok@dash.test)"

# SSRF
s=$(id 8)
for h in "loop.example.test:$P/|resolves to 127.0.0.2, which is loopback" \
         "private.example.test:$P/|resolves to 10.1.2.3, which is private" \
         "meta.example.test/|resolves to 169.254.169.254, which is link-local" \
         "cgnat.example.test/|resolves to 100.64.0.1, which is shared address space" \
         "mapped.example.test:$P/|resolves to ::ffff:127.0.0.1, which is loopback" \
         "mixed.example.test/|resolves to 192.168.0.1, which is private" \
         "127.0.0.1:$P/|is 127.0.0.1, which is loopback" \
         "[::1]:$P/|is ::1, which is loopback (::1)"; do
    uri="https://${h%%|*}"
    want=${h#*|}
    got=$(q "SELECT state || '|' || last_error FROM deliveries WHERE report_id = '$s' AND rua = '$uri'")
    case "$got" in
    "failed|destination refused: host "*"$want"*) pass "SSRF: $uri refused ($want)" ;;
    *) fail "SSRF: $uri refused" "got [$got]" ;;
    esac
done
check_eq "SSRF: userinfo URI refused" "failed" "$(q "SELECT state FROM deliveries WHERE report_id = '$s' AND last_error = 'https: URI with user information'")"
check "SSRF refusals logged with the host" grep -q "delivery failed domain=ssrf.test rua=https://meta.example.test/ .*host meta.example.test resolves to 169.254.169.254" "$T/send.log"
check_eq "SSRF: nothing reached the HTTPS sink" "0" "$(ls "$T/https" | grep -c '\.gz$')"
check_eq "SSRF: the mail rua of that record sent" "sent" "$(dstate "$s" mailto:ok@ssrf.test)"
check_eq "refused destinations are not retried" "0" "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$s' AND state = 'failed' AND next_attempt IS NOT NULL")"

# what arrived: one message per good rua, nothing for evil@, no injected header
check_eq "mails arrived for the good rua only" "ok@dash.test ok@hfields.test ok@huge.big.test ok@inject.test ok@schemes.test ok@split.big.test ok@ssrf.test r10@many.big.test r1@many.big.test r2@many.big.test r3@many.big.test r4@many.big.test r5@many.big.test r6@many.big.test r7@many.big.test r8@many.big.test r9@many.big.test" \
    "$(awk 'FNR == 2' "$T"/smtp/mail-*.env | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
check "no Bcc and no evil address in any message" sh -c "! grep -qi -e '^bcc' -e 'evil' $T/smtp/*.eml"
check "hfields subject not used" sh -c "! grep -qi 'Free money' $T/smtp/*.eml"
# every message, signed by 4 threads at once, verifies and carries its own report
bad=0
n=0
for f in "$T"/smtp/mail-*.eml; do
    dom=$(sed -n 's/^TLS-Report-Domain: //p' "$f" | tr -d '\r')
    rid=$(q "SELECT report_id FROM reports WHERE policy_domain = '$dom' AND day = '2026-03-01'")
    r=$(dkim_ok "$f" "$T/$rid.json")
    [ "$r" = ok ] || { bad=$((bad + 1)); echo "$f ($dom): $r"; }
    n=$((n + 1))
done
check_eq "all $n messages verify (dkimpy strict) and carry their report" "0" "$bad"

# with allow_private_destinations = yes the loopback endpoint is used (pinned to 127.0.0.1)
write_config "$T/c2.conf" delivery.allow_private_destinations=yes
S2=$(add_report 2026-03-02 ssrf.test)
tlsrpt --config "$T/c2.conf" --now 2026-03-03T01:00:00Z send --report-id $S2 2> "$T/send2.log"
check_eq "allowed: loopback https delivered" "sent" "$(dstate $S2 "https://127.0.0.1:$P/")"
check_eq "allowed: name pinned to its checked address (127.0.0.2 has no sink)" "retrying" \
    "$(dstate $S2 "https://loop.example.test:$P/")"
