#!/bin/bash
# Read commands (issue 12 item 1): stats, reports, show, metrics and export open the database
# read-only. A mistyped path is "no database at PATH (has the collector run yet?)", exit 1,
# and no file is created. A user who may read the database files, but not write them or
# their directory, can run every read command, and sees what is committed in the WAL: while
# a writer holds the WAL open, after a writer was killed, and after a writer that deleted its
# -wal and -shm (an older tlsrpt: the immutable fallback). Nothing is written. A schema older
# than the program is refused by readers (no migration), not upgraded behind the writer's back.
# The nobody part needs root and setpriv; otherwise it prints SKIP for it.
. "$(dirname "$0")/../lib.sh"

V="$DATA/vectors/libtlsrpt"
NOW=2026-11-30T06:00:00Z
DAY=2026-11-29
conf=$T/c.conf
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$conf"
chmod 644 "$conf"

# --- a mistyped path ------------------------------------------------------------------------
mkdir "$T/empty"
missing=$T/empty/tlsrpt.sqlit
for args in "stats" "reports" "show 0123456789abcdef" "metrics" "export --day $DAY"; do
    # shellcheck disable=SC2086
    tlsrpt --config "$conf" --db "$missing" --now "$NOW" $args > "$T/out" 2> "$T/err"
    rc=$?
    check_eq "missing database: ${args%% *} exits 1" 1 "$rc"
    check_eq "missing database: ${args%% *} says so" \
        "tlsrpt ${args%% *}: error: no database at $missing (has the collector run yet?)" \
        "$(cat "$T/err")"
    check_eq "missing database: ${args%% *} prints nothing on stdout" "" "$(cat "$T/out")"
done
check_eq "missing database: no file was created" "" "$(ls -A "$T/empty")"
tlsrpt --config "$conf" --db "$T/nodir/x.sqlite" stats 2> "$T/err"
check_eq "missing directory: exit 1" 1 $?
check "missing directory: no database at" grep -q "no database at $T/nodir/x.sqlite" "$T/err"

# --- a database with counters and a report ----------------------------------------------------
mkdir "$T/state"
db=$T/state/tlsrpt.sqlite
for f in "$V"/0[1-8]-*.dgram; do cat "$f"; echo; done |
    tlsrpt --config "$conf" --db "$db" --now "$NOW" record --time "${DAY}T10:00:00Z" 2> /dev/null
tlsrpt --config "$conf" --db "$db" --now "$NOW" aggregate --day "$DAY" 2> /dev/null
# sqlite3 -readonly: a read-write sqlite3 shell would delete -wal and -shm when it closes
id=$(sqlite3 -readonly "$db" "SELECT report_id FROM reports LIMIT 1")
check "a report to show" test -n "$id"
check_eq "the writer left -wal (empty) and -shm for readers" "0 yes" \
    "$(stat -c %s "$db-wal") $([ -e "$db-shm" ] && echo yes)"
total() { sqlite3 -readonly "$db" "SELECT sum(successful) FROM session_counts"; }

# --- older schema: refused by readers, not migrated ----------------------------------------
# Built as db_open does, with every migration but the last.
migrations=("$TOP"/schema/[0-9]*.sql)
{
    echo "PRAGMA journal_mode = WAL;"
    echo "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"
    for f in "${migrations[@]:0:${#migrations[@]}-1}"; do
        cat "$f"
        b=$(basename "$f")
        echo "INSERT INTO schema_version VALUES (${b%%-*} + 0, '$b', '2026-01-01T00:00:00Z');"
    done
} | sqlite3 "$T/old.sqlite" > /dev/null
before=$(sqlite3 "$T/old.sqlite" "SELECT max(version) FROM schema_version")
check "older schema: built" test "$before" -gt 0
tlsrpt --config "$conf" --db "$T/old.sqlite" stats > /dev/null 2> "$T/err"
check_eq "older schema: stats exits 1" 1 $?
check "older schema: says so" grep -q "schema version $before is older than this tlsrpt's" "$T/err"
check_eq "older schema: not migrated by a reader" "$before" \
    "$(sqlite3 "$T/old.sqlite" "SELECT max(version) FROM schema_version")"
tlsrpt --config "$conf" --db "$T/old.sqlite" record < /dev/null 2> /dev/null
check_eq "older schema: a writer migrates it" 0 $?
tlsrpt --config "$conf" --db "$T/old.sqlite" stats > /dev/null 2>&1
check_eq "older schema: after the writer, stats works" 0 $?

if [ "$(id -u)" -ne 0 ] || ! command -v setpriv > /dev/null; then
    echo "SKIP ops_readonly as nobody: needs root and setpriv"
    exit 0
fi

