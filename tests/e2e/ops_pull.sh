#!/bin/bash
# README.md "Pulling from hosts": the account, the loop and the forced command, taken from the
# README as written, run on two local "hosts" (two databases, plus a third whose transfer is
# cut short) through a pipe. `ssh` is a stand-in that does what sshd does with the README's
# authorized_keys line: it runs the forced command with SSH_ORIGINAL_COMMAND through the login
# shell of the account the loop logs in to (the README's useradd line gives it; the shipped
# `tlsrpt` account's is nologin, which refuses), as that account: a user who may only read the
# host's database through its group (setpriv; as root). Everything else is the real tlsrpt.
# The reporting database then holds exactly the hosts' counters (totals equal the sum of the
# sources, row for row), pulling again changes nothing, and the cut transfer stored nothing
# until it is pulled whole. "Pushing with rsync": the reporting host's import script imports
# the good files, reports the cut one, and exits 0 so that the day's run goes on.
. "$(dirname "$0")/../lib.sh"
V="$DATA/vectors/libtlsrpt"
DAY=2026-11-29
R="$TOP/README.md"

section() { # the "Pulling from hosts" subsection
    awk '/^### Pulling from hosts/ { on = 1; next } on && /^#+ / { exit } on { print }' "$R"
}
# the ```sh block that is the script (#!/bin/sh), and the account's useradd line
section | awk '/^```sh/ { on = 1; n = 0; next } on && /^```/ { on = 0 }
    on && n++ == 0 && $0 != "#!/bin/sh" { on = 0 } on' > "$T/loop.sh"
forced=$(section | tr '\n' ' ' | sed -n 's/.*`command="\(.*\)",restrict .*/\1/p' | sed 's/\\"/"/g')
useradd=$(section | grep -m1 '^useradd ')
account=${useradd##* }
account_shell=$(echo "$useradd" | sed -n 's/.*--shell \([^ ]*\).*/\1/p')
check "README: the pull loop found" grep -q 'tlsrpt import --source "$host" -' "$T/loop.sh"
check "README: the forced command found" test -n "$forced"
check "README: the account has a login shell" test -x "$account_shell"
check "README: the account is in group tlsrpt (read access to the database)" \
    sh -c "echo '$useradd' | grep -qE -- '--groups ([^ ]*,)?tlsrpt(,| )'"
home=$(echo "$useradd" | sed -n 's/.*--home-dir \([^ ]*\).*/\1/p')
check "README: authorized_keys in the account's home" grep -qF "$home/.ssh/authorized_keys" "$R"
check "README: the loop logs in to that account" grep -qF "\"$account@\$host" "$T/loop.sh"
# The shipped account: sysusers.d gives a system user whose line ends at the home directory
# (no shell field) the shell nologin.
check_eq "the shipped tlsrpt account has no shell field (nologin)" /var/lib/tlsrpt \
    "$(awk '$1 == "u" && $2 == "tlsrpt" { print $NF }' "$TOP/systemd/tlsrpt.sysusers")"

# Three hosts' databases; mx1 and mx2 share domains (09-12 on both), mx3's transfer is cut.
# Each host's database is $T/HOST/tlsrpt.sqlite, its directory and files owned by root and
# group nogroup (standing in for group tlsrpt), no access for others.
record() { # HOST VECTOR...
    local db=$T/$1/tlsrpt.sqlite
    shift
    mkdir -p "$(dirname "$db")"
    for f in "$@"; do cat "$f"; echo; done | tlsrpt --db "$db" record --time "${DAY}T10:20:00Z" --now "${DAY}T10:20:00Z" 2> /dev/null
    chgrp -R nogroup "$(dirname "$db")"
    chmod 0750 "$(dirname "$db")"
    chmod 0640 "$db"*
}
record mx1 "$V"/0*.dgram "$V"/1[0-2]-*.dgram "$V"/04-*.dgram
record mx2 "$V"/09-*.dgram "$V"/1*.dgram "$V"/2*.dgram
record mx3 "$V"/01-*.dgram "$V"/2*.dgram
touch "$T/mx3.cut"
# As root: the forced command runs as nobody in group nogroup only (no write access anywhere
# near the database); otherwise as this user.
as_account=""
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
    as_account="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    check "nobody cannot read a host database except through the group" \
        test "$(stat -c %a "$T/mx1") $(stat -c %a "$T/mx1/tlsrpt.sqlite")" = "750 640"
else
    echo "SKIP ops_pull as nobody: needs root and setpriv"
fi

mkdir "$T/bin"
# Runs as another user (nobody) go without $TLSRPT_WRAPPER, as in ops_readonly: valgrind
# could not write its log where the suite keeps them.
cat > "$T/bin/tlsrpt" <<EOF
#!/bin/sh
if [ "\$(id -u)" = "$(id -u)" ]; then
    exec ${TLSRPT_WRAPPER:-} "$BIN" --db "\$TLSRPT_TEST_DB" "\$@"
fi
exec "$BIN" --db "\$TLSRPT_TEST_DB" "\$@"
EOF
cat > "$T/bin/ssh" <<EOF
#!/bin/bash
# ssh [-o OPTION]... USER@HOST.DOMAIN DAY: the forced command on HOST, as sshd runs it: through
# USER's login shell (the README's account, or nologin for the shipped tlsrpt), as USER
while [ "\$1" = -o ]; do shift 2; done
user=\${1%%@*}
host=\${1#*@}
host=\${host%%.*}
case "\$user" in
$account) shell=$account_shell ;;
tlsrpt) shell=/usr/sbin/nologin ;;
*) echo "\$user@\$host: Permission denied (publickey)." >&2; exit 255 ;;
esac
[ -e "$T/\$host/tlsrpt.sqlite" ] || { echo "ssh: \$host: no route to host" >&2; exit 255; }
export SSH_ORIGINAL_COMMAND="\$2" TLSRPT_TEST_DB="$T/\$host/tlsrpt.sqlite"
if [ -e "$T/\$host.cut" ]; then
    $as_account "\$shell" -c '$(echo "$forced" | sed 's|/usr/sbin/tlsrpt|tlsrpt|')' | head -c 300
