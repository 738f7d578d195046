#!/bin/bash
# Reporter end to end: dnsmasq serves the _smtp._tls records (plain, split into several strings,
# among junk and SPF records, two TLSRPT records, none) and the DKIM key record (s=tlsrpt);
# reports go by SMTP with STARTTLS (test CA) to an aiosmtpd sink and by HTTPS to a sink. Every
# message must verify with dkimpy in tlsrpt='strict' mode (rsa-sha256, then ed25519-sha256) and
# carry exactly the stored report.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

make_pki || { fail "pki" "openssl failed"; exit 1; }
start_smtp "$T/smtp" --require-starttls || exit 1
start_https "$T/https" || exit 1
U="https://reports.example.test:$HTTPS_PORT/tlsrpt/upload"
cat > "$T/records" <<CONF
listen-address=::1
address=/reports.example.test/127.0.0.1
$(dns_txt _smtp._tls.plain.test "v=TLSRPTv1; rua=mailto:tlsrpt@plain.test")
$(dns_txt _smtp._tls.split.test "v=TLSRPTv1;" " rua=mailto:r1@split.test,$U" "; x-ext=1")
$(dns_txt _smtp._tls.junk.test "v=spf1 -all")
$(dns_txt _smtp._tls.junk.test "some junk; v=TLSRPTv1; rua=mailto:evil@junk.test")
$(dns_txt _smtp._tls.junk.test "v=TLSRPTv1 ; rua=mailto:good@junk.test ;")
$(dns_txt _smtp._tls.two.test "v=TLSRPTv1; rua=mailto:a@two.test")
$(dns_txt _smtp._tls.two.test "v=TLSRPTv1; rua=mailto:b@two.test")
$(dns_txt _smtp._tls.invalid.test "v=TLSRPTv1; rua=mailto:a@invalid.test junk")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
$(dns_txt ed._domainkey.example.net "v=DKIM1; k=ed25519; s=tlsrpt; p=$(dkim_pub ed25519-sha256)")
CONF
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
dkim_key ed25519-sha256 > /dev/null
write_config "$T/rsa.conf"
NOW=2026-03-02T01:00:00Z

R1=$(add_report 2026-03-01 plain.test)
R2=$(add_report 2026-03-01 split.test)
R3=$(add_report 2026-03-01 junk.test)
R4=$(add_report 2026-03-01 two.test)
R5=$(add_report 2026-03-01 none.test)
R6=$(add_report 2026-03-01 invalid.test)

# --check and --dry-run change nothing
out=$(tlsrpt --config "$T/rsa.conf" send --check 2>&1)
check_eq "send --check with a usable key" "0" "$?"
tlsrpt --config "$T/rsa.conf" --now $NOW send --dry-run > "$T/dry.out" 2> "$T/dry.log"
check_eq "dry run exits 0" "0" "$?"
check "dry run lists the split record's https rua" grep -q "rua=$U via=https action=would-send" "$T/dry.out"
check "dry run reports the two-record domain" grep -q "domain=two.test action=no-record" "$T/dry.out"
check_eq "dry run writes no delivery row" "0" "$(q 'SELECT count(*) FROM deliveries')"
check_eq "dry run sends nothing" "0" "$(ls "$T/smtp" | grep -c '\.eml$')"

tlsrpt --config "$T/rsa.conf" --now $NOW send 2> "$T/send1.log"
rc=$?
check_eq "send exits 0" "0" "$rc"
[ "$rc" = 0 ] || cat "$T/send1.log"

check_eq "plain record: sent" "sent" "$(dstate $R1 mailto:tlsrpt@plain.test)"
check_eq "split strings joined: mail sent" "sent" "$(dstate $R2 mailto:r1@split.test)"
check_eq "split strings joined: https sent" "sent" "$(dstate $R2 "$U")"
check_eq "junk and spf ignored: the one record used" "sent" "$(dstate $R3 mailto:good@junk.test)"
check_eq "junk domain: no other row" "1" "$(q "SELECT count(*) FROM deliveries WHERE report_id = '$R3'")"
check_eq "two records: no-record" "no-record" "$(dstate $R4 '')"
check_eq "NXDOMAIN: no-record" "no-record" "$(dstate $R5 '')"
check_eq "invalid record: no-record" "no-record" "$(dstate $R6 '')"
check "no-record reason logged" grep -q 'no tlsrpt record domain=two.test .*2 v=TLSRPTv1 records' "$T/send1.log"
check "NXDOMAIN reason logged" grep -q 'no tlsrpt record domain=none.test .*NXDOMAIN' "$T/send1.log"
check_eq "transport and reply recorded" "smtp|250 2.0.0 Ok: queued as" \
    "$(q "SELECT transport || '|' || substr(reply, 1, 23) FROM deliveries WHERE report_id = '$R1'")"
check_eq "https reply recorded" "https|HTTP 200 ok" "$(q "SELECT transport || '|' || reply FROM deliveries WHERE rua = '$U'")"
check_eq "first attempt is --now" "1772413200|1|1772413200" \
    "$(q "SELECT first_attempt || '|' || attempts || '|' || sent_at FROM deliveries WHERE report_id = '$R1'")"

