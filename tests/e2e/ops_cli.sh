#!/bin/bash
# The command line (issue 12 items 4 and 8): `tlsrpt help`, `tlsrpt help CMD` and
# `tlsrpt CMD --help` print the synopsis and one line per option, made from tlsrpt(8) at build
# time (man/help.awk); global options are accepted after the command; errors read
# "tlsrpt CMD: error: ..."; record --time refuses times beyond its limits, naming them.
# (tests/tools/man_check.py, run by ops_man, checks every command's help against its getopt
# table and the man page.)
. "$(dirname "$0")/../lib.sh"

V="$DATA/vectors/libtlsrpt"
M="$TOP/man/tlsrpt.8.scd"

# --- help ----------------------------------------------------------------------------------
tlsrpt help > "$T/help" 2>&1
check_eq "tlsrpt help exits 0" 0 $?
tlsrpt --help > "$T/dash-help" 2>&1
check "tlsrpt help is tlsrpt --help" cmp -s "$T/help" "$T/dash-help"
check "tlsrpt help: the help command in the synopsis" grep -q '^       tlsrpt help \[COMMAND\]$' "$T/help"
check "tlsrpt help: --now with one line" \
    grep -q '^  -n, --now TIME  *Take TIME as the current time, everywhere (the Date and DKIM t= of reports too)\.$' "$T/help"
check "tlsrpt help: lists stats" grep -q '^  stats  ' "$T/help"

tlsrpt help record > "$T/h-record"
check_eq "tlsrpt help record exits 0" 0 $?
tlsrpt record --help > "$T/record-help"
check "tlsrpt help record = tlsrpt record --help" cmp -s "$T/h-record" "$T/record-help"
check_eq "record help: synopsis" "usage: tlsrpt [global options] record [--time TIME] < results.jsonl" \
    "$(head -n 1 "$T/h-record")"
check "record help: --time, one line, the man page's first sentence" \
    grep -qx '  --time TIME  *Count the results in the hour of TIME (RFC 3339) instead of now\.' \
    "$T/h-record"
check "stats help: --since and --until on one line" \
    grep -q '^  --since DAY, --until DAY  *Only the days from DAY to DAY, both included\.$' \
    <(tlsrpt help stats)
