#!/bin/bash
# The README's commands work as written: every `tlsrpt ...` line of its "Regeneration" and
# "Stats queries" sections runs (exit 0) against a database holding the sample day of the
# demo on the README's example date, the sqlite3 query runs, the DKIM key commands of
# "Configuration" print a record that libopendkim verifies with, and the check-config
# messages it quotes are the ones the program prints. Sections in the order of issue 12
# item 10. And the faults that issue found in it: the Postfix socket names match the socket
# they go with (the shipped unit and [collector] socket default, or the README's drop-in);
# `outbox` alone still sends mail while `transport = outbox` (the first run's setting) does
# not; the troubleshooting jq filter lists a failed destination of a report another
# destination accepted; every field of the collector, aggregate and send summaries is
# explained (README or tlsrpt(8)); every relative link resolves in the installed doc
# directory; the backup command makes a working copy.
. "$(dirname "$0")/../lib.sh"
R="$TOP/README.md"

# --- the sections, in the order the issue asks for ------------------------------------------
want="What it is|Installation|Postfix integration|Configuration|First run|Daily operation|Several MTA hosts|Regeneration|Stats queries|Troubleshooting|Upgrades and backups|Development"
check_eq "README sections in order" "$want" "$(grep '^## ' "$R" | sed 's/^## //' | paste -sd'|')"
check "README: the package before building from source" sh -c \
    "grep -n '^### ' '$R' | grep -A1 'The Debian package' | grep -q 'From source'"
check "README opens with the demo command" sh -c "sed -n '1,12p' '$R' | grep -qx 'sh scripts/demo.sh .*'"
check "README opens with the test command" sh -c "sed -n '1,12p' '$R' | grep -qx 'sh scripts/test.sh .*'"
check ".ci/run calls the README's test command" grep -qx 'exec sh scripts/test.sh' "$TOP/.ci/run"

# section NAME: the lines of the README's ```sh blocks in that section
section() {
    awk -v s="## $1" '$0 == s {on = 1; next} /^## / {on = 0} on' "$R" |
        awk '/^```sh$/ {b = 1; next} /^```$/ {b = 0} b'
}

# --- a database with the sample day on the README's example date -------------------------------
# Everything on loopback: dnsmasq answers for the sample domains (one record, the rest
# NXDOMAIN), mail goes to an outbox.
# a.test (the troubleshooting filter) names the SMTP sink and the HTTPS sink; b.test has no record.
. "$(dirname "$0")/lib/reporter.sh"
make_pki || exit 1
start_smtp "$T/smtp" || exit 1
start_https "$T/https" || exit 1
{
    dns_txt _smtp._tls.example.com "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"
    dns_txt _smtp._tls.a.test "v=TLSRPTv1; rua=mailto:r@a.test,https://reports.example.test:$HTTPS_PORT/r"
    echo "address=/reports.example.test/127.0.0.1"
    printf 'local=/%s/\n' example com net org
} > "$T/records.conf"
start_dns "$T/records.conf" || exit 1
dkim_key rsa-sha256 > /dev/null
mkdir -p "$T/outbox"
C="$T/c.conf"
write_config "$C" storage.database="$T/db.sqlite" delivery.transport=outbox delivery.outbox="$T/outbox"
NOW=2026-11-30T06:00:00Z
"$TOOLS/sample_day" - | "$BIN" --config "$C" --now "$NOW" record --time 2026-11-29T12:00:00Z 2> /dev/null
"$BIN" --config "$C" --now "$NOW" aggregate 2> /dev/null
# The late export of "mx2" that the Regeneration section imports.
"$TOOLS/sample_day" - | head -n 40 | "$BIN" --db "$T/mx2.sqlite" record --time 2026-11-29T13:00:00Z --now 2026-11-29T13:00:00Z 2> /dev/null
(cd "$T" && "$BIN" --db "$T/mx2.sqlite" export --day 2026-11-29 --source mx2 > mx2-2026-11-29.gz)
id=$("$BIN" --config "$C" reports --domain example.com --json | jq -r '.[0]["report-id"]')

