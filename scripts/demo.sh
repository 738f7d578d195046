#!/bin/sh
# The README's first command: sets up (Debian packages, build) and runs the pipeline on
# built-in defaults in a scratch directory: a collector on a temporary socket receives the
# sample results exactly as an MTA sends them, and the statistics are printed.
#   sh scripts/demo.sh [DIR]     (DIR defaults to a new directory under /tmp; kept afterwards)
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
make -j"$(nproc 2>/dev/null || echo 2)" all > /dev/null

DIR=${1:-$(mktemp -d /tmp/tlsrpt-demo.XXXXXX)}
mkdir -p "$DIR"
DB="$DIR/tlsrpt.sqlite"
SOCK="$DIR/collector.sock"
cat > "$DIR/tlsrpt.conf" <<CONF
[storage]
database = $DB
[collector]
socket = $SOCK
flush_interval = 200ms
CONF

echo "== starting the collector on $SOCK"
build/tlsrpt --config "$DIR/tlsrpt.conf" collect 2> "$DIR/collector.log" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

echo "== sending the sample results (real libtlsrpt datagrams) as an MTA does"
build/tools/dgram_send -n -p 1000 "$SOCK" tests/data/vectors/libtlsrpt/*.dgram

kill -TERM $pid
wait $pid
trap - EXIT
tail -n 1 "$DIR/collector.log"

echo "== statistics"
build/tlsrpt --config "$DIR/tlsrpt.conf" stats
echo
echo "Everything is in $DIR (database: $DB)."
