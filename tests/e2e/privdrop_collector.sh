#!/bin/bash
# Privileges (issue 6): started as root with `[collector] user`, the collector binds its socket,
# gives it to socket_group with socket_mode, then runs as that user (uid, gid and groups all
# switched; root cannot be regained) and still writes the database. The socket is never
# world-writable: the MTA's group can send, others cannot; a world-writable socket_mode is
# refused. The database is created without any permission for others.
# Needs root (to create the test user and group); otherwise prints SKIP.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-hardening.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null || ! command -v setpriv >/dev/null; then
    echo "SKIP privdrop_collector: needs root, useradd and setpriv"
    exit 0
fi

user=tlsrpt-test-collector
group=tlsrpt-test-mta
getent group "$group" >/dev/null || groupadd --system "$group" || exit 1
getent passwd "$user" >/dev/null ||
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        --user-group "$user" || exit 1
on_exit "userdel '$user' 2>/dev/null; groupdel '$group' 2>/dev/null"
uid=$(id -u "$user")
gid=$(id -g "$user")

# The state directory belongs to the collector's user (as systemd's StateDirectory= makes it);
# so does the socket directory (RuntimeDirectory=), so that it can remove its socket at exit.
mkdir -p "$T/state" "$T/run"
chown "$user:$user" "$T/state" "$T/run"
chmod 0750 "$T/state"
chmod 0755 "$T/run"
db=$T/state/tlsrpt.sqlite
sock=$T/run/collector.sock
hc_conf "$T/tlsrpt.conf" "$db" "user = $user" "socket_group = $group" "socket_mode = 0660" \
    "flush_interval = 100ms" "summary_interval = 1h"
hc_start "$T/tlsrpt.conf" "$sock" "$T/collector.log" || exit 1

status=/proc/$HC_PID/status
check_eq "collector runs as the user (real, effective, saved, fs uid)" "$uid $uid $uid $uid" \
    "$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")"
check_eq "collector runs with the user's group (all four gids)" "$gid $gid $gid $gid" \
    "$(awk '/^Gid:/ {print $2, $3, $4, $5}' "$status")"
check_eq "no supplementary group of root's is kept" "" \
    "$(awk '/^Groups:/ {for (i = 2; i <= NF; i++) if ($i == 0) print $i}' "$status")"
check_eq "no capabilities left (CapEff, CapPrm)" "0000000000000000 0000000000000000" \
    "$(awk '/^CapEff:/ {e = $2} /^CapPrm:/ {p = $2} END {print e, p}' "$status")"
check "the log says so" grep -q "dropped privileges user=$user uid=$uid" "$T/collector.log"

check_eq "socket: mode 660, owner root, group $group" "660 root $group" \
    "$(stat -c '%a %U %G' "$sock")"
check_eq "socket: not world-writable" 0 $(( 0$(stat -c '%a' "$sock") & 02 ))

# Others cannot send; the MTA's group can (setpriv: a process with only that group). nobody
# runs the sender and reads the vectors from copies in $T: the clone may be in a home nobody
# cannot enter (/root is 0700).
mkdir -p "$T/nobody"
cp "$TOOLS/dgram_load" "$DATA"/vectors/libtlsrpt/*.dgram "$T/nobody/"
chmod -R a+rX "$T/nobody"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$T/nobody/dgram_load" -R 0 -c 1 -d 5 "$sock" "$T/nobody/01-sts-success.dgram" 2>&1)
check_eq "a process outside the group cannot send" "sent=0 errors=1" \
    "sent=$(hc_field sent "$out") errors=$(hc_field errors "$out")"
out=$(setpriv --reuid=nobody --regid="$group" --clear-groups \
    "$T/nobody/dgram_load" -R 0 -c 21 -d 5 "$sock" "$T"/nobody/*.dgram 2>&1)
check_eq "a process of the group sends every vector" "sent=21" "sent=$(hc_field sent "$out")"

i=0
while [ "$(hc_accepted "$db" 2>/dev/null)" != 21 ] && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "the unprivileged collector wrote the database" 21 "$(hc_accepted "$db")"
for f in "$db" "$db-wal" "$db-shm"; do
    [ -e "$f" ] || continue
    check_eq "$(basename "$f"): owned by the user, no permission for others" "$user 0" \
        "$(stat -c '%U' "$f") $(( 0$(stat -c '%a' "$f") & 07 ))"
done

hc_stop
check_eq "clean stop exits 0" 0 "$HC_RC"
check "the socket is removed at exit" test ! -e "$sock"
check_eq "database owner and mode after the stop" "$user 640" "$(stat -c '%U %a' "$db")"

# A world-writable socket is refused before anything is bound.
hc_conf "$T/bad.conf" "$db" "socket_mode = 0666"
tlsrpt --config "$T/bad.conf" collect --socket "$T/run/bad.sock" 2> "$T/bad.log"
check_eq "socket_mode 0666 is refused (exit 1)" 1 "$?"
check "the refusal names the reason" grep -q "world-writable; refusing" "$T/bad.log"
check "and no socket was created" test ! -e "$T/run/bad.sock"

# Dropping to a user that does not exist fails at start, after nothing was written.
hc_conf "$T/nouser.conf" "$T/state/other.sqlite" "user = tlsrpt-no-such-user"
tlsrpt --config "$T/nouser.conf" collect --socket "$T/run/nouser.sock" 2> "$T/nouser.log"
check_eq "an unknown user is an error (exit 1)" 1 "$?"
check "no database was created as root" test ! -e "$T/state/other.sqlite"