# --- as nobody: may read the files, not write them nor the directory ------------------------
chgrp nogroup "$db" "$db-wal" "$db-shm"
chmod 0640 "$db" "$db-wal" "$db-shm"
chmod 0755 "$T/state"
ro() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$BIN" --config "$conf" --db "$db" \
    --now "$NOW" "$@"; }
snapshot() { (cd "$T/state" && ls -l --time-style=+%s.%N . && sha256sum tlsrpt.sqlite); }
expect=$(total)
snapshot > "$T/before"
check "nobody cannot write the directory" \
    test "$(setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "touch '$T/state/x' 2>&1; echo \$?")" != 0
check "nobody cannot write the database" \
    test "$(setpriv --reuid=nobody --regid=nogroup --clear-groups sh -c "echo >> '$db'; echo \$?" 2> /dev/null)" != 0

stats_total() { ro stats --by day --json 2> "$T/ro.err" | $PY -c 'import json,sys; print(sum(r["successful"] for r in json.load(sys.stdin)))'; }
check_eq "nobody: stats reads the counters" "$expect" "$(stats_total)"
check_eq "nobody: stats printed no error" "" "$(cat "$T/ro.err")"
ro reports --json > "$T/reports.json" 2> "$T/ro.err"
check_eq "nobody: reports exits 0" 0 $?
check "nobody: reports lists the report" grep -q "\"report-id\": \"$id\"" "$T/reports.json"
ro show "$id" > "$T/show.json" 2> "$T/ro.err"
check_eq "nobody: show exits 0" 0 $?
check "nobody: show prints the report" grep -q "\"report-id\": \"$id\"" "$T/show.json"
ro metrics --hours 48 > "$T/m.prom" 2> "$T/ro.err"
check_eq "nobody: metrics exits 0" 0 $?
check "nobody: metrics has the sessions" grep -q '^tlsrpt_sessions{' "$T/m.prom"
ro export --no-gzip --day "$DAY" --source mx1 > "$T/export.txt" 2> "$T/ro.err"
check_eq "nobody: export exits 0" 0 $?
check "nobody: export has its end line" grep -q "^e " "$T/export.txt"
snapshot > "$T/after"
check "nobody: nothing was created or written" cmp -s "$T/before" "$T/after"

# --- committed content that is only in the WAL ------------------------------------------------
# A writer (like the collector) commits and keeps the connection: no checkpoint, so the rows
# are only in the -wal file.
rm -f "$T/hold.fifo"
mkfifo "$T/hold.fifo"
cat > "$T/hold.py" << 'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA wal_autocheckpoint = 0")
c.execute("UPDATE session_counts SET successful = successful + 1000")
print("committed", flush=True)
sys.stdin.read()  # until the test closes the FIFO
EOF
$PY "$T/hold.py" "$db" < "$T/hold.fifo" > "$T/hold.out" 2>&1 &
holder=$!
on_exit "kill -9 $holder 2> /dev/null"
exec 3> "$T/hold.fifo"
wait_for 10 grep -q committed "$T/hold.out"
check "the WAL holds the commit" test "$(stat -c %s "$db-wal")" -gt 0
check_eq "nobody: stats sees the WAL commit (writer still open)" "$(total)" "$(stats_total)"
check "... which is not yet in the main file" \
    test "$(sqlite3 "file:$db?immutable=1" "SELECT sum(successful) FROM session_counts")" != "$(total)"
kill -9 "$holder"
wait "$holder" 2> /dev/null || true
exec 3>&-
check_eq "nobody: stats sees the WAL commit (writer killed, no checkpoint)" "$(total)" "$(stats_total)"

# --- a writer that deletes -wal and -shm on close (an older tlsrpt, the sqlite3 shell) -------
sqlite3 "$db" "UPDATE session_counts SET successful = successful + 1"
check_eq "the sqlite3 shell removed -wal and -shm" "no no" \
    "$([ -e "$db-wal" ] && echo yes || echo no) $([ -e "$db-shm" ] && echo yes || echo no)"
got=$(stats_total)
check_eq "nobody: stats creates neither" "no no" \
    "$([ -e "$db-wal" ] && echo yes || echo no) $([ -e "$db-shm" ] && echo yes || echo no)"
check_eq "nobody: stats reads it without -wal and -shm (immutable)" \
    "$(sqlite3 "file:$db?immutable=1" "SELECT sum(successful) FROM session_counts")" "$got"

# --- a missing -shm next to a -wal: not readable without write access; said so -------------
tlsrpt --config "$conf" --db "$db" record < /dev/null 2> /dev/null # recreates -wal and -shm
chgrp nogroup "$db-wal" "$db-shm"
rm -f "$db-shm"
ro stats > /dev/null 2> "$T/ro.err"
check_eq "-wal without -shm: exit 1" 1 $?
check "-wal without -shm: the message says what reading needs" \
    grep -q "reading needs read access to the database and its -wal and -shm files" "$T/ro.err"
