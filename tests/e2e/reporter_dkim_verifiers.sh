#!/bin/bash
# Several DKIM keys ([dkim] selector, key_file and algorithm as lists): every report carries one
# signature per key, and the verifiers receivers use judge them. For each key record variant
# (no s=, s=tlsrpt, s=email:tlsrpt, s=email) the table of which verifier accepts which
# signature: dkimpy (plain, tlsrpt=True, tlsrpt='strict'), Mail::DKIM (libmail-dkim-perl),
# libopendkim (tests/tools/opendkim_verify). Then the documented default (an Ed25519 key with
# s=tlsrpt signing first, an RSA key without s= second) verifies with every verifier that
# supports its algorithm, as each is used: dkimpy's verify() sees only the first signature,
# Mail::DKIM and OpenDKIM pass a message when one signature passes. Prints the table as INFO
# lines (reporter/README.md has it).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

perl -MMail::DKIM::Verifier -e 1 2> /dev/null || { fail "Mail::DKIM" "libmail-dkim-perl missing (scripts/setup.sh --test)"; exit 0; }
RSA=$(dkim_key rsa-sha256)
ED=$(dkim_key ed25519-sha256)
P_RSA=$(dkim_pub rsa-sha256)
P_ED=$(dkim_pub ed25519-sha256)
rec() { # ALG S-TAG: a key record
    local k=rsa p=$P_RSA
    [ "$1" = ed ] && { k=ed25519; p=$P_ED; }
    echo "v=DKIM1; k=$k;${2:+ s=$2;} p=$p"
}

# One report, signed with both keys: Ed25519 first (selector ed), RSA second (selector rsa).
echo "$(dns_txt _smtp._tls.a.test "v=TLSRPTv1; rua=mailto:r@a.test")" > "$T/records"
write_config "$T/two.conf" dkim.selector="ed rsa" dkim.key_file="$ED $RSA" \
    dkim.algorithm="ed25519-sha256 rsa-sha256" delivery.transport=outbox delivery.outbox="$T/ob"
mkdir -p "$T/ob"
out=$(tlsrpt --config "$T/two.conf" check-config 2>&1)
check "check-config: the Ed25519 key (s=ed) is checked" grep -q 'ok: \[dkim\] key_file .*Ed25519 key, signs with ed25519-sha256 (s=ed)' <<< "$out"
check "check-config: the RSA key (s=rsa) is checked" grep -q 'ok: \[dkim\] key_file .*RSA key of 2048 bits, signs with rsa-sha256 (s=rsa)' <<< "$out"

# check-config checks every key, and the lists must pair up.
write_config "$T/bad2.conf" dkim.selector="ed rsa" dkim.key_file="$ED $T/missing.pem"
out=$(tlsrpt --config "$T/bad2.conf" check-config 2>&1)
check_eq "check-config: a missing second key file fails" 1 $?
check "check-config: names the second key file" grep -q "error: \[dkim\] key_file $T/missing.pem" <<< "$out"
write_config "$T/bad3.conf" dkim.selector="ed" dkim.key_file="$ED $RSA"
out=$(tlsrpt --config "$T/bad3.conf" check-config 2>&1)
check "check-config: one selector for two key files is an error" \
    grep -q 'error: \[dkim\] selector has 1 entries and key_file 2' <<< "$out"
out=$(tlsrpt --config "$T/bad3.conf" send 2>&1)
check "send refuses it with the same reason" grep -q 'selector has 1 entries and key_file 2' <<< "$out"
write_config "$T/bad4.conf" dkim.selector="ed rsa" dkim.key_file="$ED $RSA" dkim.algorithm="ed25519-sha256 ed25519-sha256"
out=$(tlsrpt --config "$T/bad4.conf" check-config 2>&1)
check "check-config: the second key's algorithm must fit it" \
    grep -q "error: \[dkim\] key_file $RSA: an RSA key cannot sign with \[dkim\] algorithm = ed25519-sha256" <<< "$out"

