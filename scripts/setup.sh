#!/bin/sh
# Install the Debian packages that building, running and testing tlsrpt need.
# Idempotent: packages already present are skipped, so a second run costs a dpkg query.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite and benchmarks need
set -eu

# scdoc builds the man pages (make man, make install).
build_pkgs="gcc make pkg-config libc6-dev scdoc
    libopendkim-dev libjansson-dev zlib1g-dev libsqlite3-dev libcurl4-openssl-dev libidn2-dev"
# Runtime and the demo (scripts/demo.sh): sqlite3 for hand queries, openssl to make the demo's
# DKIM key, dnsmasq-base to serve the demo's _smtp._tls records on 127.0.0.1, ca-certificates
# for HTTPS and SMTP with TLS.
run_pkgs="sqlite3 openssl ca-certificates dnsmasq-base"
# Tests: SMTP sink, DKIM verifiers (dkimpy, Mail::DKIM), JSON Schema checker, sanitizers, valgrind,
# systemd-analyze for the unit files (and man-db: verify checks their Documentation= pages),
# GNU time for the benchmarks; the Debian package test (tests/pkg/): dpkg-buildpackage with
# debhelper, lintian, debootstrap for the Debian 12 and 13 roots, systemd-nspawn to boot them.
test_pkgs="python3 python3-dkim python3-nacl python3-aiosmtpd python3-dnspython python3-jsonschema time
    clang libclang-rt-14-dev valgrind systemd man-db jq procps iproute2 util-linux
    debhelper dpkg-dev fakeroot lintian debootstrap systemd-container libmail-dkim-perl"

want="$build_pkgs $run_pkgs"
[ "${1:-}" = "--test" ] && want="$want $test_pkgs"

missing=""
for p in $want; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup: not root; run: sudo apt-get install -y$missing" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
        apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing
    }
fi
