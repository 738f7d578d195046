#!/bin/sh
# Sets up everything (Debian packages), builds, and runs every test three times: the normal
# build, the sanitizer build (AddressSanitizer + UndefinedBehaviorSanitizer), and the normal
# build with every tlsrpt process and unit test under valgrind (about 20 minutes on 2 cores;
# TLSRPT_TEST_VALGRIND=0 leaves it out for a quicker loop). The real-MTA tests (tests/mta/:
# Postfix 3.10 in a cached Debian 13 root, the build on Debian 13) run once, in the normal pass.
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
sh scripts/setup.sh --test || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

make -j"$jobs" all >/dev/null || { echo "build failed"; make all; exit 1; }
make -j"$jobs" SANITIZE=1 all >/dev/null || { echo "sanitizer build failed"; exit 1; }

total_pass=0
total_fail=0
# The output goes on to stdout as it comes, and into a file to find the summary line in (tee
# to /dev/stderr would reopen it: into a log file, at offset 0, over what was written).
log=$(mktemp /tmp/tlsrpt-test.XXXXXX)
trap 'rm -f "$log"' EXIT
# variant NAME COMMAND...: runs one pass of the suite, adds its "N passed, N failed" line
variant() {
    name=$1
    shift
    echo "== tests: $name"
    "$@" 2>&1 | tee "$log"
    out=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    [ -n "$p" ] || { p=0; f=1; }
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}
variant "normal build (build)" env BUILD=build sh tests/run.sh "${1:-}"
variant "ASan + UBSan build (build/asan)" env BUILD=build/asan sh tests/run.sh "${1:-}"
if [ "${TLSRPT_TEST_VALGRIND:-1}" != 0 ]; then
    variant "valgrind, normal build" make -s check-valgrind TESTS="${1:-}"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
