#!/bin/bash
# Long runs show progress (issue 5, item 6): on a terminal, `aggregate` draws a live line with
# the count, the total and the rate (lib/progress.c), as `send` does (tested in
# reporter_transports.sh); without a terminal (systemd, cron, pipes) only the summary line is
# logged. The terminal is util-linux `script`.
. "$(dirname "$0")/../lib.sh"
command -v script > /dev/null || { fail "util-linux script is installed" "needed for a terminal"; exit 1; }
DB="$T/p.sqlite"
printf '[report]\ncontact_info = tlsrpt@sender.example\n' > "$T/p.conf"
"$TOOLS/sample_day" - | tlsrpt --config "$T/p.conf" --db "$DB" record --time 2026-11-28T12:00:00Z --now 2026-11-28T12:00:00Z 2> /dev/null
NOW=2026-11-29T01:00:00Z

# Without a terminal: no live line, the summary lines.
tlsrpt --config "$T/p.conf" --db "$DB" --now $NOW aggregate 2> "$T/pipe.log"
check_eq "aggregate without a terminal exits 0" 0 $?
check "no live line without a terminal" sh -c "! grep -q \$(printf '\r') '$T/pipe.log'"
check "no count/total line without a terminal" sh -c "! grep -q 'aggregate: [0-9]*/' '$T/pipe.log'"
check "summary: aggregate done count=7 with the rate" \
    grep -qE '^tlsrpt aggregate: info: aggregate done count=7 seconds=[0-9.]+ rate=[0-9]+/s$' "$T/pipe.log"
check "summary: what was aggregated" grep -q 'aggregated day=2026-11-28 domains=7 created=7' "$T/pipe.log"

# On a terminal: the live line with count, total, percentage and rate, erased at the end.
rm -f "$DB"
"$TOOLS/sample_day" - | tlsrpt --config "$T/p.conf" --db "$DB" record --time 2026-11-28T12:00:00Z --now 2026-11-28T12:00:00Z 2> /dev/null
script -qec "$BIN --config $T/p.conf --db $DB --now $NOW aggregate" /dev/null > "$T/tty.out" 2>&1
check "on a terminal: count, total, percentage and rate" \
    grep -qE 'aggregate: [1-7]/7 \([0-9]+%\) [0-9]+/s' "$T/tty.out"
check "on a terminal: the line is erased before the summary" grep -q $'\r\033\[K' "$T/tty.out"
check "on a terminal: the summary line too" grep -q 'aggregate done count=7 ' "$T/tty.out"
check_eq "on a terminal: the reports were made" 7 \
    "$(sqlite3 -batch -noheader "$DB" 'SELECT count(*) FROM reports')"
# A second run leaves the 7 existing reports alone and still counts them as done.
script -qec "$BIN --config $T/p.conf --db $DB --now $NOW aggregate" /dev/null > "$T/tty2.out" 2>&1
check "second run: the existing reports count as done" grep -qE 'aggregate: [1-7]/7 ' "$T/tty2.out"
check "second run: summary count=7" grep -q 'aggregate done count=7 ' "$T/tty2.out"
