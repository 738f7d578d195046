# Shared by the tests in tests/mta/ (bash, after tests/lib.sh):
#   mta_root              the cached Debian 13 root ($ROOT), built on first use; prints SKIP and
#                         exits when it cannot be built here (not root, no debootstrap)
#   start_holder NETNS    a process in NETNS (empty for none) and a private mount namespace in
#                         which $T/root is a writable overlay of $ROOT with /proc mounted: the
#                         cached root is never written to. $HOLDER is its pid; $RH is
#                         the overlay seen from outside (/proc/$HOLDER/root/$T/root)
#   inroot CMD...         runs CMD in that namespace, chrooted into $T/root
#   inns CMD...           runs CMD in that namespace, not chrooted (host programs, $T/root/...)
MTA_DIR="$TOP/tests/mta"

mta_root() {
    local pkgs rc
    if [ "$(id -u)" -ne 0 ]; then
        echo "SKIP $1: needs root (debootstrap, namespaces)"
        exit 0
    fi
    if ! unshare -m -n true 2>/dev/null; then
        echo "SKIP $1: cannot create namespaces here"
        exit 0
    fi
    pkgs="$(grep -v '^#' "$MTA_DIR/packages") $(sh "$TOP/scripts/setup.sh" --list)"
    ROOT=$(sh "$TOP/tests/lib/debian_root.sh" trixie $pkgs)
    rc=$?
    if [ "$rc" -eq 2 ]; then
        echo "SKIP $1: cannot build a Debian root here (see above)"
        exit 0
    fi
    [ "$rc" -eq 0 ] || { fail "$1: the Debian 13 root" "debian_root.sh exit $rc"; exit 1; }
}

start_holder() {
    local ns=$1 i=0
    mkdir -p "$T/ov/upper" "$T/ov/work" "$T/root"
    ${ns:+ip netns exec "$ns"} unshare -m --propagation private sh -c '
        mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/ov/upper,workdir=$2/ov/work" "$2/root" &&
        mount -t proc proc "$2/root/proc" &&
        mount -t tmpfs tmpfs "$2/root/dev/shm" &&
        touch "$2/holder.ready" && exec sleep 100000' holder "$ROOT" "$T" 2> "$T/holder.log" &
    HOLDER=$!
    on_exit "kill $HOLDER 2>/dev/null; wait $HOLDER 2>/dev/null"
    until [ -f "$T/holder.ready" ]; do
        kill -0 "$HOLDER" 2>/dev/null && [ "$i" -lt 100 ] || {
            echo "the namespace did not start:"
            cat "$T/holder.log"
            return 1
        }
        i=$((i + 1))
        sleep 0.1
    done
    RH=/proc/$HOLDER/root$T/root
}

inns() { nsenter -t "$HOLDER" -m -n -- "$@"; }
inroot() { nsenter -t "$HOLDER" -m -n -- chroot "$T/root" "$@"; }