tlsrpt() { "$BIN" --config "$C" --now "$NOW" "$@"; }
run_lines() { # NAME: runs each `tlsrpt` line of the section in $T
    local n=0 line
    while IFS= read -r line; do
        case "$line" in tlsrpt\ *) ;; *) continue ;; esac
        line=$(echo "$line" | sed "s/20261129ffe1c0d4e5a6b7c8/$id/; s/ *#.*$//")
        n=$((n + 1))
        (cd "$T" && eval "$line") > "$T/out" 2>&1
        check_eq "README $1: $line" 0 $?
    done < <(section "$1")
    check "README $1: commands found" test "$n" -ge 4
}
run_lines "Regeneration"
check "regeneration: the send went to the outbox" sh -c "ls '$T/outbox' | grep -q 'example.com.*eml$'"
check "regeneration made a second generation" sh -c "'$BIN' --config '$C' reports --all --day 2026-11-29 | grep -q superseded"
check "the gzip shown is a gzip" sh -c "gunzip -t '$T/report.json.gz'"
run_lines "Stats queries"
sql=$(section "Stats queries" | sed -n '/^sqlite3/,/"$/p' | tr -d '\\\n' | sed 's/^sqlite3 -readonly [^ ]* *//')
sql=$(echo "$sql" | sed "s/date('now', '-1 day')/'2026-11-29'/")
out=$(eval "sqlite3 -readonly '$T/db.sqlite' $sql")
check "README's sqlite3 query runs and finds the sample day" grep -q '^2026-11-29|example.com|sts|' <<< "$out"

# --- the DKIM key commands of "Configuration" --------------------------------------------------
# Run as written (without sudo and chown, the key in $T), then sign a report with the key
# through `tlsrpt send` (outbox) and verify it against the record the commands printed.
section "Configuration" | sed -n '/^openssl genpkey -algorithm RSA/,/fold/p' |
    grep -v chown | sed "s|sudo ||g; s|/etc/tlsrpt/dkim.key|$T/rsa.key|g" > "$T/rsa.sh"
section "Configuration" | sed -n '/^openssl genpkey -algorithm ed25519/,/^echo/p' |
    sed "s|sudo ||g; s|/etc/tlsrpt/dkim.key|$T/ed.key|g" > "$T/ed.sh"
check_eq "README: the RSA key commands found" 5 "$(wc -l < "$T/rsa.sh")"
check_eq "README: the Ed25519 key commands found" 2 "$(wc -l < "$T/ed.sh")"
sh "$T/rsa.sh" > "$T/rsa.record" 2> "$T/rsa.err"
check_eq "README RSA key commands exit 0" 0 $?
check_eq "README RSA key: mode 600" 600 "$(stat -c %a "$T/rsa.key")"
check "README prints a zone-file record" grep -q '^tlsrpt2026._domainkey.example.net. IN TXT ( "v=DKIM1; k=rsa; p=' "$T/rsa.record"
check "README record: no DNS string over 255 characters" \
    sh -c "! grep -o '\"[^\"]*\"' '$T/rsa.record' | awk 'length(\$0) > 257' | grep -q ."
