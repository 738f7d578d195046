#!/bin/bash
# README.md "Pulling from hosts": the loop and the forced command, taken from the
# README as written, run on two local "hosts" (two databases, plus a third whose transfer is
# cut short) through a pipe. `ssh` is a stand-in that runs the README's forced command as sshd
# would, with SSH_ORIGINAL_COMMAND, against that host's database; everything else is the
# real tlsrpt. The reporting database then holds exactly the hosts' counters (totals equal
# the sum of the sources, row for row), pulling again changes nothing, and the cut transfer
# stored nothing until it is pulled whole.
. "$(dirname "$0")/../lib.sh"
V="$DATA/vectors/libtlsrpt"
DAY=2026-11-29
R="$TOP/README.md"

section() { # the "Pulling from hosts" subsection
    awk '/^### Pulling from hosts/ { on = 1; next } on && /^#+ / { exit } on { print }' "$R"
}
section | awk '/^```sh/ { on = 1; next } on && /^```/ { exit } on { print }' > "$T/loop.sh"
forced=$(section | tr '\n' ' ' | sed -n 's/.*`command="\(.*\)",restrict .*/\1/p' | sed 's/\\"/"/g')
check "README: the pull loop found" grep -q 'tlsrpt import --source "$host" -' "$T/loop.sh"
check "README: the forced command found" test -n "$forced"

# Three hosts' databases; mx1 and mx2 share domains (09-12 on both), mx3's transfer is cut.
record() { # DB VECTOR...
    local db=$1
    shift
    for f in "$@"; do cat "$f"; echo; done | tlsrpt --db "$db" record --time "${DAY}T10:20:00Z" --now "${DAY}T10:20:00Z" 2> /dev/null
}
record "$T/mx1.sqlite" "$V"/0*.dgram "$V"/1[0-2]-*.dgram "$V"/04-*.dgram
record "$T/mx2.sqlite" "$V"/09-*.dgram "$V"/1*.dgram "$V"/2*.dgram
record "$T/mx3.sqlite" "$V"/01-*.dgram "$V"/2*.dgram
touch "$T/mx3.cut"

mkdir "$T/bin"
cat > "$T/bin/tlsrpt" <<EOF
#!/bin/sh
exec ${TLSRPT_WRAPPER:-} "$BIN" --db "\$TLSRPT_TEST_DB" "\$@"
EOF
cat > "$T/bin/ssh" <<EOF
#!/bin/bash
# ssh [-o OPTION]... tlsrpt@HOST.DOMAIN DAY: the forced command on HOST, as sshd runs it
while [ "\$1" = -o ]; do shift 2; done
host=\${1#tlsrpt@}
host=\${host%%.*}
[ -e "$T/\$host.sqlite" ] || { echo "ssh: \$host: no route to host" >&2; exit 255; }
export SSH_ORIGINAL_COMMAND="\$2" TLSRPT_TEST_DB="$T/\$host.sqlite"
if [ -e "$T/\$host.cut" ]; then
    sh -c '$(echo "$forced" | sed 's|/usr/sbin/tlsrpt|tlsrpt|')' | head -c 300
else
    exec sh -c '$(echo "$forced" | sed 's|/usr/sbin/tlsrpt|tlsrpt|')'
fi
EOF
chmod +x "$T/bin/tlsrpt" "$T/bin/ssh"
sed -i "s/^day=.*/day=$DAY/; s/^for host in mx1 mx2;/for host in mx1 mx2 mx3;/" "$T/loop.sh"
check "the loop pulls mx1, mx2 and mx3" grep -q '^for host in mx1 mx2 mx3;' "$T/loop.sh"

pull() { PATH="$T/bin:$PATH" TLSRPT_TEST_DB="$T/reporting.sqlite" bash "$T/loop.sh" 2> "$T/pull.log"; }
sum() { sqlite3 "$1" "SELECT coalesce(sum(successful + failed), 0) FROM session_counts WHERE source = '$2'"; }
rows() { # DB SOURCE: every counter of SOURCE with its texts, source left out
    sqlite3 "$1" "SELECT s.hour, s.report_domain, r.record, p.policy_type, p.policy_domain,
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
check_eq "mx1's counters arrive row for row" "$(rows "$T/mx1.sqlite" '')" "$(rows "$R_DB" mx1)"
check_eq "mx2's counters arrive row for row" "$(rows "$T/mx2.sqlite" '')" "$(rows "$R_DB" mx2)"
total=$(sqlite3 "$R_DB" "SELECT sum(successful + failed) FROM session_counts")
check_eq "merged total = sum of the sources" "$(( $(sum "$T/mx1.sqlite" '') + $(sum "$T/mx2.sqlite" '') ))" "$total"
details=$(sqlite3 "$R_DB" "SELECT sum(count) FROM failure_counts")
want_details=$(( $(sqlite3 "$T/mx1.sqlite" "SELECT sum(count) FROM failure_counts") + $(sqlite3 "$T/mx2.sqlite" "SELECT sum(count) FROM failure_counts") ))
check_eq "merged failure-detail counts = sum of the sources" "$want_details" "$details"

before=$(rows "$R_DB" mx1; rows "$R_DB" mx2)
pull
check_eq "pulling again exits 0" 0 $?
check_eq "pulling again changes nothing (replaces, never doubles)" "$before" "$(rows "$R_DB" mx1; rows "$R_DB" mx2)"
check "... and says what it replaced" grep -q 'source=mx1 day=2026-11-29 format=compact .*replaced_rows=[1-9]' "$T/pull.log"

rm "$T/mx3.cut"
pull
check "mx3 pulled whole: no failure" sh -c "! grep -q failed '$T/pull.log'"
check_eq "mx3's counters arrive row for row" "$(rows "$T/mx3.sqlite" '')" "$(rows "$R_DB" mx3)"
check_eq "the merged total is the sum of the three hosts" \
    "$(( $(sum "$T/mx1.sqlite" '') + $(sum "$T/mx2.sqlite" '') + $(sum "$T/mx3.sqlite" '') ))" \
    "$(sqlite3 "$R_DB" "SELECT sum(successful + failed) FROM session_counts")"
check "the forced command refuses anything but a day" sh -c \
    "PATH='$T/bin:$PATH' ssh tlsrpt@mx1.example.net 'x; id' > /dev/null 2>&1; test \$? -eq 2"
