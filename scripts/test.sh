#!/bin/sh
# Sets up everything (Debian packages), builds, and runs every test: the normal build, then
# the whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
sh scripts/setup.sh --test || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

make -j"$jobs" all >/dev/null || { echo "build failed"; make all; exit 1; }
make -j"$jobs" SANITIZE=1 all >/dev/null || { echo "sanitizer build failed"; exit 1; }

total_pass=0
total_fail=0
for variant in normal sanitizers; do
    if [ "$variant" = normal ]; then build=build; else build=build/asan; fi
    echo "== tests: $variant build ($build)"
    out=$(BUILD=$build sh tests/run.sh "${1:-}" 2>&1 | tee /dev/stderr | tail -n 1)
    p=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p')
    f=$(echo "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p')
    [ -n "$p" ] || { p=0; f=1; }
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
