#!/bin/bash
# Mail transports and their edges: transport = sendmail (a fake sendmail records its argv and
# stdin; exit codes 75 and 67), transport = outbox (signed .eml and .json.gz files, state sent
# via outbox), smtp_starttls required/try/no against a relay without STARTTLS, SMTP AUTH, and
# the refusal to send mail without a usable DKIM key (HTTPS still delivered, exit 1).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

make_pki || exit 1
start_https "$T/https" || exit 1
U="https://reports.example.test:$HTTPS_PORT/r"
cat > "$T/records" <<CONF
address=/reports.example.test/127.0.0.1
$(dns_txt _smtp._tls.a.test "v=TLSRPTv1; rua=mailto:r@a.test")
$(dns_txt _smtp._tls.b.test "v=TLSRPTv1; rua=mailto:r@b.test,$U")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
CONF
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null

# --- sendmail -------------------------------------------------------------------------------
mkdir -p "$T/sm"
cat > "$T/fake-sendmail" <<SH
#!/bin/sh
n=\$(ls "$T/sm" | grep -c '^argv-')
n=\$((n + 1))
for a in "\$@"; do printf '%s\n' "\$a"; done > "$T/sm/argv-\$n"
cat > "$T/sm/msg-\$n"
code=\$(cat "$T/sm/exit" 2>/dev/null || echo 0)
[ "\$code" = 0 ] || echo "fake sendmail: failing with \$code" >&2
exit \$code
SH
chmod 755 "$T/fake-sendmail"
write_config "$T/sm.conf" delivery.transport=sendmail \
    "delivery.sendmail_command=$T/fake-sendmail -i -f {from} -- {rcpt}"
ID01=$(add_report 2026-03-01 a.test)
tlsrpt --config "$T/sm.conf" --now 2026-03-02T01:00:00Z send 2> "$T/sm1.log"
check_eq "sendmail: exit 0" "0" "$?"
check_eq "sendmail: argv words, no shell" "-i|-f|tlsrpt@example.net|--|r@a.test" "$(paste -sd'|' "$T/sm/argv-1")"
check_eq "sendmail: state sent via sendmail" "sent|sendmail" \
    "$(q "SELECT state || '|' || transport FROM deliveries WHERE report_id = '$ID01'")"
check "sendmail: LF line ends on the pipe" sh -c "! grep -q \$(printf '\r') $T/sm/msg-1"
check_eq "sendmail: piped message verifies (dkimpy strict, CRLF restored)" "ok" \
    "$(dkim_ok "$T/sm/msg-1" "$T/$ID01.json" --lf)"
echo 75 > "$T/sm/exit"
ID02=$(add_report 2026-03-02 a.test)
tlsrpt --config "$T/sm.conf" --now 2026-03-03T01:00:00Z send 2> "$T/sm2.log"
check_eq "sendmail exit 75: retrying with its message" "retrying|fake-sendmail exited 75: fake sendmail: failing with 75" \
    "$(q "SELECT state || '|' || replace(last_error, '$T/', '') FROM deliveries WHERE report_id = '$ID02'" | sed 's/ *$//')"
echo 67 > "$T/sm/exit"
tlsrpt --config "$T/sm.conf" --now 2026-03-03T02:00:00Z send 2> "$T/sm3.log"
check_eq "sendmail exit 67 (EX_NOUSER): failed" "failed" "$(dstate $ID02 mailto:r@a.test)"
write_config "$T/sm-missing.conf" delivery.transport=sendmail \
    "delivery.sendmail_command=$T/no-such-sendmail {rcpt}"
ID03=$(add_report 2026-03-03 a.test)
tlsrpt --config "$T/sm-missing.conf" --now 2026-03-04T01:00:00Z send 2> "$T/sm4.log"
check_eq "missing sendmail: retrying (not lost)" "retrying" "$(dstate $ID03 mailto:r@a.test)"

# --- outbox ---------------------------------------------------------------------------------
rm -f "$DB"
mkdir -p "$T/outbox"
write_config "$T/ob.conf" delivery.transport=outbox delivery.outbox="$T/outbox"
ID11=$(add_report 2026-03-01 b.test)
tlsrpt --config "$T/ob.conf" --now 2026-03-02T01:00:00Z send 2> "$T/ob.log"
check_eq "outbox: exit 0" "0" "$?"
fn=$(q "SELECT filename FROM reports WHERE report_id = '$ID11'")
check "outbox: the report .json.gz written" cmp -s "$T/outbox/$fn" "$T/$ID11.json.gz"
eml="$T/outbox/${fn%.json.gz}!r@b.test.eml"
check "outbox: the signed .eml written" test -f "$eml"
check_eq "outbox: .eml verifies (dkimpy strict)" "ok" "$(dkim_ok "$eml" "$T/$ID11.json")"
check_eq "outbox: mail recorded as sent via outbox, path as reply" "sent|outbox|written to the outbox: $eml" \
    "$(q "SELECT state || '|' || transport || '|' || reply FROM deliveries WHERE rua = 'mailto:r@b.test'")"
check_eq "outbox: https rua still POSTed" "sent|https" "$(q "SELECT state || '|' || transport FROM deliveries WHERE rua = '$U'")"
write_config "$T/ob-bad.conf" delivery.transport=outbox
tlsrpt --config "$T/ob-bad.conf" send 2> "$T/ob-bad.log"
check_eq "transport = outbox without outbox: config error" "1" "$?"
check "outbox config error explained" grep -q 'error: \[delivery\] outbox: required when \[delivery\] transport = outbox' "$T/ob-bad.log"

