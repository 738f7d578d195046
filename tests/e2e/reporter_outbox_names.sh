#!/bin/bash
# Outbox file names for long but legal domains and recipients (issue 11 item 8): a policy
# domain of 242 octets (the longest whose _smtp._tls name fits 253) and a recipient with a
# 64-octet local part at a 253-octet domain, with transport = outbox. Every name stays within
# 250 bytes (the temporary ".NAME.tmp" within 255), the files are written and the deliveries
# are sent; the long recipient also reaches the SMTP relay whole.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

# label C N: N times the character C
label() { printf "%${2}s" "" | tr ' ' "$1"; }
PD="$(label p 63).$(label q 63).$(label r 63).$(label s 45).test"       # 242 octets
RD="$(label a 63).$(label b 63).$(label c 63).$(label d 56).test"       # 253 octets
LOCAL=$(label l 64)
RCPT="$LOCAL@$RD"
check_eq "the names are as long as the test means" "242 253 64" "${#PD} ${#RD} ${#LOCAL}"

make_pki || exit 1
start_smtp "$T/smtp" || exit 1
cat > "$T/records" <<CONF
$(dns_txt "_smtp._tls.$PD" "v=TLSRPTv1; rua=mailto:$RCPT,mailto:r@a.test")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
CONF
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
mkdir -p "$T/outbox"
write_config "$T/c.conf" delivery.transport=outbox delivery.outbox="$T/outbox"

R=$(add_report 2026-07-01 "$PD")
check "a report was built for the 242-octet domain" test -n "$R"
fname=$(q "SELECT filename FROM reports WHERE report_id = '$R'")
check "its RFC 8460 file name is longer than a file name may be (${#fname} bytes)" test "${#fname}" -gt 255
tlsrpt --config "$T/c.conf" --now 2026-07-02T01:00:00Z send --dry-run > "$T/dry.out" 2> "$T/dry.log"
dry_name=$(sed -n 's/.*, outbox file \([^"]*!lll[^"]*\)".*/\1/p' "$T/dry.out")
tlsrpt --config "$T/c.conf" --now 2026-07-02T01:00:00Z send 2> "$T/s.log"
check_eq "send exits 0" "0" "$?"
check_eq "both deliveries (the long recipient and r@a.test) sent via the outbox" "2|sent|outbox|2" \
    "$(q "SELECT count(*) || '|' || group_concat(DISTINCT state) || '|' || group_concat(DISTINCT transport)
          || '|' || sum(attempts) FROM deliveries WHERE report_id = '$R' AND rua <> ''")"
longest=$(ls "$T/outbox" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
check "every outbox file name is at most 250 bytes (longest: $longest)" test "$longest" -le 250 -a "$longest" -gt 200
check_eq "two .eml and one .json.gz, no temporary file left" "2|1|0" \
    "$(ls "$T/outbox" | grep -c '\.eml$')|$(ls "$T/outbox" | grep -c '\.json\.gz$')|$(ls -A "$T/outbox" | grep -c '^\.')"
eml=$(ls "$T/outbox"/*'!lll'*.eml)
check "the .eml name starts with the report's submitter and keeps its times and id" \
    sh -c "basename '$eml' | grep -q '^[^!]*!ppp.*~[0-9a-f]\{16\}!.*!.*!.*!lll.*~[0-9a-f]\{16\}\.eml$'"
check_eq "the reply names the file" "written to the outbox: $eml" \
    "$(q "SELECT reply FROM deliveries WHERE report_id = '$R' AND rua = 'mailto:$RCPT'")"
check_eq "the message is addressed to the whole recipient" "To: $RCPT" "$(grep -m1 '^To: ' "$eml" | tr -d '\r')"
check_eq "the message verifies (dkimpy strict)" "ok" "$(dkim_ok "$eml" "$T/$R.json")"
gz=$(ls "$T/outbox"/*.json.gz)
check "the .json.gz holds the stored report" cmp -s "$gz" "$T/$R.json.gz"
check_eq "the dry run before named the same file (names are deterministic)" "$(basename "$eml")" "$dry_name"

# transport = smtp: the relay gets the recipient whole (the envelope is not cut at 300 bytes)
rm -f "$DB"
write_config "$T/smtp.conf" delivery.smtp_starttls=no
R2=$(add_report 2026-07-02 "$PD")
tlsrpt --config "$T/smtp.conf" --now 2026-07-03T01:00:00Z send 2> "$T/smtp.log"
check_eq "smtp: both sent" "sent" "$(q "SELECT group_concat(DISTINCT state) FROM deliveries WHERE report_id = '$R2' AND rua <> ''")"
check_eq "smtp: RCPT TO carries the 318-byte address" "$RCPT" "$(sed -n 2p "$T"/smtp/mail-*.env | grep lll)"