else
    exec $as_account "\$shell" -c '$(echo "$forced" | sed 's|/usr/sbin/tlsrpt|tlsrpt|')'
fi
EOF
chmod +x "$T/bin/tlsrpt" "$T/bin/ssh"
sed -i "s/^day=.*/day=$DAY/; s/^for host in mx1 mx2;/for host in mx1 mx2 mx3;/" "$T/loop.sh"
check "the loop pulls mx1, mx2 and mx3" grep -q '^for host in mx1 mx2 mx3;' "$T/loop.sh"

pull() { PATH="$T/bin:$PATH" TLSRPT_TEST_DB="$T/reporting.sqlite" bash "$T/loop.sh" 2> "$T/pull.log"; }
sum() { sqlite3 -readonly "$1" "SELECT coalesce(sum(successful + failed), 0) FROM session_counts WHERE source = '$2'"; }
rows() { # DB SOURCE: every counter of SOURCE with its texts, source left out
    sqlite3 -readonly "$1" "SELECT s.hour, s.report_domain, r.record, p.policy_type, p.policy_domain,
        p.policy_strings, p.mx_hosts, s.successful, s.failed FROM session_counts s
        JOIN tlsrpt_records r ON r.id = s.record_id JOIN policies p ON p.id = s.policy_id
        WHERE s.source = '$2' ORDER BY 1, 2, 3, 4, 5, 6, 7;
        SELECT f.hour, f.report_domain, d.result_type, d.sending_mta_ip, d.receiving_mx_hostname,
        d.receiving_mx_helo, d.receiving_ip, d.additional_information, d.failure_reason_code,
        f.count FROM failure_counts f JOIN failure_details d ON d.id = f.detail_id
        WHERE f.source = '$2' ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
}
R_DB="$T/reporting.sqlite"
tlsrpt --db "$R_DB" stats > /dev/null 2>&1

