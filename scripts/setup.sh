#!/bin/sh
# Install the Debian packages that building, running and testing tlsrpt need.
# Idempotent: packages already present are skipped, so a second run costs a dpkg query.
#   scripts/setup.sh          build + run dependencies
#   scripts/setup.sh --test   also what the test suite and benchmarks need
#   scripts/setup.sh [--test] --list   print the package names for this release, install nothing
# Runs as root without sudo (a fresh server or container has none); names differ by release
# (Debian 12, 13): they are derived from what this machine's apt offers.
set -eu

# scdoc builds the man pages (make man, make install).
build_pkgs="gcc make pkg-config libc6-dev scdoc
    libopendkim-dev libjansson-dev zlib1g-dev libsqlite3-dev libcurl4-openssl-dev libidn2-dev"
# Runtime and the demo (scripts/demo.sh): sqlite3 for hand queries, openssl to make the demo's
# DKIM key, dnsmasq-base to serve the demo's _smtp._tls records on 127.0.0.1, ca-certificates
# for HTTPS and SMTP with TLS.
run_pkgs="sqlite3 openssl ca-certificates dnsmasq-base"
# clang's sanitizer runtime is versioned like clang (libclang-rt-14-dev on Debian 12,
# libclang-rt-19-dev on 13): the version clang depends on here, from an installed clang or apt.
clang_rt() {
    v=$(clang --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
    [ -n "$v" ] || v=$(apt-cache depends clang 2>/dev/null |
        sed -n 's/^ *Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
    if [ -z "$v" ]; then
        . /etc/os-release
        case "${VERSION_ID:-}" in 12) v=14 ;; *) v=19 ;; esac
    fi
    echo "libclang-rt-$v-dev"
}
# Tests: SMTP sink, DKIM verifiers (dkimpy, Mail::DKIM), JSON Schema checker, sanitizers, valgrind,
# systemd-analyze for the unit files (and man-db: verify checks their Documentation= pages),
# GNU time for the benchmarks; debootstrap for the Debian roots of the real-Postfix test
# (tests/mta/) and the Debian package test (tests/pkg/: dpkg-buildpackage with debhelper,
# lintian, systemd-nspawn to boot the roots).
test_pkgs="python3 python3-dkim python3-nacl python3-aiosmtpd python3-dnspython python3-jsonschema time
    clang $(clang_rt) valgrind systemd man-db jq procps iproute2 util-linux
    debhelper dpkg-dev fakeroot lintian debootstrap systemd-container libmail-dkim-perl"

test=false
list=false
for a in "$@"; do
    case "$a" in
        --test) test=true ;;
        --list) list=true ;;
        *) echo "usage: setup.sh [--test] [--list]" >&2; exit 2 ;;
    esac
done
want="$build_pkgs $run_pkgs"
$test && want="$want $test_pkgs"
if $list; then
    echo $want
    exit 0
fi

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
