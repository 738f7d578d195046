#!/bin/sh
# Collector peak memory (issue 11 item 4), written to bench/RESULTS.md "## Collector memory":
# the collector's VmHWM after each of
#   - 150 distinct 16 KiB datagrams (an 8 KB record, one policy of 780 failure details), the
#     list sent 4 times (tests/tools/hostile_dgram.py wide);
#   - one 192 KB datagram (a 100 KB record, 9 policies of 1,024 failure details), sent 3 times
#     (hostile_dgram.py big);
#   - 1,000,000 distinct failure details in one day (dgram_bench distinct).
# Target: under 128 MiB each. BENCH_OLD_BUILD=DIR also measures another build (e.g. the code
# before the fix) in the same run, for the before column.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/tlsrpt-bench-memory.XXXXXX)
CPID=
trap '[ -n "$CPID" ] && kill $CPID 2>/dev/null; rm -rf "$T"' EXIT
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 1s\n' "$T/c.db" > "$T/c.conf"
mkdir "$T/d"
/usr/bin/python3 tests/tools/hostile_dgram.py wide "$T/d" 150
/usr/bin/python3 tests/tools/hostile_dgram.py big "$T/d"

stored() { sqlite3 "$T/c.db" "SELECT ifnull((SELECT sum(count) FROM failure_counts), 0)" 2>/dev/null || echo 0; }

# measure BUILD SHAPE: prints the VmHWM in MiB once every failure detail sent is stored
measure() {
    b=$1 shape=$2
    rm -f "$T/c.db" "$T/c.db-wal" "$T/c.db-shm" "$T/c.sock"
    "$b/tlsrpt" --config "$T/c.conf" collect --socket "$T/c.sock" 2> "$T/collector.log" &
    CPID=$!
    i=0; while [ ! -S "$T/c.sock" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done
    case $shape in
    wide) build/tools/dgram_send -r 4 "$T/c.sock" "$T"/d/wide-*.dgram > /dev/null; want=$((600 * 780)) ;;
    big) build/tools/dgram_send -r 3 "$T/c.sock" "$T/d/big.dgram" > /dev/null; want=$((27 * 1024)) ;;
    million) build/tools/dgram_bench distinct "$T/c.sock" 1000000 > /dev/null; want=1000000 ;;
    esac
    i=0; while [ "$(stored)" -lt "$want" ] && [ $i -lt 1200 ]; do sleep 0.5; i=$((i+1)); done
    [ "$(stored)" -ge "$want" ] || echo "WARNING: $shape: $(stored) of $want details stored" >&2
    awk '/VmHWM/ { printf "%d", $2 / 1024 }' /proc/$CPID/status
    kill $CPID; wait $CPID || true; CPID=
}

rows=""
for shape in wide big million; do
    new=$(measure "$BUILD" $shape)
    old=-
    [ -n "${BENCH_OLD_BUILD:-}" ] && old=$(measure "$BENCH_OLD_BUILD" $shape)
    echo "$shape: $new MiB (before: $old)"
    rows="$rows$shape $new $old
"
done
row() { echo "$rows" | awk -v s="$1" -v l="$2" '$1 == s { printf "| %s | %s | %s |\n", l, $3, $2 }'; }

cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
section=$(cat <<EOF2
## Collector memory

Measured $(date -u +%Y-%m-%d) by \`bench/collector_memory.sh\` (\`make bench\`), on $(nproc) cores ($cpu),
load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. Peak RSS (VmHWM) of the collector once every
failure detail sent is stored. Target: under 128 MiB whatever the datagrams.
"Before" is the code before issue 11 item 4 (every failure detail's increment copied its
record and policy strings, and the cache of repeated datagrams held those copies).

| datagrams | before (MiB) | now (MiB) |
|---|---|---|
$(row wide "150 distinct 16 KiB datagrams (8 KB record, 780 details), each sent 4 times")
$(row big "one 192 KB datagram (100 KB record, 9 x 1,024 details), sent 3 times")
$(row million "1,000,000 distinct failure details in one day")
EOF2
)
echo "$section"
/usr/bin/python3 bench/results_section.py "Collector memory" "$section"