# Serve the record variant VARIANT for both selectors, then sign (the record does not change
# the signature; the DNS server is restarted per variant for Mail::DKIM).
start_dns_variant() {
    [ -n "${DNS_PID:-}" ] && { kill "$DNS_PID" 2> /dev/null; wait "$DNS_PID" 2> /dev/null; }
    {
        cat "$T/records"
        dns_txt ed._domainkey.example.net "$(rec ed "$1")"
        dns_txt rsa._domainkey.example.net "$(rec rsa "$1")"
    } > "$T/records-v"
    start_dns "$T/records-v"
}
start_dns_variant ""
write_config "$T/two.conf" dkim.selector="ed rsa" dkim.key_file="$ED $RSA" \
    dkim.algorithm="ed25519-sha256 rsa-sha256" delivery.transport=outbox delivery.outbox="$T/ob"
ID=$(add_report 2026-03-01 a.test)
tlsrpt --config "$T/two.conf" --now 2026-03-02T01:00:00Z send 2> "$T/send.log"
EML=$(ls "$T"/ob/*.eml 2> /dev/null | head -n 1)
check "a signed report in the outbox" test -n "$EML"
[ -n "$EML" ] || exit 0
sigs=$(grep -A3 '^DKIM-Signature:' "$EML" | tr -d '\r\n\t ' | grep -o 'a=[a-z0-9-]*;[^;]*;[^;]*;s=[a-z]*' | sed 's/;.*;s=/ s=/')
check_eq "two DKIM-Signature headers, Ed25519 first" "a=ed25519-sha256 s=ed
a=rsa-sha256 s=rsa" "$sigs"

# --- the table -------------------------------------------------------------------------------
yn() { [ "$1" = pass ] && echo yes || echo no; }
for v in "" tlsrpt email:tlsrpt email; do
    start_dns_variant "$v"
    py=$($PY "$TOP/tests/tools/dkim_sigs.py" "$EML" "ed:$(rec ed "$v")" "rsa:$(rec rsa "$v")")
    od=$("$TOOLS/opendkim_verify" "$EML" "ed:$(rec ed "$v")" "rsa:$(rec rsa "$v")")
    md=$(perl "$TOP/tests/tools/mail_dkim_verify.pl" "$EML" "$DNS_PORT" 2>&1)
    for s in ed rsa; do
        p=$(grep "^s=$s " <<< "$py" | cut -d' ' -f2-)
        o=$(grep "^s=$s " <<< "$od" | cut -d' ' -f2 | tr -d ':')
        m=$(grep "^s=$s " <<< "$md" | cut -d' ' -f3)
        echo "INFO table: ${v:-(no s=)} s=$s $p opendkim=$(yn "$o") mail-dkim=$(yn "$m")"
        echo "${v:-none}|$s|$p|opendkim=$(yn "$o")|mail-dkim=$(yn "$m")" >> "$T/table"
    done
    echo "${v:-none}|message|opendkim=$(tail -n 1 <<< "$od" | cut -d: -f1)|mail-dkim=$(sed -n 's/^result=\([a-z]*\).*/\1/p' <<< "$md")" >> "$T/table"
done
row() { grep "^$1|$2|" "$T/table" | cut -d'|' -f3-; }
# What the table must show (python3-dkim 1.1.4 with python3-nacl, libmail-dkim-perl 1.20230212,
# libopendkim 2.11 of Debian 12); reporter/README.md prints it.
check_eq "no s=, Ed25519: dkimpy plain and tlsrpt, OpenDKIM; not strict; Mail::DKIM cannot" \
    "plain=yes tlsrpt=yes strict=no|opendkim=yes|mail-dkim=no" "$(row none ed)"
check_eq "no s=, RSA: all but dkimpy strict" \
    "plain=yes tlsrpt=yes strict=no|opendkim=yes|mail-dkim=yes" "$(row none rsa)"
check_eq "s=tlsrpt, Ed25519: dkimpy tlsrpt and strict only" \
    "plain=no tlsrpt=yes strict=yes|opendkim=no|mail-dkim=no" "$(row tlsrpt ed)"
check_eq "s=tlsrpt, RSA: dkimpy tlsrpt and strict only" \
    "plain=no tlsrpt=yes strict=yes|opendkim=no|mail-dkim=no" "$(row tlsrpt rsa)"
check_eq "s=email:tlsrpt, RSA: OpenDKIM and Mail::DKIM; no dkimpy mode (it does not split the list)" \
    "plain=no tlsrpt=no strict=no|opendkim=yes|mail-dkim=yes" "$(row email:tlsrpt rsa)"
check_eq "s=email, RSA: all but dkimpy strict" \
    "plain=yes tlsrpt=yes strict=no|opendkim=yes|mail-dkim=yes" "$(row email rsa)"

# --- the default: Ed25519 with s=tlsrpt first, RSA without s= second --------------------------
{
    cat "$T/records"
    dns_txt ed._domainkey.example.net "$(rec ed tlsrpt)"
    dns_txt rsa._domainkey.example.net "$(rec rsa "")"
} > "$T/records-default"
kill "$DNS_PID" 2> /dev/null; wait "$DNS_PID" 2> /dev/null
start_dns "$T/records-default"
for eml in "$T"/ob/*.eml; do
    n=$(basename "$eml")
    check "default records: dkimpy tlsrpt='strict' (first signature) ($n)" \
        $PY -c "import dkim,sys; sys.exit(not dkim.verify(open('$eml','rb').read(), dnsfunc=lambda n, timeout=5: {b'ed': b'$(rec ed tlsrpt)', b'rsa': b'$(rec rsa "")'}[n.split(b'.')[0]], tlsrpt='strict'))"
    check "default records: dkimpy tlsrpt=True (first signature) ($n)" \
        $PY -c "import dkim,sys; sys.exit(not dkim.verify(open('$eml','rb').read(), dnsfunc=lambda n, timeout=5: {b'ed': b'$(rec ed tlsrpt)', b'rsa': b'$(rec rsa "")'}[n.split(b'.')[0]], tlsrpt=True))"
    check "default records: dkimpy plain, the RSA signature (idx=1) ($n)" \
        $PY -c "import dkim,sys; sys.exit(not dkim.DKIM(open('$eml','rb').read()).verify(idx=1, dnsfunc=lambda n, timeout=5: {b'ed': b'$(rec ed tlsrpt)', b'rsa': b'$(rec rsa "")'}[n.split(b'.')[0]]))"
    check_eq "default records: OpenDKIM passes the message ($n)" pass \
        "$("$TOOLS/opendkim_verify" "$eml" "ed:$(rec ed tlsrpt)" "rsa:$(rec rsa "")" | tail -n 1)"
    check "default records: Mail::DKIM passes the message (RSA) ($n)" \
        grep -q '^result=pass' <<< "$(perl "$TOP/tests/tools/mail_dkim_verify.pl" "$eml" "$DNS_PORT" 2>&1)"
    check "default records: strict verification + the attachment (dkim_check.py) ($n)" \
        $PY "$TOOLS_PY/dkim_check.py" "$DNS_PORT" "$eml" "$T/$ID.json"
done
# A verifier must be able to say no: a tampered message fails everywhere.
sed 's/^Subject: Report/Subject: Rep0rt/' "$EML" > "$T/tampered.eml"
check "tampered: OpenDKIM fails it" bash -c "! '$TOOLS/opendkim_verify' '$T/tampered.eml' 'ed:$(rec ed tlsrpt)' 'rsa:$(rec rsa "")' > /dev/null"
check "tampered: Mail::DKIM fails it" bash -c "! perl '$TOP/tests/tools/mail_dkim_verify.pl' '$T/tampered.eml' $DNS_PORT | grep -q '^result=pass'"
