#!/bin/bash
# `send --dry-run` makes every check of a real send and skips only the transfer (issue 12
# item 7): the record is looked up, recipients validated, https hosts resolved with our
# resolver and every address put through the SSRF guard. What a real send refuses, the dry
# run says it would refuse, with the same reason; it writes nothing to the database.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

make_pki || exit 1
start_https "$T/https" || exit 1
# private.example.test resolves to a private address (never connected to: the guard refuses
# it first), gone.example.test does not exist, reports.example.test is the sink on loopback.
P="https://private.example.test:$HTTPS_PORT/r"
G="https://gone.example.test:$HTTPS_PORT/r"
L="https://127.0.0.1:$HTTPS_PORT/r"
U="https://reports.example.test:$HTTPS_PORT/r"
cat > "$T/records" <<CONF
address=/private.example.test/10.0.0.1
address=/reports.example.test/127.0.0.1
$(dns_txt _smtp._tls.a.test "v=TLSRPTv1; rua=$P,$G,$L,mailto:-x@a.test,mailto:r@a.test")
$(dns_txt _smtp._tls.b.test "v=TLSRPTv1; rua=$U")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
CONF
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
mkdir -p "$T/outbox"
write_config "$T/c.conf" delivery.allow_private_destinations=no delivery.transport=outbox \
    delivery.outbox="$T/outbox"
NOW=2026-08-02T01:00:00Z

RA=$(add_report 2026-08-01 a.test)
tlsrpt --config "$T/c.conf" --now $NOW send --dry-run > "$T/dry.out" 2> "$T/dry.log"
check_eq "dry run exits 0" "0" "$?"
check_eq "dry run writes nothing" "0|0" \
    "$(q "SELECT count(*) FROM deliveries")|$(ls "$T/outbox" "$T/https" | grep -c '\.\(gz\|eml\)$')"
action() { sed -n "s|.* rua=$1 via=[a-z]* action=\([a-z-]*\) detail=\"\(.*\)\"$|\1: \2|p" "$T/dry.out"; }
check_eq "dry run: a host resolving to a private address is refused, as a real send does" \
    "refused: destination refused: host private.example.test resolves to 10.0.0.1, which is private (RFC 1918) (allow_private_destinations = no)" \
    "$(action "$P")"
check_eq "dry run: a loopback literal is refused" \
    "refused: destination refused: host 127.0.0.1 is 127.0.0.1, which is loopback (allow_private_destinations = no)" \
    "$(action "$L")"
check_eq "dry run: a host that does not exist is refused" \
    "refused: cannot resolve gone.example.test: NXDOMAIN" "$(action "$G")"
check_eq "dry run: a recipient starting with '-' is refused" \
    "refused: mailto: address refused: local part starts with '-'" "$(action '"mailto:-x@a.test"')"
check "dry run: the valid recipient would be sent (signed)" \
    grep -q "rua=mailto:r@a.test via=outbox action=would-send detail=\"dry run: signed message of" "$T/dry.out"

# the real send refuses the same destinations with the same reasons
tlsrpt --config "$T/c.conf" --now $NOW send 2> "$T/send.log"
check_eq "real send exits 0" "0" "$?"
for u in "$P" "$L" "$G" '"mailto:-x@a.test"'; do
    check_eq "real send: $u failed with the dry run's reason" "failed: $(action "$u" | sed 's/^refused: //')" \
        "$(q "SELECT state || ': ' || last_error FROM deliveries WHERE report_id = '$RA' AND rua = '$u'")"
done
check_eq "real send: the valid recipient sent" "sent" "$(dstate "$RA" mailto:r@a.test)"
check_eq "real send: nothing was POSTed" "0" "$(ls "$T/https" | grep -c '\.gz$')"

# an allowed destination: the dry run resolves it, names where it would POST, and POSTs nothing
RB=$(add_report 2026-08-01 b.test)
write_config "$T/private-ok.conf" delivery.allow_private_destinations=yes
tlsrpt --config "$T/private-ok.conf" --now $NOW send --dry-run --report-id "$RB" > "$T/dry2.out" 2> "$T/dry2.log"
check_eq "dry run: an allowed host would be POSTed to" \
    "would-send: dry run: would POST $(stat -c %s "$T/$RB.json.gz") bytes to reports.example.test port $HTTPS_PORT" \
    "$(sed -n "s|.* rua=$U via=https action=\([a-z-]*\) detail=\"\(.*\)\"$|\1: \2|p" "$T/dry2.out")"
check_eq "dry run, nothing sent" "0" "$(ls "$T/https" | grep -c '\.gz$')"