sh "$T/ed.sh" > "$T/ed.record" 2> "$T/ed.err"
check_eq "README Ed25519 key commands exit 0" 0 $?
# sign_with NAME KEY ALGORITHM RECORD: a report signed with KEY verifies against RECORD
sign_with() {
    local name=$1 key=$2 alg=$3 rec=$4
    rm -rf "$T/ob-$name"; mkdir -p "$T/ob-$name"
    write_config "$T/$name.conf" storage.database="$T/s-$name.sqlite" dkim.key_file="$key" \
        dkim.algorithm="$alg" dkim.selector=tlsrpt2026 delivery.transport=outbox \
        delivery.outbox="$T/ob-$name"
    "$TOOLS/sample_day" - | grep '"d": "example.com"' | head -n 3 |
        "$BIN" --config "$T/$name.conf" record --time 2026-11-29T12:00:00Z --now 2026-11-29T12:00:00Z 2> /dev/null
    "$BIN" --config "$T/$name.conf" --now "$NOW" aggregate 2> /dev/null
    "$BIN" --config "$T/$name.conf" --now "$NOW" send 2> "$T/$name-send.log"
    local eml
    eml=$(ls "$T/ob-$name"/*.eml 2> /dev/null | head -n 1)
    check "README $name key: a signed report" test -n "$eml"
    [ -n "$eml" ] || return
    check_eq "README $name key: libopendkim verifies it with the printed record" pass \
        "$("$TOOLS/opendkim_verify" "$eml" "$rec")"
    sed 's/^\(Subject: .*\)\r$/\1!\r/' "$eml" > "$T/$name-tampered.eml"
    check_eq "README $name key: ... and refuses a tampered copy" fail \
        "$("$TOOLS/opendkim_verify" "$T/$name-tampered.eml" "$rec" | cut -d: -f1)"
}
# The zone-file record as a resolver returns it: the quoted strings joined.
rsa_txt=$(sed 's/^[^(]*( //; s/ *)$//' "$T/rsa.record" | sed 's/" "//g; s/^"//; s/"$//')
sign_with rsa "$T/rsa.key" rsa-sha256 "$rsa_txt"
sign_with ed25519 "$T/ed.key" ed25519-sha256 "$(cat "$T/ed.record")"

# --- the messages the README quotes ------------------------------------------------------------
for msg in 'readable or writable by others (mode 0644); refusing to use it (chmod o-rwx)' \
    'not set; mail reports cannot be signed (every transport, outbox included, produces signed mail)' \
    'cannot sign with [dkim] algorithm = ed25519-sha256' 'RFC 8460 section 5.3' \
    'unknown key "databse" in section [storage]'; do
    check "README quotes a real message: $msg" grep -qF "$msg" "$R"
done
chmod 644 "$T/rsa.key"
check "... and the program prints the first" sh -c "'$BIN' --config '$T/rsa.conf' check-config | grep -qF 'readable or writable by others (mode 0644); refusing to use it (chmod o-rwx)'"
chmod 600 "$T/rsa.key"
printf '[storage]\ndatabse = x\n' > "$T/typo.conf"
check "... and the typo message" sh -c "'$BIN' --config '$T/typo.conf' stats 2>&1 | grep -qF 'unknown key \"databse\" in section [storage]'"

# section_text NAME: every line of the section; fenced NAME LANG: the lines of its ```LANG blocks
# ("" for blocks without a language)
section_text() { awk -v s="## $1" '$0 == s {on = 1; next} /^## / {on = 0} on' "$R"; }
fenced() { section_text "$1" | awk -v l="$2" '$0 == "```" l {b = 1; next} /^```/ {b = 0} b'; }

# --- (a) the Postfix socket names and the sockets they go with ----------------------------------
unit_sock=$(sed -n 's/^ListenDatagram=\(..*\)$/\1/p' "$TOP/systemd/tlsrpt-collector.socket")
check_eq "the shipped socket unit listens on the [collector] socket default" \
    "socket = $unit_sock" "$("$BIN" --config /dev/null check-config --defaults 2>/dev/null |
        sed -n '/^\[collector\]/,/^\[/p' | grep -oE '^#? *socket = [^ ]*' | sed 's/^# *//')"
check "tlsrpt.conf(5) gives the same default" grep -qF "Default: *$unit_sock*" "$TOP/man/tlsrpt.conf.5.scd"
# The chrooted case (Debian's default): one block sets the unit's drop-in, [collector] socket
# and main.cf's name, relative to the queue directory.
chroot_block=$(fenced "Postfix integration" sh)
dropin=$(echo "$chroot_block" | grep -o 'ListenDatagram=/[^\\ ]*' | cut -d= -f2)
conf_sock=$(echo "$chroot_block" | grep -o 'socket = /[^\\ ]*' | cut -d' ' -f3)
pf_rel=$(echo "$chroot_block" | grep -o "smtp_tlsrpt_socket_name = [^' ]*" | cut -d' ' -f3)
check "README chroot block: a drop-in socket path" test -n "$dropin"
check_eq "README chroot block: [collector] socket = the drop-in's socket" "$dropin" "$conf_sock"
check_eq "README chroot block: main.cf's name, under the queue directory, = the drop-in's socket" \
    "$dropin" "/var/spool/postfix/$pf_rel"
check "README chroot block: the name is relative" test "${pf_rel#/}" = "$pf_rel"
# The block's line for tlsrpt.conf, run on the shipped configuration (which already has a
# [collector] section, every key commented out): the collector then uses the drop-in's socket.
cp "$TOP/etc/tlsrpt.conf.example" "$T/pf.conf"
conf_line=$(echo "$chroot_block" | grep '>> /etc/tlsrpt/tlsrpt.conf$' | sed "s|/etc/tlsrpt/tlsrpt.conf|$T/pf.conf|")
check "README chroot block: the tlsrpt.conf line found" test -n "$conf_line"
(eval "$conf_line")
check "README chroot block: on the shipped configuration, the collector uses the drop-in's socket" \
    grep -qF "receive on $dropin " <<< "$("$BIN" --config "$T/pf.conf" check-config --role collector 2>&1)"
first=$(grep -m1 -n 'smtp_tlsrpt_socket_name' "$R" | cut -d: -f1)
dropin_line=$(grep -m1 -n 'ListenDatagram=/' "$R" | cut -d: -f1)
check "README: the drop-in comes before the first main.cf socket name" test "$dropin_line" -lt "$first"
# The unchrooted case: main.cf names the shipped socket.
plain=$(fenced "Postfix integration" "" | sed -n 's/^smtp_tlsrpt_socket_name = //p')
check_eq "README main.cf snippet names the shipped socket" "$unit_sock" "$plain"
# Every socket name in the README is one of the two.
others=$(grep -o 'smtp_tlsrpt_socket_name = [^ `'"'"']*' "$R" | cut -d' ' -f3 | sort -u |
    grep -vxF -e "$plain" -e "$pf_rel")
check_eq "README: no other smtp_tlsrpt_socket_name" "" "$others"

# --- (e) transport = outbox, not outbox alone, keeps mail on the machine ------------------------
first_run=$(fenced "First run" ini)
check "README first run: transport = outbox" grep -qx 'transport = outbox' <<< "$first_run"
check "README first run: an outbox" grep -q '^outbox = /' <<< "$first_run"
check "README says outbox alone does not stop delivery" grep -qF \
    '**`transport = outbox` is what stops mail delivery; `outbox` alone does not.**' "$R"
ob_case() { # NAME KEY=VALUE...: one report of a.test sent with that configuration
    local name=$1
    shift
    mkdir -p "$T/ob-$name"
    write_config "$T/ob-$name.conf" storage.database="$T/ob-$name.sqlite" \
        dkim.key_file="$(dkim_key rsa-sha256)" delivery.dns_servers="127.0.0.1:$DNS_PORT" \
        delivery.smtp_url="smtp://127.0.0.1:$SMTP_PORT" "$@"
    "$TOOLS/sample_day" - | grep '"d": "example.com"' | head -n 3 |
        "$BIN" --config "$T/ob-$name.conf" record --time 2026-11-29T12:00:00Z --now 2026-11-29T12:00:00Z 2> /dev/null
    "$BIN" --config "$T/ob-$name.conf" --now "$NOW" aggregate 2> /dev/null
    "$BIN" --config "$T/ob-$name.conf" --now "$NOW" send 2> "$T/ob-$name.log"
}
ob_case alone delivery.outbox="$T/ob-alone"
check_eq "outbox alone: the mail still reaches the SMTP server" 1 "$(ls "$T/smtp" | grep -c '\.eml$')"
check_eq "outbox alone: ... and a copy is in the outbox" 1 "$(ls "$T/ob-alone" | grep -c '\.eml$')"
# The README's first-run lines, the outbox moved into $T.
ob_case readme $(echo "$first_run" | grep ' = ' | sed "s|^\([a-z_]*\) = /var/lib/tlsrpt/outbox|\1 = $T/ob-readme|" |
    sed 's/^\([a-z_]*\) = \(.*\)$/delivery.\1=\2/')
check_eq "transport = outbox: no mail reaches the SMTP server" 1 "$(ls "$T/smtp" | grep -c '\.eml$')"
check_eq "transport = outbox: the message is in the outbox" 1 "$(ls "$T/ob-readme" | grep -c '\.eml$')"

# --- (b) the troubleshooting filter lists a failed destination of a "sent" report ---------------
# a.test: the SMTP sink refuses (550), the HTTPS sink accepts, so the report is sent and its
# mailto: destination failed; b.test publishes no record.
echo 550 > "$T/smtp/mode"
add_report 2026-11-29 a.test > /dev/null
add_report 2026-11-29 b.test > /dev/null
write_config "$T/jq.conf"
"$BIN" --config "$T/jq.conf" --now "$NOW" send 2> "$T/send.log"
check_eq "a.test's report counts as sent" sent \
    "$("$BIN" --config "$T/jq.conf" reports --json | jq -r '.[] | select(.domain == "a.test") | .state')"
fenced Troubleshooting sh > "$T/filter.sh"
check "README: the troubleshooting filter found" grep -q '^tlsrpt reports --json | jq' "$T/filter.sh"
out=$(tlsrpt() { "$BIN" --config "$T/jq.conf" "$@"; }; . "$T/filter.sh")
check_eq "troubleshooting filter: runs" 0 $?
echo "$out" > "$T/filter.out"
check_eq "troubleshooting filter: lists the failed destination and why" 1 "$(jq -c \
    'select(.domain == "a.test" and .rua == "mailto:r@a.test" and .state == "failed"
        and (.["last-error"] | startswith("550")))' "$T/filter.out" | wc -l)"
check_eq "troubleshooting filter: lists the domain without a record" 1 \
    "$(jq -c 'select(.domain == "b.test" and .state == "no-record")' "$T/filter.out" | wc -l)"
check_eq "troubleshooting filter: not the destination that accepted" "" \
    "$(jq -c 'select(.rua | startswith("https:"))' "$T/filter.out")"

# --- (c) every summary field is explained --------------------------------------------------------
mkdir -p "$T/run"
write_config "$T/col.conf" storage.database="$T/col.sqlite"
start_collector "$T/col.conf" "$T/run/c.sock" || exit 1
"$TOOLS/dgram_send" "$T/run/c.sock" "$DATA"/vectors/libtlsrpt/0[1-3]-*.dgram > /dev/null
printf 'not json' > "$T/bad.dgram"
"$TOOLS/dgram_send" "$T/run/c.sock" "$T/bad.dgram" > /dev/null
wait_for 10 grep -q 'datagram rejected' "$T/collector.log"
stop_collector
"$BIN" --config "$T/jq.conf" --now 2026-11-30T06:00:00Z aggregate --day 2026-11-29 --force 2> "$T/agg.log"
summaries=$(grep -hE 'collector stopped |aggregated day=|send done |send finished ' \
    "$T/collector.log" "$T/agg.log" "$T/send.log")
check_eq "the four summary lines" 4 "$(echo "$summaries" | sed 's/=.*//' | sort -u | wc -l)"
keys=$(echo "$summaries" | grep -oE '(^| )[a-z_]+=' | tr -d ' =' | sort -u)
check "summary fields found" test "$(echo "$keys" | wc -l)" -ge 25
for k in $keys; do
    check "summary field $k explained (README or tlsrpt(8))" sh -c \
        "grep -qE '\`$k\`|(^|[ (\`])$k=' '$R' || grep -qE '\*$k\*|$k=' '$TOP/man/tlsrpt.8.scd'"
done

# --- (d) relative links resolve among the installed documentation -------------------------------
san=""
case "$BUILD" in */asan) san="SANITIZE=1" ;; esac
make -s -C "$TOP" BUILD="$BUILD" $san install DESTDIR="$T/stage" PREFIX=/usr > "$T/make.log" 2>&1
doc=$T/stage/usr/share/doc/tlsrpt
check "the README is installed" cmp -s "$R" "$doc/README.md"
links=$(grep -oE '\]\([^)]+\)' "$R" | sed 's/^](//; s/)$//; s/#.*//' | grep -vE '^(https?:|mailto:|$)')
for l in $links; do
    check "README link $l: installed next to the README" test -f "$doc/$l"
