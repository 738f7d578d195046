#!/bin/bash
# The README's first command must keep working: scripts/demo-run.sh (what scripts/demo.sh runs
# after setup and make) in a temporary directory. Every sample result reaches the counters
# through the socket, every domain with a record gets DKIM-signed mail in the outbox that an
# independent verifier (dkimpy, key record from the demo's own DNS records) accepts, the
# domain without a record ends no-record, and no background process is left behind.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"
D="$T/demo"
DAY=$(date -u -d yesterday +%F)

check "scripts/demo.sh is valid sh" sh -n "$TOP/scripts/demo.sh"
check "scripts/demo.sh sets up, builds and runs demo-run.sh" \
    grep -q '^exec sh scripts/demo-run.sh' "$TOP/scripts/demo.sh"
check "setup.sh installs dnsmasq-base for the demo without --test" \
    grep -q '^run_pkgs=".*dnsmasq-base' "$TOP/scripts/setup.sh"

sh "$TOP/scripts/demo-run.sh" "$D" > "$T/demo.out" 2> "$T/demo.err"
rc=$?
check_eq "the demo exits 0" 0 "$rc"
[ "$rc" -eq 0 ] || { tail -n 30 "$T/demo.out" "$T/demo.err"; exit 1; }
check_eq "no process of the demo is left running" "" "$(pgrep -f "$D/" || true)"

# Cut short (its output closed after three lines, as `| head -n 3` does): still nothing left.
sh "$TOP/scripts/demo-run.sh" "$T/cut" 2> /dev/null | head -n 3 > /dev/null
sleep 0.3
check_eq "a demo cut short leaves no process behind" "" "$(pgrep -f "$T/cut/" || true)"

# Nothing leaves loopback: mail only to the outbox, DNS only to 127.0.0.1.
check "transport = outbox" grep -qx 'transport = outbox' "$D/tlsrpt.conf"
check "dns_servers on loopback" grep -qE '^dns_servers = 127\.0\.0\.1:[0-9]+$' "$D/tlsrpt.conf"

# The counters: exactly what the generator says it sent, per domain and per result type.
t() { "$BIN" --config "$D/tlsrpt.conf" "$@"; }
"$TOOLS/sample_day" -t > "$T/totals"
check_eq "all 11 result types in the sample" 11 "$(grep -c '^result ' "$T/totals")"
grep '^domain ' "$T/totals" | cut -d' ' -f2- | sort > "$T/want-domains"
t stats --day "$DAY" --json |
    jq -r '.[] | "\(.domain) \(.["policy-type"]) \(.successful) \(.failed)"' | sort \
    > "$T/got-domains"
check "stats per domain equal the generated results" diff -u "$T/want-domains" "$T/got-domains"
grep '^result ' "$T/totals" | cut -d' ' -f2- | sort > "$T/want-types"
t stats --day "$DAY" --by result-type --json |
    jq -r '.[] | "\(.["result-type"]) \(.["failure-details"])"' | sort > "$T/got-types"
check "stats per result type equal the generated results" diff -u "$T/want-types" "$T/got-types"
check "the collector received every datagram, lost none" \
    grep -q 'collector stopped received=5037 accepted=5037 nodpv=0 stored=5037 .* lost=0' "$D/collector.log"

# The reports and their delivery.
t reports --json > "$T/reports.json"
check_eq "one report per report domain" 7 "$(jq length "$T/reports.json")"
check_eq "gone.example (record removed): no-record" "no-record" \
    "$(jq -r '.[] | select(.domain == "gone.example") | .state' "$T/reports.json")"
check_eq "every other report: sent, to the outbox" "6 sent outbox" \
    "$(jq -r '[.[] | select(.domain != "gone.example")] |
        "\(length) \(map(.state) | unique | join(",")) \([.[].deliveries[].transport] | unique | join(","))"' \
        "$T/reports.json")"

# The outbox: one signed message per rua of every domain with a record, each verified by
# dkimpy against the demo's key record, its attachment equal to the stored report.
start_dns "$D/dns-records.conf" || exit 1
expect_rcpts="postmaster@example.org noc@example.net tlsrpt@dane.example tlsrpt@example.com
tlsrpt@example.net tlsrpt@legacy.example tlsrpt@xn--bcher-kva.example"
got_rcpts=$(ls "$D/outbox" | sed -n 's/.*!\([^!]*\)\.eml$/\1/p' | sort | tr '\n' ' ')
check_eq "a message for each rua of each domain with a record" \
    "$(echo $expect_rcpts | tr ' ' '\n' | sort | tr '\n' ' ')" "$got_rcpts"