# what arrived
check_eq "three mails arrived" "3" "$(ls "$T/smtp" | grep -c '\.eml$')"
for env in "$T"/smtp/mail-*.env; do
    eml=${env%.env}.eml
    rcpt=$(sed -n 2p "$env")
    case "$rcpt" in
    tlsrpt@plain.test) id=$R1 ;; r1@split.test) id=$R2 ;; good@junk.test) id=$R3 ;; *) id=none ;;
    esac
    check_eq "envelope of $rcpt: from, one rcpt, STARTTLS" "tlsrpt@example.net|3|tls=yes" \
        "$(sed -n 1p "$env")|$(wc -l < "$env")|$(sed -n 3p "$env")"
    res=$(dkim_ok "$eml" "$T/$id.json")
    check_eq "rsa-sha256 mail to $rcpt verifies (dkimpy strict) and carries the report" "ok" "$res"
    check "mail to $rcpt has the Subject format" grep -q "^Subject: Report Domain: ${rcpt#*@}" "$eml"
done
check_eq "one POST arrived" "1" "$(ls "$T/https" | grep -c '\.gz$')"
check "POST body is the stored gzip" cmp -s "$T/https/post-1.gz" "$T/$R2.json.gz"
check "POST content type" grep -qi '^Content-Type: application/tlsrpt+gzip' "$T/https/post-1.hdr"
check "POST path" grep -q '^path=/tlsrpt/upload$' "$T/https/post-1.hdr"

# nothing is due any more: a second run sends nothing
tlsrpt --config "$T/rsa.conf" --now 2026-03-02T02:00:00Z send 2> "$T/send2.log"
check_eq "second run exits 0" "0" "$?"
check_eq "second run sends nothing" "3|1" "$(ls "$T/smtp" | grep -c '\.eml$')|$(ls "$T/https" | grep -c '\.gz$')"

# ed25519-sha256 with its own selector
write_config "$T/ed.conf" dkim.selector=ed dkim.key_file="$T/dkim-ed25519-sha256.pem" \
    dkim.algorithm=ed25519-sha256
R7=$(add_report 2026-03-02 plain.test)
tlsrpt --config "$T/ed.conf" --now 2026-03-03T01:00:00Z send --day 2026-03-02 2> "$T/send3.log"
check_eq "ed25519 send exits 0" "0" "$?"
eml=$(grep -l 'ed25519-sha256' "$T"/smtp/mail-*.eml | head -1)
check "ed25519 mail arrived" test -n "$eml"
check_eq "ed25519-sha256 mail verifies (dkimpy strict) and carries the report" "ok" \
    "$(dkim_ok "$eml" "$T/$R7.json")"
check_eq "ed25519 selector used" "1" "$(grep -c 's=ed;' "$eml")"

# stats --by delivery: the delivery state of each day's current report
check_eq "stats --by delivery --json: state and destinations per report" \
    "invalid.test=no-record/0/0/0/0 junk.test=sent/1/1/0/0 none.test=no-record/0/0/0/0 plain.test=sent/1/1/0/0 split.test=sent/2/2/0/0 two.test=no-record/0/0/0/0" \
    "$(tlsrpt --db "$DB" stats --by delivery --day 2026-03-01 --json | jq -r '[.[] | "\(.domain)=\(.delivery)/\(.destinations)/\(.sent)/\(.open)/\(.failed)"] | sort | join(" ")')"
tlsrpt --db "$DB" stats --by delivery > "$T/stats.txt"
check "stats --by delivery table" grep -q '2026-03-02 .*plain.test .* sent ' "$T/stats.txt"

# dns_servers with an IPv6 address (glibc keeps those apart from nsaddr_list)
R2=$(add_report 2026-03-03 split.test)
write_config "$T/v6.conf" delivery.dns_servers="[::1]:$DNS_PORT"
tlsrpt --config "$T/v6.conf" --now $NOW send --dry-run --report-id $R2 > "$T/v6.out" 2> "$T/v6.log"
check "dns_servers [::1]:port: the record is found" grep -q "rua=$U via=https action=would-send" "$T/v6.out"
check "dns_servers [::1]:port: asked over IPv6" grep -q 'query\[TXT\] _smtp._tls.split.test from ::1' "$T/dnsmasq.log"
write_config "$T/dead.conf" delivery.dns_servers="127.0.0.1:1"
tlsrpt --config "$T/dead.conf" --now $NOW send --dry-run --report-id $R2 > "$T/dead.out" 2> "$T/dead.log"
check "a dead resolver is a temporary failure, not no-record" grep -q 'action=retry-later' "$T/dead.out"
write_config "$T/badns.conf" delivery.dns_servers="resolver.example:53"
tlsrpt --config "$T/badns.conf" send --check 2> "$T/badns.log"
check_eq "a host name in dns_servers is a configuration error" "1" "$?"