done
check "README: every path it gives in /usr/share/doc/tlsrpt is installed" sh -c "
    for f in \$(grep -oE '/usr/share/doc/tlsrpt/[A-Za-z0-9._-]+' '$R' | sort -u); do
        test -f '$T/stage'\$f || { echo \$f; exit 1; }; done"

# --- the backup command ---------------------------------------------------------------------------
line=$(fenced "Upgrades and backups" sh | grep '^sqlite3 -readonly .*\.backup')
check "README: the backup command found" test -n "$line"
line=$(echo "$line" | sed "s|/var/lib/tlsrpt/tlsrpt.sqlite|$T/jq-src.sqlite|; s|/var/backups/tlsrpt.sqlite|$T/backup.sqlite|")
cp "$T/tlsrpt.sqlite" "$T/jq-src.sqlite"
(eval "$line")
check_eq "README backup: exits 0" 0 $?
check_eq "README backup: a working copy" "$("$BIN" --db "$T/tlsrpt.sqlite" reports --all)" \
    "$("$BIN" --db "$T/backup.sqlite" reports --all 2>&1)"
check "README quotes the real downgrade message" sh -c \
    "grep -qF 'database schema version N is newer than this tlsrpt knows' '$R' &&
     grep -qF 'database schema version %d is newer than this tlsrpt knows' '$TOP/lib/db.c'"

