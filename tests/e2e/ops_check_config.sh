#!/bin/bash
# Configuration errors name file:line; check-config refuses unsafe or unusable keys, an
# unwritable database and missing cross-key requirements; the example config is the key table.
. "$(dirname "$0")/../lib.sh"

# --- config errors: each kind names file and line -------------------------------------------
# conf_error NAME LINE CONTENT...: the file's error must name $f:LINE and exit 1.
conf_error() {
    local name=$1 line=$2 f="$T/err-$1.conf"
    shift 2
    printf '%s\n' "$@" > "$f"
    local out rc
    out=$(tlsrpt --config "$f" stats 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && echo "$out" | grep -qF "$f:$line:"; then
        pass "config error names file:line: $name"
    else
        fail "config error names file:line: $name" "rc=$rc out=$out"
    fi
}
conf_error unknown-key 3 '[storage]' '# comment' 'databse = /tmp/x'
conf_error unknown-section 2 '' '[storrage]'
conf_error bad-integer 2 '[storage]' 'retention_days = thirty'
conf_error out-of-range 2 '[storage]' 'retention_days = 0'
conf_error bad-choice 2 '[delivery]' 'transport = carrier-pigeon'
conf_error bad-list-item 2 '[report]' 'policy_types = sts dmarc'
conf_error bad-duration 2 '[collector]' 'flush_interval = 5 parsecs'
conf_error bad-bool 2 '[report]' 'skip_success_only = maybe'
conf_error world-writable-mode 2 '[collector]' 'socket_mode = 0666'
conf_error duplicate-key 4 '[storage]' 'retention_days = 3' '[storage]' 'retention_days = 4'
conf_error key-outside-section 1 'database = /tmp/x'
conf_error not-key-value 2 '[storage]' 'database'
conf_error malformed-section 1 '[storage'
out=$(tlsrpt --config "$T/err-duplicate-key.conf" stats 2>&1)
check "duplicate key names the first line too" grep -q "already set on line 2" <<< "$out"

# --- every error of the file at once, with file:line, hints and ranges; a BOM is no error -----
printf '\357\273\277[storage]\ndatabse = /tmp/x\nretention_days = 0\n[dkim]\nselector = s1   # rotated 2026\n[report]\ncontact_info = mailto:a@example.net\n[delivery]\nsmtp_url = smtp://relay.example:99999\n[storrage]\nx = y\n' \
    > "$T/many.conf"
out=$(tlsrpt --config "$T/many.conf" check-config 2>&1)
check_eq "all errors: check-config exits 1" 1 $?
check_eq "all errors: six errors, each with file:line" 6 \
    "$(grep -c "error: $T/many.conf:[0-9]*: " <<< "$out")"
check "all errors: did you mean, for a key" grep -qF \
    "$T/many.conf:2: unknown key \"databse\" in section [storage]; did you mean database?" <<< "$out"
check "all errors: the allowed range" grep -qF \
    "$T/many.conf:3: [storage] retention_days: \"0\" is out of range: 1 to 36500" <<< "$out"
check "all errors: a comment after the selector" grep -qF \
    "$T/many.conf:5: [dkim] selector: \"s1   # rotated 2026\": a comment must be on a line of its own" \
    <<< "$out"
check "all errors: contact_info with mailto:" grep -qF \
    "$T/many.conf:7: [report] contact_info: \"mailto:a@example.net\": not an e-mail address" <<< "$out"
check "all errors: smtp_url port 99999" grep -qF \
    "$T/many.conf:9: [delivery] smtp_url: \"smtp://relay.example:99999\": port 99999 is out of range (1 to 65535)" \
    <<< "$out"
check "all errors: did you mean, for a section" grep -qF \
    "$T/many.conf:10: unknown section [storrage]; did you mean [storage]?" <<< "$out"
check "all errors: the BOM of line 1 is not an error" sh -c "! grep -q 'many.conf:1:' <<EOF
$out
EOF"
out=$(tlsrpt --config "$T/many.conf" aggregate 2>&1)
check_eq "all errors: aggregate exits 1 too" 1 $?
check_eq "all errors: aggregate names all six as well" 6 \
    "$(grep -c "error: $T/many.conf:[0-9]*: " <<< "$out")"

# --- a good reporter configuration ------------------------------------------------------------
mkdir -p "$T/state" "$T/outbox"
openssl genrsa -out "$T/rsa.key" 2048 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T/ed.key" 2>/dev/null
chmod 600 "$T/rsa.key" "$T/ed.key"
# write_conf FILE [EXTRA LINES for sections, as "section|key = value"]...
write_conf() {
    local f=$1
    shift
    {
        printf '[storage]\ndatabase = %s\n' "$T/state/tlsrpt.sqlite"
        printf '[collector]\nsocket = %s\n' "$T/run/collector.sock"
        printf '[report]\ncontact_info = tlsrpt@example.net\n'
        printf '[dkim]\nselector = s2026\n'
        for extra in "$@"; do
            case "$extra" in dkim\|*) printf '%s\n' "${extra#dkim|}" ;; esac
        done
        printf '[delivery]\ntransport = outbox\noutbox = %s\n' "$T/outbox"
        for extra in "$@"; do
            case "$extra" in delivery\|*) printf '%s\n' "${extra#delivery|}" ;; esac
        done
    } > "$f"
}
# expect NAME RC PATTERN CONF [ARGS]: check-config exits RC and prints a line matching PATTERN
expect() {
    local name=$1 want=$2 pattern=$3 conf=$4
    shift 4
    local out rc
    out=$(tlsrpt --config "$conf" check-config "$@" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want" ] && echo "$out" | grep -qE -- "$pattern"; then
        pass "$name"
    else
        fail "$name" "rc=$rc (want $want), no line matching /$pattern/ in:
$out"
    fi
}

write_conf "$T/good.conf" "dkim|key_file = $T/rsa.key"
expect "good config: exit 0" 0 '^check-config: 0 errors' "$T/good.conf"
expect "good config: the RSA key is probed" 0 "^ok: \[dkim\] key_file .*RSA key of 2048 bits" \
    "$T/good.conf"
expect "good config: shows the effective value of a default" 0 \
    '^retention_days = 30  # default$' "$T/good.conf"
expect "good config: shows the derived submitter" 0 '^submitter = example.net  # derived$' \
    "$T/good.conf"
expect "good config: says where mail reports go" 0 \
    '^  mailto: DKIM-sign \(rsa-sha256, d=example.net, s=s2026.*outbox only' "$T/good.conf"
expect "good config: the database will be created" 0 'database .*will be created' "$T/good.conf"
tlsrpt --config "$T/good.conf" record < /dev/null > /dev/null 2>&1
expect "existing database: schema version checked" 0 \
    'database .*: writable; schema version [0-9]+$' "$T/good.conf"

write_conf "$T/ed.conf" "dkim|key_file = $T/ed.key" "dkim|algorithm = ed25519-sha256"
expect "ed25519 key with ed25519-sha256: ok" 0 'Ed25519 key, signs with ed25519-sha256' \
    "$T/ed.conf"
write_conf "$T/ed-rsa.conf" "dkim|key_file = $T/ed.key"
expect "ed25519 key with rsa-sha256: error" 1 \
    'error: \[dkim\] key_file .*Ed25519 key cannot sign with \[dkim\] algorithm = rsa-sha256' \
    "$T/ed-rsa.conf"

# --- the DKIM key file -------------------------------------------------------------------------
cp "$T/rsa.key" "$T/world.key"
chmod 644 "$T/world.key"
write_conf "$T/world.conf" "dkim|key_file = $T/world.key"
expect "world-readable key refused" 1 \
    'error: \[dkim\] key_file .*readable or writable by others \(mode 0644\)' "$T/world.conf"
cp "$T/rsa.key" "$T/group.key"
chmod 640 "$T/group.key"
write_conf "$T/group.conf" "dkim|key_file = $T/group.key"
expect "group-readable key: a warning, still exit 0" 0 \
    'warning: \[dkim\] key_file .*the group can read it \(mode 0640\)' "$T/group.conf"
printf -- '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' > "$T/bad.key"
chmod 600 "$T/bad.key"
write_conf "$T/bad.conf" "dkim|key_file = $T/bad.key"
expect "a key that is not RSA or Ed25519 is refused" 1 \
    "error: \[dkim\] key_file .*not an unencrypted RSA or Ed25519 private key" "$T/bad.conf"
{ head -n 4 "$T/rsa.key"; echo '-----END PRIVATE KEY-----'; } > "$T/cut.key"
chmod 600 "$T/cut.key"
write_conf "$T/cut.conf" "dkim|key_file = $T/cut.key"
expect "a truncated RSA key is refused by libopendkim" 1 \
    "error: \[dkim\] key_file .*libopendkim cannot sign with it" "$T/cut.conf"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ec.key" 2>/dev/null
chmod 600 "$T/ec.key"
write_conf "$T/ec.conf" "dkim|key_file = $T/ec.key"
expect "an EC key is refused" 1 \
    "error: \[dkim\] key_file .*not an unencrypted RSA or Ed25519 private key" "$T/ec.conf"
write_conf "$T/missing.conf" "dkim|key_file = $T/nonexistent.key"
expect "a missing key file is refused" 1 'error: \[dkim\] key_file .*No such file' \
    "$T/missing.conf"
openssl genrsa -out "$T/small.key" 1024 2>/dev/null
chmod 600 "$T/small.key"
write_conf "$T/small.conf" "dkim|key_file = $T/small.key"
expect "a 1024-bit RSA key draws a warning" 0 'warning: .*RSA key of only 1024 bits' \
    "$T/small.conf"

# --- cross-key requirements name section and key -----------------------------------------------
write_conf "$T/nokey.conf"
expect "mail delivery without [dkim] key_file" 1 '^error: \[dkim\] key_file: not set' \
    "$T/nokey.conf"
expect "a collector-only host needs no DKIM key" 0 '^check-config: 0 errors' "$T/nokey.conf" \
    --role collector
printf '[report]\ncontact_info = a@example.net\n[dkim]\nselector = s\nkey_file = %s\n[delivery]\ntransport = outbox\n' \
    "$T/rsa.key" > "$T/nooutbox.conf"
expect "transport = outbox without [delivery] outbox" 1 \
    '^error: \[delivery\] outbox: required when \[delivery\] transport = outbox' \
    "$T/nooutbox.conf" --role reporter
write_conf "$T/auth.conf" "dkim|key_file = $T/rsa.key" "delivery|smtp_user = reports"
expect "smtp_user without smtp_password_file" 1 \
    '^error: \[delivery\] smtp_password_file: required when \[delivery\] smtp_user is set' \
    "$T/auth.conf"
echo secret > "$T/pw"
chmod 604 "$T/pw"
write_conf "$T/pw.conf" "dkim|key_file = $T/rsa.key" "delivery|smtp_user = reports" \
    "delivery|smtp_password_file = $T/pw"
expect "world-readable password file refused" 1 \
    'error: \[delivery\] smtp_password_file .*readable or writable by others' "$T/pw.conf"
printf '\nsecret\n' > "$T/pw-empty"
chmod 600 "$T/pw-empty"
write_conf "$T/pw-empty.conf" "dkim|key_file = $T/rsa.key" "delivery|smtp_user = reports" \
    "delivery|smtp_password_file = $T/pw-empty"
expect "password file whose first line (what send uses) is empty" 1 \
    'error: \[delivery\] smtp_password_file .*: empty \(the password is its first line\)' \
    "$T/pw-empty.conf"
echo "not a certificate" > "$T/ca.pem"
write_conf "$T/ca.conf" "dkim|key_file = $T/rsa.key" "delivery|https_ca_file = $T/ca.pem"
expect "a CA file without certificates" 1 'error: \[delivery\] https_ca_file .*no PEM certificate' \
    "$T/ca.conf"
write_conf "$T/dns.conf" "dkim|key_file = $T/rsa.key" "delivery|dns_servers = 127.0.0.1:5353 [::1]:53 dns.example"
expect "a resolver that is not an address" 1 \
    'error: \[delivery\] dns_servers: "dns.example" is not IP' "$T/dns.conf"
write_conf "$T/dkimdom.conf" "dkim|key_file = $T/rsa.key" "dkim|domain = other.example"
expect "DKIM d= not aligned with From" 1 'error: \[dkim\] domain other.example: neither the From' \
    "$T/dkimdom.conf"

# --- check-config, aggregate and send --dry-run accept and refuse the same values ---------------
# A value the daily run refuses is refused by check-config, with the same file:line message, and
# what check-config accepts the daily run accepts (the reader checks every value for every
# command: lib/config_value.c).
tlsrpt --config "$T/good.conf" record < /dev/null > /dev/null 2>&1
# variant NAME SED-EXPRESSION: good.conf changed by SED-EXPRESSION, as $T/v-NAME.conf
variant() { sed "$2" "$T/good.conf" > "$T/v-$1.conf"; }
agree() { # ID NAME WANT-RC [PATTERN]: $T/v-ID.conf
    local f="$T/v-$1.conf" name=$2 want=$3 pattern=${4:-} cmd out rc msgs=""
    for cmd in "check-config" "aggregate" "send --dry-run"; do
        # shellcheck disable=SC2086
        out=$(tlsrpt --config "$f" $cmd 2>&1)
        rc=$?
        if [ "$rc" -ne "$want" ]; then
            fail "$name: $cmd exits $want" "exit $rc: $out"
            continue
        fi
        pass "$name: $cmd exits $want"
        [ -n "$pattern" ] || continue
        if grep -qF -- "$pattern" <<< "$out"; then
            msgs="$msgs|$(grep -F -- "$pattern" <<< "$out" | sed 's/^tlsrpt [a-z-]*: //')"
        else
            fail "$name: $cmd says why" "no \"$pattern\" in: $out"
        fi
    done
    if [ -n "$pattern" ]; then
        # the three messages are the same line
        check_eq "$name: the same message from all three" 1 \
            "$(tr '|' '\n' <<< "${msgs#|}" | sort -u | wc -l)"
    fi
}
variant sel-comment 's/^selector = .*/selector = s1   # rotated 2026/'
agree sel-comment "selector with a trailing comment" 1 \
    "[dkim] selector: \"s1   # rotated 2026\": a comment must be on a line of its own"
variant sel-bang 's/^selector = .*/selector = s1!/'
agree sel-bang "selector with !" 1 "[dkim] selector: \"s1!\": '!' is not allowed"
variant sel-blank 's/^selector = .*/selector = "s1 x"/'
# Two selectors for one key is a cross-key error: check-config refuses it; send, which may still
# deliver https: reports, says the same and sends no mail report (aggregate does not sign).
out=$(tlsrpt --config "$T/v-sel-blank.conf" check-config 2>&1)
check_eq "selector with a blank (two selectors, one key): check-config exits 1" 1 $?
check "... and says why" grep -qF "error: [dkim] selector has 2 entries and key_file 1" <<< "$out"
out=$(tlsrpt --config "$T/v-sel-blank.conf" send --dry-run 2>&1)
check "... send --dry-run refuses to sign, with the same words" grep -qF \
    "mail reports cannot be sent: [dkim] selector has 2 entries and key_file 1" <<< "$out"
variant contact-mailto 's/^contact_info = .*/contact_info = mailto:tlsrpt@example.net/'
agree contact-mailto "contact_info with mailto:" 1 \
    "[report] contact_info: \"mailto:tlsrpt@example.net\": not an e-mail address"
variant contact-name 's/^contact_info = .*/contact_info = Reports <tlsrpt@example.net>/'
agree contact-name "contact_info with a name" 1 \
    "[report] contact_info: \"Reports <tlsrpt@example.net>\": not an e-mail address"
variant port 's|^transport = .*|transport = smtp\nsmtp_url = smtp://relay.example:99999|'
agree port "smtp_url port 99999" 1 "port 99999 is out of range (1 to 65535)"
variant relkey "s|^key_file = .*|key_file = rsa.key|"
agree relkey "a relative key_file" 1 "[dkim] key_file: \"rsa.key\": not an absolute path"
variant valid "s/^selector = .*/selector = rsa.2026-a/; s/^contact_info = .*/contact_info = tls.rpt+x@example.net/; s|^transport = .*|transport = outbox\nsmtp_url = smtp://[::1]:2525/mx.example.net\n# a comment line\n  ; another|; s|^\\[report\\]|[report]\norganization_name = \"Team #1\"|"
agree valid "unusual but valid values: all three accept them" 0
check "... and the quoted # is kept" grep -q '^organization_name = Team #1$' \
    <<< "$(tlsrpt --config "$T/v-valid.conf" check-config 2>&1)"

# --- send --check is check-config's reporter checks; send refuses what they refuse --------------
# The same lines, in the same order, for configurations good and bad.
for conf in good ed ed-rsa world group bad cut ec missing small nokey nooutbox auth pw ca dns dkimdom; do
    [ -f "$T/$conf.conf" ] || { fail "config $conf exists" ""; continue; }
    a=$(tlsrpt --config "$T/$conf.conf" check-config --role reporter 2>&1 | grep -E '^(ok|warning|error): ')
    b=$(tlsrpt --config "$T/$conf.conf" send --check 2>&1 | grep -E '^(ok|warning|error): ')
    rca=$(tlsrpt --config "$T/$conf.conf" check-config --role reporter > /dev/null 2>&1; echo $?)
    rcb=$(tlsrpt --config "$T/$conf.conf" send --check > /dev/null 2>&1; echo $?)
    if [ "$a" = "$b" ] && [ "$rca" = "$rcb" ] && [ -n "$a" ]; then
        pass "send --check = check-config --role reporter: $conf (exit $rcb)"
    else
        fail "send --check = check-config --role reporter: $conf" "exit $rca vs $rcb:
$a
---
$b"
    fi
done
# A missing outbox directory: an error for both (send would refuse to start), named the same.
write_conf "$T/nodir.conf" "dkim|key_file = $T/rsa.key"
sed -i "s|^outbox = .*|outbox = $T/no-such-outbox|" "$T/nodir.conf"
expect "outbox directory missing: an error" 1 \
    "^error: \[delivery\] outbox $T/no-such-outbox: No such file or directory \(create it\)" \
    "$T/nodir.conf"
tlsrpt --config "$T/nodir.conf" send > /dev/null 2> "$T/nodir-send.log"
check_eq "outbox directory missing: send refuses to start (exit 1)" 1 $?
check "... with the same message" grep -q "error: \[delivery\] outbox $T/no-such-outbox: No such file or directory (create it)" "$T/nodir-send.log"
# A key check-config accepts, send signs with: bare base64 DER (libopendkim reads it; the
# signer once demanded PEM armour while check-config accepted it).
grep -v '^-----' "$T/rsa.key" > "$T/der.key"
chmod 600 "$T/der.key"
write_conf "$T/der.conf" "dkim|key_file = $T/der.key"
expect "bare base64 DER key: check-config accepts it" 0 'ok: \[dkim\] key_file .*RSA key of 2048 bits' \
    "$T/der.conf"
tlsrpt --config "$T/der.conf" send > /dev/null 2> "$T/der-send.log"
check_eq "bare base64 DER key: send runs (exit 0)" 0 $?
check "bare base64 DER key: send has a signer" sh -c "! grep -q 'mail reports cannot be sent' '$T/der-send.log'"
# A key check-config refuses, send refuses too, for the same reason.
tlsrpt --config "$T/ed-rsa.conf" send > /dev/null 2> "$T/ed-rsa-send.log"
check "Ed25519 key with rsa-sha256: send refuses it with check-config's reason" \
    grep -q 'mail reports cannot be sent: \[dkim\] key_file .*: an Ed25519 key cannot sign with \[dkim\] algorithm = rsa-sha256' "$T/ed-rsa-send.log"

# --- the database ------------------------------------------------------------------------------
# expect_db NAME PATTERN DB [RUNNER...]: check-config --role collector with --db DB exits 1
expect_db() {
    local name=$1 pattern=$2 db=$3
    shift 3
    local out rc
    out=$("$@" "$BIN" --config "$T/good.conf" --db "$db" check-config --role collector 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && echo "$out" | grep -qE -- "$pattern"; then
        pass "$name"
    else
        fail "$name" "rc=$rc, no line matching /$pattern/ in:
$out"
    fi
}
echo "just a file" > "$T/plainfile"
expect_db "database under a regular file: cannot be created" \
    'error: \[storage\] database .*cannot be created \(.*plainfile is not a directory\)' \
    "$T/plainfile/sub/tlsrpt.sqlite"
mkdir -p "$T/dbdir.sqlite"
expect_db "database that is a directory" 'error: \[storage\] database .*not a regular file' \
    "$T/dbdir.sqlite"
expect_db "database that is not SQLite" 'error: \[storage\] database .*not a SQLite database' \
    "$T/plainfile"
# Permission checks are those of the user running check-config: as nobody, a root-owned
# read-only database is not writable. (Root may write anything, so this needs setpriv.)
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
    mkdir -p "$T/ro"
    cp "$T/state/tlsrpt.sqlite" "$T/ro/tlsrpt.sqlite"
    chmod 755 "$T/ro"
    chmod 644 "$T/ro/tlsrpt.sqlite" "$T/good.conf"
    expect_db "database not writable by the user running the check" \
        'error: \[storage\] database .*not writable: Permission denied' "$T/ro/tlsrpt.sqlite" \
        setpriv --reuid=nobody --regid=nogroup --clear-groups
fi

# A missing database directory: tlsrpt creates the file, never the directory, so the collector
# would not start: an error saying to create it (it was a warning).
expect_db "database directory missing: an error" \
    "error: \\[storage\\] database $T/no-state: directory does not exist; create it" \
    "$T/no-state/tlsrpt.sqlite"

# --- the collector socket ---------------------------------------------------------------------
# A stale socket (nobody listens) is fine when the collector can replace it, an error when the
# user running the check (the service user) cannot remove it.
mkdir -p "$T/sockdir"
chmod 755 "$T/sockdir"
/usr/bin/python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind(sys.argv[1])' \
    "$T/sockdir/c.sock"
chmod 666 "$T/sockdir/c.sock"
mkdir -p "$T/opendb"
chmod 777 "$T/opendb"
printf '[storage]\ndatabase = %s\n[collector]\nsocket = %s\n' "$T/opendb/tlsrpt.sqlite" \
    "$T/sockdir/c.sock" > "$T/sock.conf"
chmod 644 "$T/sock.conf"
expect "stale socket the collector can replace: ok" 0 \
    "^ok: \\[collector\\] socket $T/sockdir/c.sock: stale socket; the collector replaces it" \
    "$T/sock.conf" --role collector
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
    out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" --config "$T/sock.conf" \
        check-config --role collector 2>&1)
    check_eq "stale socket the service user cannot replace: exit 1" 1 $?
    check "... an error saying what to do" grep -qE \
        "^error: \\[collector\\] socket $T/sockdir/c.sock: stale socket that this user cannot replace .*remove it \\(rm $T/sockdir/c.sock\\)" \
        <<< "$out"
    check "... and nothing else is wrong" grep -q '^check-config: 1 error,' <<< "$out"
fi

# --- the example configuration is the key table -----------------------------------------------
tlsrpt --config /dev/null check-config --defaults > "$T/defaults.conf"
if diff -u "$TOP/etc/tlsrpt.conf.example" "$T/defaults.conf" > "$T/example.diff"; then
    pass "etc/tlsrpt.conf.example matches check-config --defaults"
else
    fail "etc/tlsrpt.conf.example matches check-config --defaults" \
        "$(head -20 "$T/example.diff"); regenerate: build/tlsrpt --config /dev/null check-config --defaults > etc/tlsrpt.conf.example"
fi
# Every default, uncommented, is accepted by the reader and gives the default value back.
sed 's/^#\([a-z_]* =\)/\1/' "$TOP/etc/tlsrpt.conf.example" > "$T/uncommented.conf"
out=$(tlsrpt --config "$T/uncommented.conf" check-config --role collector 2>&1)
keys=$(grep -c '^[a-z_]* =' "$T/uncommented.conf")
same=$(echo "$out" | grep -cE '^[a-z_]+ =.*  # (default|derived)$')
check_eq "every uncommented default reads back as the default" "$keys" "$same"
