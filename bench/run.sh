#!/bin/sh
# `make bench`: runs every bench/*.sh except this one, in name order. Each benchmark prints
# its figures and updates its own section of bench/RESULTS.md.
# Environment: BUILD (default build).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
rc=0
for b in bench/*.sh; do
    [ "$b" = bench/run.sh ] && continue
    echo "== $b"
    bash "$b" || { echo "bench: $b failed"; rc=1; }
done
exit $rc
