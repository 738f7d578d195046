#!/bin/sh
# The README's first command: on a fresh Debian 12 or 13 machine, as root (no sudo needed), installs what tlsrpt needs
# (scripts/setup.sh), builds it, and runs the whole pipeline on one day of sample results in a
# scratch directory, nothing outside loopback (scripts/demo-run.sh): collector on a temporary
# socket, aggregate, DKIM-signed reports "delivered" to a local outbox with the records served
# by a dnsmasq on 127.0.0.1; then the statistics, the reports and where the signed files are.
#   sh scripts/demo.sh [DIR]          (DIR: a new directory under /tmp by default; kept)
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
echo "== building (make)"
make -j"$(nproc 2>/dev/null || echo 2)" all > /dev/null
exec sh scripts/demo-run.sh "$@"
