#!/bin/bash
# The man pages build with scdoc and document every command, every option the code accepts
# and every configuration key with its default (tests/tools/man_check.py); the checker itself
# fails on a page with something missing.
. "$(dirname "$0")/../lib.sh"
M="$TOP/man"
for page in tlsrpt.8 tlsrpt.conf.5; do
    if scdoc < "$M/$page.scd" > "$T/$page" 2> "$T/scdoc.err" && [ ! -s "$T/scdoc.err" ]; then
        pass "scdoc builds $page"
    else
        fail "scdoc builds $page" "$(cat "$T/scdoc.err")"
    fi
    check "man renders $page" bash -c "MANWIDTH=80 man -l '$T/$page' 2>&1 | grep -q '^NAME'"
done

$PY "$TOP/tests/tools/man_check.py" "$BIN" "$TOP" "$M/tlsrpt.8.scd" "$M/tlsrpt.conf.5.scd"

# Sabotage: a page without --top, a config page without retry_hours' default.
sed 's/\*--top\* _N_/--top N/' "$M/tlsrpt.8.scd" > "$T/no-top.8.scd"
sed 's/Default: \*24\*\./Default: 24 hours./' "$M/tlsrpt.conf.5.scd" > "$T/no-default.5.scd"
$PY "$TOP/tests/tools/man_check.py" "$BIN" "$TOP" "$T/no-top.8.scd" "$M/tlsrpt.conf.5.scd" > "$T/s1"
check_eq "the checker fails when an option is missing" 1 $?
check "... and names it" grep -q '^FAIL tlsrpt(8) documents stats --top' "$T/s1"
$PY "$TOP/tests/tools/man_check.py" "$BIN" "$TOP" "$M/tlsrpt.8.scd" "$T/no-default.5.scd" > "$T/s2"
check_eq "the checker fails when a default is missing" 1 $?
check "... and names it" grep -q '^FAIL tlsrpt.conf(5) documents \[delivery\] retry_hours with its default 24' "$T/s2"