for eml in "$D"/outbox/*.eml; do
    rcpt=${eml##*!}
    id=$(basename "$eml" | cut -d'!' -f5)
    t show "$id" > /dev/null 2>&1 || { fail "report $id of $rcpt is stored" ""; continue; }
    sqlite3 -batch -noheader "$D/tlsrpt.sqlite" "SELECT json FROM reports WHERE report_id = '$id'" \
        | head -c -1 > "$T/expected.json"
    check "DKIM-Signature header in the message to ${rcpt%.eml}" grep -q '^DKIM-Signature: v=1; a=rsa-sha256' "$eml"
    out=$($PY "$TOP/tests/tools/dkim_check.py" "$DNS_PORT" "$eml" "$T/expected.json" --not-strict 2>&1)
    check_eq "dkimpy verifies the message to ${rcpt%.eml}, attachment = stored report" ok "$out"
    check "the outbox .json.gz is the stored report (${rcpt%.eml})" \
        cmp -s "$T/expected.json" <(gunzip -c "${eml%!*}.json.gz")
done
# The key record the demo publishes has no s= (the README's advice), so dkimpy's strict TLSRPT
# mode refuses it: the check above is meaningful only if the verifier can say no.
one=$(ls "$D"/outbox/*.eml | head -n 1)
id=$(basename "$one" | cut -d'!' -f5)
sqlite3 -batch -noheader "$D/tlsrpt.sqlite" "SELECT json FROM reports WHERE report_id = '$id'" \
    | head -c -1 > "$T/expected.json"
out=$($PY "$TOP/tests/tools/dkim_check.py" "$DNS_PORT" "$one" "$T/expected.json" 2>&1)
check_eq "strict mode refuses the record without s=tlsrpt" "DKIM verification failed (tlsrpt=strict)" "$out"
sed 's/^\(To: .*\)$/\1x/' "$one" > "$T/tampered.eml"
out=$($PY "$TOP/tests/tools/dkim_check.py" "$DNS_PORT" "$T/tampered.eml" "$T/expected.json" --not-strict 2>&1)
check_eq "a tampered message fails verification" "DKIM verification failed (tlsrpt=True)" "$out"

# The README's advice on the key record (no s=), checked against both verifiers on a demo
# message: dkimpy (python3-dkim 1.1.4) and libopendkim 2.11 (OpenDKIM-based receivers).
pub=$(openssl pkey -in "$D/dkim.key" -pubout -outform DER | base64 -w0)
for row in "none|tlsrpt=yes strict=no|pass" "s=tlsrpt; |tlsrpt=yes strict=yes|fail" \
    "s=email:tlsrpt; |tlsrpt=no strict=no|pass" "s=email; |tlsrpt=yes strict=no|pass"; do
    s=${row%%|*}
    [ "$s" = none ] && s=""
    want_py=$(echo "$row" | cut -d'|' -f2)
    want_od=$(echo "$row" | cut -d'|' -f3)
    rec="v=DKIM1; k=rsa; ${s}p=$pub"
    check_eq "key record [${s:-no s=}]: dkimpy" "$want_py" "$($PY "$TOP/tests/tools/dkim_record.py" "$one" "$rec")"
    check_eq "key record [${s:-no s=}]: libopendkim" "$want_od" \
        "$("$TOOLS/opendkim_verify" "$one" "$rec" | cut -d: -f1)"
done
check_eq "libopendkim's reason for s=tlsrpt" "fail: Unable to verify: not an e-mail key" \
    "$("$TOOLS/opendkim_verify" "$one" "v=DKIM1; k=rsa; s=tlsrpt; p=$pub")"
check "libopendkim refuses a tampered message" sh -c "! '$TOOLS/opendkim_verify' '$T/tampered.eml' 'v=DKIM1; k=rsa; p=$pub'"

# What the demo prints: stats, reports, where the files are, the signature, its verification.
check "prints the stats table" grep -q '^total  *4900  *137' "$T/demo.out"
check "prints tlsrpt reports" grep -q '^DAY  *DOMAIN  *GEN STATUS  *DELIVERY' "$T/demo.out"
check "prints where the signed files are" grep -qF "== the signed reports in $D/outbox" "$T/demo.out"
check "prints a DKIM-Signature" grep -q '^   DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.example;' "$T/demo.out"
check "verifies the messages itself when dkimpy is there" grep -q 'dkimpy verified 7 of 7 messages' "$T/demo.out"
