#!/bin/sh
# Builds (once) and prints the path of a cached Debian root made with debootstrap:
#   sh tests/lib/debian_root.sh SUITE PACKAGE...      e.g.  trixie postfix libtlsrpt0
# The root lives in /var/cache/tlsrpt-test/SUITE-HASH, HASH being a hash of the suite and the
# sorted package list (another list is another root; a rerun finds it and costs a stat). It is
# built in a temporary directory next to it and renamed into place, so a half-built root is
# never used; concurrent callers wait on a lock. The mirror is the one apt on this machine
# already uses, read from its sources at run time. Needs root and debootstrap.
# Exit status: 0 (path on stdout), 1 build failed, 2 cannot build here (not root, no
# debootstrap, no mirror): the caller prints SKIP.
set -u
suite=${1:?usage: debian_root.sh SUITE PACKAGE...}
shift
cache=${TLSRPT_ROOT_CACHE:-/var/cache/tlsrpt-test}

[ "$(id -u)" -eq 0 ] || { echo "debian_root: needs root" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "debian_root: no debootstrap" >&2; exit 2; }
command -v unshare >/dev/null || { echo "debian_root: no unshare" >&2; exit 2; }

# The first Debian archive URI of apt's sources (deb822 .sources, then sources.list), not the
# security archive (it has no plain suites).
mirror() {
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk '$1 == "deb" { u = $2; if (u ~ /^\[/) { for (i = 2; i <= NF; i++) if ($i ~ /\]$/) { u = $(i + 1); break } } print u }' "$f"
    done
}
url=$(mirror | grep -v -e security -e '^cdrom:' | head -n 1)
[ -n "$url" ] || { echo "debian_root: no apt mirror found in /etc/apt/sources*" >&2; exit 2; }

pkgs=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
key=$(printf '%s %s\n' "$suite" "$pkgs" | sha256sum | cut -c1-16)
root=$cache/$suite-$key
if [ -f "$root/.complete" ]; then echo "$root"; exit 0; fi

mkdir -p "$cache" || exit 2
exec 9> "$cache/.lock-$suite-$key"
flock 9
if [ -f "$root/.complete" ]; then echo "$root"; exit 0; fi

tmp=$(mktemp -d "$cache/.build-$suite-XXXXXX") || exit 1
chmod 755 "$tmp"
log=$cache/$suite-$key.log
echo "debian_root: building $suite ($pkgs) from $url into $root; log $log" >&2
start=$(date +%s)
# A private mount namespace: whatever debootstrap and apt mount (proc, sys) disappears with it.
# debootstrap exits 1 when it cannot resolve a virtual dependency (python3-cffi-backend-api-*
# of python3-pycares): `apt-get -f install` inside the root completes the installation.
inc=$(printf '%s' "$pkgs" | tr -s ' ' ',' | sed 's/,$//')
unshare -m --propagation private sh -c '
    debootstrap --variant=minbase --include="$1" "$2" "$3" "$4"
    rc=$?
    mountpoint -q "$3/proc" || mount -t proc proc "$3/proc"
    DEBIAN_FRONTEND=noninteractive chroot "$3" apt-get -f install -y --no-install-recommends &&
        DEBIAN_FRONTEND=noninteractive chroot "$3" apt-get install -y --no-install-recommends $5 &&
        chroot "$3" apt-get clean
    rc2=$?
    echo "debootstrap exit $rc, apt-get -f install exit $rc2"
    exit $rc2
' debian-root "$inc" "$suite" "$tmp" "$url" "$pkgs" > "$log" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "debian_root: build failed (exit $rc); last lines of $log:" >&2
    tail -n 20 "$log" >&2
    rm -rf "$tmp"
    exit 1
fi
echo "$suite $pkgs" > "$tmp/.complete"
rm -rf "$root"
mv "$tmp" "$root" || { rm -rf "$tmp"; exit 1; }
echo "debian_root: built in $(( $(date +%s) - start ))s" >&2
echo "$root"
