# [collector] socket_group as a numeric gid: taken as it is, also when no group of the host has
# that number (the postfix group of a chroot or container root, gid 101 on Debian 13, may be
# another group or none on the host). A name still works; an unknown name is refused.
. "$TOP/tests/lib.sh"

conf() { # file extra-collector-lines...
    f=$1; shift
    { printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 100ms\n' "$T/c.db"; for l in "$@"; do echo "$l"; done; } > "$f"
}
# A gid that names no group here.
gid=3999
while getent group "$gid" > /dev/null; do gid=$((gid + 1)); done

conf "$T/n.conf" "socket_group = $gid"
tlsrpt --config "$T/n.conf" check-config > "$T/check.out" 2>&1
check_eq "check-config accepts socket_group = $gid (no such group on the host)" "" \
    "$(grep "socket_group $gid:" "$T/check.out")"
start_collector "$T/n.conf" "$T/c.sock" || exit 1
check_eq "numeric socket_group: the socket's gid is $gid" "$gid" "$(stat -c %g "$T/c.sock")"
out=$("$TOOLS/dgram_send" -n "$T/c.sock" "$DATA/vectors/postfix-3.10/may-good.test_success.dgram")
check_eq "numeric socket_group: the collector receives" "sent=1 lost=0 errors=0" "$out"
stop_collector

daemon_gid=$(getent group daemon | cut -d: -f3)
conf "$T/d.conf" "socket_group = $daemon_gid"
start_collector "$T/d.conf" "$T/c.sock" || exit 1
check_eq "numeric socket_group of a named group: that group" daemon "$(stat -c %G "$T/c.sock")"
stop_collector

conf "$T/bad.conf" "socket_group = no-such-group-tlsrpt"
tlsrpt --config "$T/bad.conf" collect --socket "$T/c.sock" 2> "$T/bad.err"
check_eq "unknown group name: collect exits 1" 1 $?
check "unknown group name: says why" grep -q 'group=no-such-group-tlsrpt error="no such group"' "$T/bad.err"
conf "$T/big.conf" "socket_group = 4294967295"
tlsrpt --config "$T/big.conf" check-config > "$T/big.out" 2>&1
check "check-config refuses gid 4294967295 (chown's 'unchanged')" \
    grep -q 'socket_group 4294967295: gid out of range' "$T/big.out"
