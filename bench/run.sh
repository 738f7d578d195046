#!/bin/sh
# `make bench`: runs every bench/*.sh (except this one) in turn. Each appends or rewrites its
# own section of bench/RESULTS.md and prints its figures.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
status=0
for b in bench/*.sh; do
    [ "$b" = bench/run.sh ] && continue
    echo "== $b"
    sh "$b" || status=1
done
exit $status
