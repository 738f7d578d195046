#!/bin/sh
# Runs one fuzz target: fuzz/run.sh NAME SECONDS [extra libFuzzer options]
#   build/fuzz/fuzz_NAME reads its seeds (below) and grows its own corpus in fuzz/corpus-NAME/
#   (kept between runs, not committed). A crash or sanitizer report stops the run, leaves the
#   input in build/fuzz/artifacts/ and makes this script (and `make fuzz`) fail.
# A new target: add fuzz/fuzz_NAME.c (and fuzz/NAME.dict if useful) and a line to seeds().
#   fuzz/run.sh --seeds NAME   only prints NAME's seed directories (for fuzz/coverage.sh)
set -eu
cd "$(dirname "$0")/.."

# Seed directories per target (read only); missing ones are skipped.
seeds() {
    case "$1" in
    datagram) echo tests/data/vectors/libtlsrpt tests/data/vectors/postfix-3.10 tests/data/vectors/malformed \
        fuzz/seeds/datagram ;;
    record) echo tests/data/vectors/libtlsrpt tests/data/vectors/malformed fuzz/seeds/datagram \
        fuzz/seeds/record ;;
    config) echo fuzz/seeds/config etc ;;
    exchange) echo fuzz/seeds/exchange ;;
    rua) echo fuzz/seeds/rua ;;
    dns) echo fuzz/seeds/dns ;;
    esac
    echo "tests/data/fuzz-regressions/$1"
}

if [ "${1:-}" = --seeds ]; then
    seeds "$2"
    exit 0
fi
name=$1
seconds=${2:-60}
shift 2 2>/dev/null || shift $#
dir=${FUZZ_DIR:-build/fuzz}
bin=$dir/fuzz_$name

# -timeout=30: the machine is shared and runs are niced; a slow unit still shows in the
# log as "Slowest unit" (libFuzzer reports units slower than 10 s).
# Longest input tried: large enough for the real vectors' shapes (1024 failure details,
# deep nesting), small enough to keep executions fast.
case "$name" in
config | rua | dns) max_len=8192 ;;
exchange) max_len=65536 ;;
*) max_len=32768 ;;
esac

[ -x "$bin" ] || { echo "fuzz: $bin missing (make fuzz-build)" >&2; exit 1; }
corpus=fuzz/corpus-$name
mkdir -p "$corpus" "$dir/artifacts"
dirs=""
for d in $(seeds "$name"); do
    [ -d "$d" ] && dirs="$dirs $d"
done
dict=""
[ -f "fuzz/$name.dict" ] && dict="-dict=fuzz/$name.dict"

echo "== fuzz $name: ${seconds}s, corpus $corpus, seeds:$dirs"
# shellcheck disable=SC2086
"$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name-" $dict "$@" \
    "$corpus" $dirs 2> "$dir/$name.log" || {
    rc=$?
    tail -n 60 "$dir/$name.log" >&2
    echo "fuzz $name: FAILED (exit $rc); input saved in $dir/artifacts/, log $dir/$name.log" >&2
    exit 1
}
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)' "$dir/$name.log" || true
echo "fuzz $name: ok ($(ls "$corpus" | wc -l) inputs in $corpus)"