# --- from source: the build packages go, the libraries the program loads stay -------------------
src=$(section Installation)
purged=$(echo "$src" | sed -n '/^apt-get purge/,/[^\\]$/p' | tr -d '\\\n' | sed 's/^apt-get purge//')
check "README purges build packages" test -n "$purged"
for p in $purged; do
    check "README purges $p: a build package of scripts/setup.sh, not a runtime one" sh -c \
        "sed -n '/^build_pkgs=/,/\"\$/p' '$TOP/scripts/setup.sh' | grep -qw -- '$p'"
done
check_eq "README purges every build package of scripts/setup.sh" \
    "$(sed -n '/^build_pkgs=/,/"$/p' "$TOP/scripts/setup.sh" | sed 's/^build_pkgs="//; s/"$//' | tr ' ' '\n' | grep . | sort | paste -sd' ')" \
    "$(echo $purged | tr ' ' '\n' | sort | paste -sd' ')"
# The apt-mark line's package list, for the program under test (apt-mark itself left out).
keep=$(echo "$src" | sed -n '/^libs=$(ldd/,/xargs apt-mark manual$/p' |
    sed "s|/usr/sbin/tlsrpt|$BIN|; s/| xargs apt-mark manual$//" | bash)
for p in libopendkim11 libjansson4 libsqlite3-0 libidn2-0 zlib1g; do
    check "README keeps $p (apt-mark manual)" grep -qx "$p" <<< "$keep"