for c in collect record export import stats send daily aggregate reports show metrics check-config; do
    tlsrpt help "$c" > "$T/h" 2>&1
    # the option paragraphs of the command's section in the page, and --help
    want=$(awk -v c="## $c" '$0 == c { on = 1; next } /^#/ { on = 0 } on && /^\*-/ { n++ }
        END { print n + 1 }' "$M")
    check_eq "help $c: one line per option of its tlsrpt(8) section, and --help" "$want" \
        "$(grep -c '^  -' "$T/h")"
    check "help $c: starts with its synopsis" grep -q "^usage: tlsrpt \[global options\] $c" "$T/h"
done
tlsrpt help no-such > /dev/null 2> "$T/err"
check_eq "tlsrpt help no-such exits 2" 2 $?
check_eq "tlsrpt help no-such: the error" 'tlsrpt help: error: unknown command "no-such"' \
    "$(head -n 1 "$T/err")"

# The build's help is the page's: regenerating from man/tlsrpt.8.scd gives what was compiled.
awk -f "$TOP/man/help.awk" "$M" > "$T/help_text.c"
check "the compiled help is generated from the current tlsrpt.8.scd" \
    cmp -s "$T/help_text.c" "$TOP/$BUILD/help_text.c"
# Sabotage: an option taken out of the page is gone from the generated help.
awk -v RS= -v ORS='\n\n' '!/^\*--top\* _N_/' "$M" > "$T/no-top.scd"
awk -f "$TOP/man/help.awk" "$T/no-top.scd" > "$T/no-top.c"
check "generator: --top is in the help made from the page" grep -q -- '--top N  ' "$T/help_text.c"
check "generator: ... and not in the help made from a page without it" \
    test "$(grep -c -- '--top N  ' "$T/no-top.c")" = 0

# --- global options after the command ----------------------------------------------------------
db=$T/t.sqlite
cat "$V/01-sts-success.dgram" | tlsrpt record --db "$db" --now 2026-11-29T10:00:00Z \
    --time 2026-11-29T10:00:00Z --config /dev/null 2> /dev/null
check_eq "record --db ... --now ... --config after the command: exit 0" 0 $?
check_eq "... stored in that database" 1 "$(sqlite3 -readonly "$db" "SELECT sum(successful) FROM session_counts")"
tlsrpt --config /dev/null --db "$db" stats --json > "$T/a.json" 2>&1
tlsrpt stats --json --config=/dev/null -d "$db" > "$T/b.json" 2>&1
check "stats: --config=FILE -d FILE after the command = before it" cmp -s "$T/a.json" "$T/b.json"
tlsrpt --config /dev/null record --db "$T/v.sqlite" -v < /dev/null 2> "$T/v.err"
check "-v after the command: debug lines" grep -q '^tlsrpt record: debug: schema migrated' "$T/v.err"
tlsrpt --config /dev/null stats --db 2> "$T/err"
check_eq "a global option after the command without its value: exit 2" 2 $?
check_eq "... and says so" "tlsrpt stats: error: option \"--db\" requires an argument" \
    "$(head -n 1 "$T/err")"
tlsrpt --config /dev/null --db "$db" show -- --db > /dev/null 2> "$T/err"
check "after --, --db is an argument (a report id), not the option" \
    grep -q 'is not a report id' "$T/err"

# --- one error prefix --------------------------------------------------------------------------
tlsrpt --now yesterday-ish stats 2> "$T/err"
check_eq "bad --now: exit 2" 2 $?
check_eq "bad --now: tlsrpt stats: error:" 'tlsrpt stats: error: --now: "yesterday-ish" is not an RFC 3339 time' \
    "$(head -n 1 "$T/err")"
tlsrpt --config /dev/null --db "$db" stats --day 2026-13-01 2> "$T/err"
check_eq "bad --day: tlsrpt stats: error:" 'tlsrpt stats: error: --day: "2026-13-01" is not a day (YYYY-MM-DD)' \
    "$(head -n 1 "$T/err")"
check "bad --day: then the synopsis" grep -q '^usage: tlsrpt \[global options\] stats ' "$T/err"
printf 'not json\n' | tlsrpt --config /dev/null --db "$db" record 2> "$T/err"
check_eq "record: a bad line is an error line" \
    "tlsrpt record: error: line 1: rejected reason=bad-json" "$(head -n 1 "$T/err" | cut -d: -f1-4)"
tlsrpt --bogus 2> "$T/err"
check_eq "unknown global option: tlsrpt: error:" 'tlsrpt: error: unknown option "--bogus"' \
    "$(head -n 1 "$T/err")"
# No other prefix is left in the sources: stderr is written by lib/log.c and the usage lines.
check_eq "no fprintf(stderr, ...) outside lib/log.c and lib/cmd.c and main's usage" "" \
    "$(cd "$TOP" && grep -n 'fprintf(stderr\|fputs([^;]*stderr)\|perror(' \
        cli/*.c collector/*.c aggregator/*.c reporter/*.c lib/*.c |
        grep -v '^lib/log.c:\|^lib/cmd.c:.*usage\|^lib/cmd.c:.*help\|^cli/main.c:.*usage\|^cli/main.c:.*usage(stderr)')"

# --- record --time limits (item 8) -------------------------------------------------------------
NOW=2026-11-30T12:00:00Z
r() { tlsrpt --config /dev/null --db "$db" --now "$NOW" record "$@" < "$V/01-sts-success.dgram"; }
sessions() { sqlite3 -readonly "$db" "SELECT sum(successful) FROM session_counts"; }
r --time 2026-11-30T12:05:00Z 2> "$T/err"
check_eq "--time 5 minutes ahead: accepted" 0 $?
before=$(sessions)
r --time 2026-11-30T12:05:01Z 2> "$T/err"
check_eq "--time more than 5 minutes ahead: exit 2" 2 $?
check_eq "... names the limit" \
    "tlsrpt record: error: --time: 2026-11-30T12:05:01Z is more than 5 minutes after the current time (2026-11-30T12:00:00Z)" \
    "$(head -n 1 "$T/err")"
r --time 2026-10-31T00:00:00Z 2> "$T/err"
check_eq "--time on the oldest day kept (retention_days 30): accepted" 0 $?
r --time 2026-10-30T23:59:59Z 2> "$T/err"
check_eq "--time older than retention: exit 2" 2 $?
check_eq "... names the limit" \
    "tlsrpt record: error: --time: 2026-10-30T23:59:59Z is older than [storage] retention_days (30 days: counters before 2026-10-31T00:00:00Z are pruned)" \
    "$(head -n 1 "$T/err")"
printf '[storage]\nretention_days = 400\n' > "$T/long.conf"
tlsrpt --config "$T/long.conf" --db "$db" --now "$NOW" record --time 2026-01-01T00:00:00Z \
    < "$V/01-sts-success.dgram" 2> /dev/null
check_eq "--time within a longer retention_days: accepted" 0 $?
check_eq "refused times stored nothing" "$((before + 2))" "$(sessions)"