# --- STARTTLS modes and AUTH ------------------------------------------------------------------
start_smtp "$T/plain" --no-starttls || exit 1
rm -f "$DB"
write_config "$T/req.conf" delivery.smtp_starttls=required
ID21=$(add_report 2026-03-01 a.test)
tlsrpt --config "$T/req.conf" --now 2026-03-02T01:00:00Z send 2> "$T/req.log"
check_eq "required STARTTLS not offered: retrying, never clear text" "retrying|0" \
    "$(dstate $ID21 mailto:r@a.test)|$(ls "$T/plain" | grep -c '\.eml$')"
check "required STARTTLS: reason recorded" test -n "$(q "SELECT 1 FROM deliveries WHERE last_error LIKE '%does not offer STARTTLS%'")"
write_config "$T/try.conf" delivery.smtp_starttls=try
tlsrpt --config "$T/try.conf" --now 2026-03-02T01:10:00Z send 2> "$T/try.log"
check_eq "try: sent in clear text when not offered" "sent|tls=no" \
    "$(dstate $ID21 mailto:r@a.test)|$(sed -n 3p "$T/plain/mail-1.env")"
kill $SMTP_PID; wait $SMTP_PID 2>/dev/null

start_smtp "$T/tls" || exit 1
write_config "$T/badca.conf" delivery.smtp_starttls=required delivery.smtp_ca_file=/etc/ssl/certs/ca-certificates.crt
ID22=$(add_report 2026-03-02 a.test)
tlsrpt --config "$T/badca.conf" --now 2026-03-03T01:00:00Z send 2> "$T/badca.log"
check_eq "required: unverifiable certificate is a temporary failure" "retrying|0" \
    "$(dstate $ID22 mailto:r@a.test)|$(ls "$T/tls" | grep -c '\.eml$')"
write_config "$T/no.conf" delivery.smtp_starttls=no
tlsrpt --config "$T/no.conf" --now 2026-03-03T01:10:00Z send 2> "$T/no.log"
check_eq "no: STARTTLS offered but not used" "sent|tls=no" \
    "$(dstate $ID22 mailto:r@a.test)|$(sed -n 3p "$T/tls/mail-1.env")"
kill $SMTP_PID; wait $SMTP_PID 2>/dev/null

start_smtp "$T/auth" --require-starttls --auth reporter:s3cret || exit 1
echo wrong > "$T/pw-wrong"
echo s3cret > "$T/pw"
write_config "$T/auth-bad.conf" delivery.smtp_user=reporter delivery.smtp_password_file="$T/pw-wrong"
ID23=$(add_report 2026-03-03 a.test)
tlsrpt --config "$T/auth-bad.conf" --now 2026-03-04T01:00:00Z send 2> "$T/auth1.log"
check_eq "wrong AUTH password: retrying, logged" "retrying|1" \
    "$(dstate $ID23 mailto:r@a.test)|$(grep -c 'relay refused our credentials' "$T/auth1.log")"
write_config "$T/auth.conf" delivery.smtp_user=reporter delivery.smtp_password_file="$T/pw"
tlsrpt --config "$T/auth.conf" --now 2026-03-04T01:10:00Z send 2> "$T/auth2.log"
check_eq "AUTH after STARTTLS: sent" "sent|1" "$(dstate $ID23 mailto:r@a.test)|$(ls "$T/auth" | grep -c '\.eml$')"

# --- no usable DKIM key ---------------------------------------------------------------------
rm -f "$DB"
write_config "$T/nokey.conf" dkim.key_file=
tlsrpt --config "$T/nokey.conf" send --check > "$T/nokey-check.log" 2>&1
check_eq "send --check without a key: exit 1" "1" "$?"
check "the missing key is explained (check-config's check)" grep -q '^error: \[dkim\] key_file: not set; mail reports cannot be signed' "$T/nokey-check.log"
ID31=$(add_report 2026-03-01 b.test)
posts=$(ls "$T/https" | grep -c '\.gz$')
tlsrpt --config "$T/nokey.conf" --now 2026-03-02T01:00:00Z send 2> "$T/nokey.log"
check_eq "no key: exit 1" "1" "$?"
check_eq "no key: mail left pending, https sent" "pending|sent|$((posts + 1))" \
    "$(dstate $ID31 mailto:r@b.test)|$(dstate $ID31 "$U")|$(ls "$T/https" | grep -c '\.gz$')"
tlsrpt --config "$T/auth.conf" --now 2026-03-02T02:00:00Z send 2> "$T/key.log"
check_eq "key configured later: the pending mail goes" "sent" "$(dstate $ID31 mailto:r@b.test)"

# on a terminal, send shows its progress; without one only the summary line is logged
ID41=$(add_report 2026-03-05 a.test)
ID42=$(add_report 2026-03-06 a.test)
script -qec "$BIN --config $T/auth.conf --now 2026-03-07T01:00:00Z send" /dev/null > "$T/tty.out" 2>&1
check "progress on a terminal: count and rate" grep -q 'send: [12]/2 ([0-9]*%) [0-9]*/s' "$T/tty.out"
check "progress summary line" grep -q 'send done count=2 ' "$T/tty.out"
check "no progress line without a terminal" sh -c "! grep -q 'send: [0-9]*/' $T/key.log"
check "no key: the skipped mail deliveries are named in an error" grep -q 'error: 1 mail deliveries not attempted: no usable DKIM key' "$T/nokey.log"