done
check "README keeps the libcurl package" grep -q '^libcurl' <<< "$keep"

# --- the first run's commands, on yesterday's counters (the real clock), transport = outbox ------
sed "s|$T/ob-readme.sqlite|$T/first.sqlite|; s|$T/ob-readme\$|$T/first-outbox|" "$T/ob-readme.conf" > "$T/first.conf"
mkdir -p "$T/first-outbox"
yesterday=$(date -u -d yesterday +%F)
"$TOOLS/sample_day" - | grep '"d": "example.com"' | head -n 3 |
    "$BIN" --config "$T/first.conf" record --time "${yesterday}T12:00:00Z" 2> /dev/null
n=0
while IFS= read -r line; do
    line=${line#runuser -u tlsrpt -- }
    case "$line" in tlsrpt\ *) ;; *) continue ;; esac
    line=$(echo "$line" | sed 's/ *#.*$//')
    n=$((n + 1))
    (tlsrpt() { "$BIN" --config "$T/first.conf" "$@"; }; eval "$line") > "$T/first.out" 2>&1
    check_eq "README First run: $line" 0 $?
    case "$line" in *--dry-run*) cp "$T/first.out" "$T/dry.out" ;; esac
done < <(section "First run")
check "README First run: commands found" test "$n" -ge 3
check "README First run: the dry run says what it would send" grep -q 'action=would-send' "$T/dry.out"
check_eq "README First run: the dry run sent nothing" "" "$(ls "$T/first-outbox")"
