#!/bin/bash
# One exit-code table for every command (issue 12 item 3; tlsrpt(8) EXIT STATUS): 0 done,
# 1 an operator must act, 2 a bad command line, 75 try again later. Each command's main
# failure modes: a database from a newer tlsrpt (1 everywhere; send used to exit 75, so the
# timer retried forever), a database locked by another process past the busy timeout (75
# everywhere), a missing configuration file (1), a bad option (2); errors read
# "tlsrpt CMD: error: ...".
. "$(dirname "$0")/../lib.sh"

V="$DATA/vectors/libtlsrpt"
NOW=2026-11-30T06:00:00Z
DAY=2026-11-29
mkdir -p "$T/outbox"
conf=$T/c.conf
cat > "$conf" << EOF
[collector]
socket = $T/collector.sock
user =
[report]
organization_name = Org
contact_info = tlsrpt@reporter.example
[delivery]
transport = outbox
outbox = $T/outbox
dns_servers = 127.0.0.1:1
EOF
good=$T/good.sqlite
for f in "$V"/0[1-5]-*.dgram; do cat "$f"; echo; done |
    tlsrpt --config "$conf" --db "$good" --now "$NOW" record --time "${DAY}T10:00:00Z" 2> /dev/null
tlsrpt --config "$conf" --db "$good" --now "$NOW" aggregate --day "$DAY" 2> /dev/null
id=$(sqlite3 -readonly "$good" "SELECT report_id FROM reports LIMIT 1")
tlsrpt --config "$conf" --db "$good" export --day "$DAY" --source mx2 > "$T/mx2.jsonl" 2> /dev/null
check "setup: a report and an export" test -n "$id" -a -s "$T/mx2.jsonl"

# Every command with arguments that reach the database.
commands=(
    "stats"
    "reports"
    "show $id"
    "metrics"
    "export --day $DAY"
    "record --time ${DAY}T11:00:00Z"
    "import $T/mx2.jsonl"
    "aggregate --day $DAY --force"
    "send"
    "daily"
    "collect --socket $T/c.sock"
)
# run_cmd DB "COMMAND ARGS" OUT ERR: the command's exit status
run_cmd() {
    local db=$1 c=$2
    # shellcheck disable=SC2086
    tlsrpt --config "$conf" --db "$db" --now "$NOW" $c < "$V/01-sts-success.dgram" > "$3" 2> "$4"
}

# --- a database from a newer tlsrpt: 1 (an operator) for every command --------------------------
cp "$good" "$T/newer.sqlite"
sqlite3 "$T/newer.sqlite" "INSERT INTO schema_version VALUES (999, '999-future.sql', '2027-01-01T00:00:00Z')"
for c in "${commands[@]}"; do
    name=${c%% *}
    run_cmd "$T/newer.sqlite" "$c" "$T/out" "$T/err"
    rc=$?
    check_eq "newer schema: $name exits 1" 1 "$rc"
    check "newer schema: $name says why" \
        grep -q "^tlsrpt $name: error: .*schema version 999 is newer than this tlsrpt knows" "$T/err"
done

# --- a database locked by another process: 75 (again later) for every command --------------------
# The holder takes the exclusive lock of a write transaction in exclusive locking mode, which
# shuts out readers too; every command waits out its 10 s busy timeout, all at once.
cp "$good" "$T/locked.sqlite"
rm -f "$T/lock.fifo"
mkfifo "$T/lock.fifo"
cat > "$T/lock.py" << 'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("PRAGMA locking_mode = EXCLUSIVE")
c.execute("BEGIN EXCLUSIVE")
c.execute("UPDATE session_counts SET successful = successful + 1")
print("locked", flush=True)
sys.stdin.read()
c.execute("COMMIT")
EOF
$PY "$T/lock.py" "$T/locked.sqlite" < "$T/lock.fifo" > "$T/lock.out" 2>&1 &
holder=$!
on_exit "kill -9 $holder 2> /dev/null"
exec 3> "$T/lock.fifo"
wait_for 10 grep -q locked "$T/lock.out"
i=0
pids=()
for c in "${commands[@]}"; do
    i=$((i + 1))
    (run_cmd "$T/locked.sqlite" "$c" "$T/l$i.out" "$T/l$i.err"; echo $? > "$T/l$i.rc") &
    pids+=($!)
done
wait "${pids[@]}"
exec 3>&-
wait "$holder"
i=0
for c in "${commands[@]}"; do
    i=$((i + 1))
    name=${c%% *}
    check_eq "locked database: $name exits 75" 75 "$(cat "$T/l$i.rc")"
    check "locked database: $name says so" grep -q "^tlsrpt $name: error: .*database is locked" \
        "$T/l$i.err"
done

# --- a missing configuration file: 1 ---------------------------------------------------------
for c in "${commands[@]}" "check-config"; do
    name=${c%% *}
    # shellcheck disable=SC2086
    tlsrpt --config "$T/no-such.conf" --db "$good" $c < /dev/null > /dev/null 2> "$T/err"
    check_eq "missing configuration: $name exits 1" 1 $?
    check "missing configuration: $name says so" \
        grep -q "^tlsrpt $name: error: $T/no-such.conf: No such file or directory" "$T/err"
done

# --- a bad command line: 2 ----------------------------------------------------------------------
for c in "${commands[@]}" "check-config"; do
    name=${c%% *}
    tlsrpt --config "$conf" --db "$good" "$name" --no-such-option > /dev/null 2> "$T/err"
    check_eq "bad option: $name exits 2" 2 $?
    check_eq "bad option: $name: tlsrpt CMD: error: first" \
        "tlsrpt $name: error: unrecognized option '--no-such-option'" "$(head -n 1 "$T/err")"
done
tlsrpt --config "$conf" no-such-command 2> "$T/err"
check_eq "unknown command exits 2" 2 $?
check_eq "unknown command: tlsrpt: error:" 'tlsrpt: error: unknown command "no-such-command"' \
    "$(head -n 1 "$T/err")"
tlsrpt --config "$conf" 2> /dev/null
check_eq "no command exits 2" 2 $?

# --- done: 0 ------------------------------------------------------------------------------------
for c in "stats" "reports" "show $id" "metrics" "export --day $DAY"; do
    run_cmd "$good" "$c" "$T/out" "$T/err"
    check_eq "good database: ${c%% *} exits 0" 0 $?
done
