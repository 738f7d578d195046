#!/bin/sh
# Runs every test: the unit test programs (build/tests/test_*) and the end-to-end scripts
# (tests/e2e/*.sh), then, once per suite invocation (BUILD=build, no TLSRPT_WRAPPER: not again
# in the sanitizer and valgrind passes), the Debian package tests (tests/pkg/*.sh) and the
# real-MTA tests (tests/mta/*.sh). Each prints "PASS name" or "FAIL name: why" lines, or
# "SKIP name: why" where it cannot run (counted as skipped, never as passed); a program that
# exits non-zero without a FAIL line counts as one failure. Ends with "N passed, N failed".
#   sh tests/run.sh [PATTERN]     only the tests whose file name contains PATTERN
# Environment: BUILD (default build), TLSRPT_WRAPPER (e.g. valgrind ...), KEEP_TMP=1,
# TLSRPT_VALGRIND_LOGS (see valgrind_check).
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
BUILD=${BUILD:-build}
export TOP BUILD
# Leaks inside system libraries that tlsrpt cannot fix (sanitizer builds).
LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$TOP/tests/lsan.supp:print_suppressions=0}
export LSAN_OPTIONS
pattern=${1:-}
passed=0
failed=0
skipped=""
logdir=$(mktemp -d /tmp/tlsrpt-tests.XXXXXX)
failed_names=""

# With TLSRPT_VALGRIND_LOGS (make check-valgrind), valgrind writes one log per process there;
# a test whose processes left a non-empty log fails, even for processes that ran in the
# background or were killed.
valgrind_check() {
    [ -n "${TLSRPT_VALGRIND_LOGS:-}" ] || return 0
    for f in "$TLSRPT_VALGRIND_LOGS"/vg.*.log; do
        [ -s "$f" ] || continue
        echo "FAIL valgrind: $(basename "$f"): $(grep -m 1 -v '^==[0-9]*== *$' "$f")"
        cat "$f"
    done
    rm -f "$TLSRPT_VALGRIND_LOGS"/vg.*.log
}

run_one() { # name, command...
    name=$1
    shift
    case "$name" in *"$pattern"*) ;; *) return ;; esac
    log="$logdir/$(echo "$name" | tr '/' '_').log"
    start=$(date +%s)
    valgrind_check > /dev/null
    "$@" > "$log" 2>&1
    rc=$?
    valgrind_check >> "$log" 2>&1
    p=$(grep -c '^PASS ' "$log")
    f=$(grep -c '^FAIL ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name: exited with status $rc" >> "$log"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    s=""
    if grep -q '^SKIP ' "$log"; then
        skipped="$skipped $name"
        s="  skipped: $(grep -m 1 '^SKIP ' "$log" | sed 's/^SKIP //')"
    fi
    printf '%-40s %3d passed %3d failed  %3ds%s\n' "$name" "$p" "$f" $(($(date +%s) - start)) "$s"
    if [ "$f" -ne 0 ]; then
        failed_names="$failed_names $name"
        grep '^FAIL ' "$log" | sed 's/^/    /'
        echo "    --- last lines of $log:"
        tail -n 25 "$log" | sed 's/^/    | /'
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "unit/$(basename "$t")" ${TLSRPT_WRAPPER:-} "$t"
done
for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    run_one "e2e/$(basename "$t" .sh)" bash "$t"
done
# The slow tests (a .deb built and installed into booted Debian roots; the real Postfix in a
# Debian 13 root): once per suite run, on the normal build only.
if [ "$BUILD" = build ] && [ -z "${TLSRPT_WRAPPER:-}" ]; then
    for t in tests/pkg/*.sh; do
        [ -f "$t" ] || continue
        run_one "pkg/$(basename "$t" .sh)" bash "$t"
    done
    for t in tests/mta/*.sh; do
        case "$t" in */lib.sh) continue ;; esac
        run_one "mta/$(basename "$t" .sh)" bash "$t"
    done
fi

[ -n "${KEEP_TMP:-}" ] || { [ "$failed" -eq 0 ] && rm -rf "$logdir"; }
[ -z "$skipped" ] || echo "skipped:$skipped"
[ "$failed" -eq 0 ] || echo "failed:$failed_names (logs in $logdir)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