pull
check_eq "the loop exits 0" 0 $?
check "a cut transfer is reported" grep -q 'pulling mx3 failed' "$T/pull.log"
check "... and refused by import" grep -q 'import failed file=- .*mx3\|import failed file=- .*truncated\|damaged' "$T/pull.log"
check_eq "nothing of the cut transfer is stored" 0 "$(sum "$R_DB" mx3)"
check_eq "mx1's counters arrive row for row" "$(rows "$T/mx1/tlsrpt.sqlite" '')" "$(rows "$R_DB" mx1)"
check_eq "mx2's counters arrive row for row" "$(rows "$T/mx2/tlsrpt.sqlite" '')" "$(rows "$R_DB" mx2)"
total=$(sqlite3 "$R_DB" "SELECT sum(successful + failed) FROM session_counts")
check_eq "merged total = sum of the sources" "$(( $(sum "$T/mx1/tlsrpt.sqlite" '') + $(sum "$T/mx2/tlsrpt.sqlite" '') ))" "$total"
details=$(sqlite3 "$R_DB" "SELECT sum(count) FROM failure_counts")
want_details=$(( $(sqlite3 -readonly "$T/mx1/tlsrpt.sqlite" "SELECT sum(count) FROM failure_counts") + $(sqlite3 -readonly "$T/mx2/tlsrpt.sqlite" "SELECT sum(count) FROM failure_counts") ))
check_eq "merged failure-detail counts = sum of the sources" "$want_details" "$details"

before=$(rows "$R_DB" mx1; rows "$R_DB" mx2)
pull
check_eq "pulling again exits 0" 0 $?
check_eq "pulling again changes nothing (replaces, never doubles)" "$before" "$(rows "$R_DB" mx1; rows "$R_DB" mx2)"
check "... and says what it replaced" grep -q 'source=mx1 day=2026-11-29 format=compact .*replaced_rows=[1-9]' "$T/pull.log"

rm "$T/mx3.cut"
pull
check "mx3 pulled whole: no failure" sh -c "! grep -q failed '$T/pull.log'"
check_eq "mx3's counters arrive row for row" "$(rows "$T/mx3/tlsrpt.sqlite" '')" "$(rows "$R_DB" mx3)"
check_eq "the merged total is the sum of the three hosts" \
    "$(( $(sum "$T/mx1/tlsrpt.sqlite" '') + $(sum "$T/mx2/tlsrpt.sqlite" '') + $(sum "$T/mx3/tlsrpt.sqlite" '') ))" \
    "$(sqlite3 "$R_DB" "SELECT sum(successful + failed) FROM session_counts")"
check "the forced command refuses anything but a day" sh -c \
    "PATH='$T/bin:$PATH' ssh $account@mx1.example.net 'x; id' > /dev/null 2>&1; test \$? -eq 2"
check "the shipped tlsrpt account could not run it (nologin)" sh -c \
    "PATH='$T/bin:$PATH' ssh tlsrpt@mx1.example.net $DAY 2>&1 | grep -q 'not available'"

# --- README.md "Pushing with rsync": the reporting host's import script ---------------------------
push=$(awk '/^### Pushing with rsync/ { on = 1; next } on && /^#+ / { exit } on { print }' "$R")
echo "$push" | awk '/^```sh/ { on = 1; b = ""; next } on && /^```/ { on = 0; if (b ~ /tlsrpt import/) printf "%s", b; next }
    on { b = b $0 "\n" }' > "$T/import.sh"
check "README push: the import script found" grep -q 'tlsrpt import "$f"' "$T/import.sh"
mkdir "$T/incoming"
sed -i "s|/var/lib/tlsrpt-import/incoming|$T/incoming|; s/^day=.*/day=$DAY/" "$T/import.sh"
TLSRPT_TEST_DB="$T/mx1/tlsrpt.sqlite" "$T/bin/tlsrpt" export --day "$DAY" --source mx1 > "$T/incoming/mx1-$DAY.gz"
TLSRPT_TEST_DB="$T/mx2/tlsrpt.sqlite" "$T/bin/tlsrpt" export --day "$DAY" --source mx2 | head -c 300 > "$T/incoming/mx2-$DAY.gz"
P_DB="$T/pushed.sqlite"
tlsrpt --db "$P_DB" stats > /dev/null 2>&1
PATH="$T/bin:$PATH" TLSRPT_TEST_DB="$P_DB" sh "$T/import.sh" 2> "$T/import.log"
check_eq "README push: the import script exits 0 with a cut file among the good ones" 0 $?
check "README push: ... says which failed" grep -q "importing $T/incoming/mx2-$DAY.gz failed" "$T/import.log"
check_eq "README push: mx1's counters imported row for row" "$(rows "$T/mx1/tlsrpt.sqlite" '')" "$(rows "$P_DB" mx1)"
check_eq "README push: nothing of the cut file" 0 "$(sum "$P_DB" mx2)"
