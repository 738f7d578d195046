#!/bin/bash
# make install honours PREFIX and DESTDIR; every systemd unit passes systemd-analyze verify
# (with its binary and man pages where the unit says); the sysusers and tmpfiles snippets
# create the user and directories in a scratch root. Needs no running systemd.
. "$(dirname "$0")/../lib.sh"
# The build under test is already made; SANITIZE=1 keeps make from rebuilding a sanitizer
# build's objects with other flags should anything look out of date.
san=""
case "$BUILD" in */asan) san="SANITIZE=1" ;; esac
mk() { make -s -C "$TOP" BUILD="$BUILD" $san "$@" > "$T/make.log" 2>&1; }

# --- DESTDIR + PREFIX=/usr: a package layout ----------------------------------------------------
R="$T/destdir"
mk install DESTDIR="$R" PREFIX=/usr
check_eq "make install DESTDIR PREFIX=/usr exits 0" 0 $?
for f in usr/sbin/tlsrpt:755 usr/share/man/man8/tlsrpt.8:644 usr/share/man/man5/tlsrpt.conf.5:644 \
    etc/tlsrpt/tlsrpt.conf.example:644 usr/lib/systemd/system/tlsrpt-collector.socket:644 \
    usr/lib/systemd/system/tlsrpt-collector.service:644 usr/lib/systemd/system/tlsrpt-daily.service:644 \
    usr/lib/systemd/system/tlsrpt-daily.timer:644 usr/lib/systemd/system/tlsrpt-send.service:644 \
    usr/lib/systemd/system/tlsrpt-send.timer:644 usr/lib/sysusers.d/tlsrpt.conf:644 \
    usr/lib/tmpfiles.d/tlsrpt.conf:644 usr/share/doc/tlsrpt/schema.md:644 \
    usr/share/doc/tlsrpt/README.md:644; do
    check_eq "installed ${f%%:*} (mode ${f##*:})" "${f##*:}" "$(stat -c %a "$R/${f%%:*}" 2>&1)"
done
check "units name the installed binary" grep -qx 'ExecStart=/usr/sbin/tlsrpt collect' \
    "$R/usr/lib/systemd/system/tlsrpt-collector.service"
check "no @placeholder@ left in the units" bash -c "! grep -r '@[a-z]*@' '$R/usr/lib/systemd/system'"
check "the installed binary runs" "$R/usr/sbin/tlsrpt" --version

# --- PREFIX only: units point into the prefix, so verify finds the binary -----------------------
P="$T/prefix"
mk install PREFIX="$P" SYSCONFDIR="$P/etc"
check_eq "make install PREFIX=dir exits 0" 0 $?
U="$P/lib/systemd/system"
check "collector unit names the prefix's binary" grep -qx "ExecStart=$P/sbin/tlsrpt collect" \
    "$U/tlsrpt-collector.service"
for unit in tlsrpt-collector.socket tlsrpt-collector.service tlsrpt-daily.service tlsrpt-daily.timer \
    tlsrpt-send.service tlsrpt-send.timer; do
    # verify also runs man for Documentation=man:...: the pages are found in the prefix.
    out=$(MANPATH="$P/share/man" SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$U/$unit" 2>&1)
    rc=$?
    if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
        pass "systemd-analyze verify $unit"
    else
        fail "systemd-analyze verify $unit" "rc=$rc: $out"
    fi
done
# verify must be able to fail here: a unit naming a binary that does not exist.
sed "s|$P/sbin/tlsrpt|$P/sbin/no-such-tlsrpt|" "$U/tlsrpt-collector.service" > "$T/broken.service"
sed -i 's/^Requires=.*//; s/^After=.*//' "$T/broken.service"
MANPATH="$P/share/man" systemd-analyze verify "$T/broken.service" > /dev/null 2>&1
check_eq "systemd-analyze verify refuses a unit with a missing binary" 1 $?

# Hardening as systemd itself scores it (offline): the collector must stay "SAFE" (< 2.0),
# the daily run (which needs the network) at most "OK" (< 4.0).
score() { systemd-analyze security --offline=true "$U/$1" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'; }
c=$(score tlsrpt-collector.service)
d=$(score tlsrpt-daily.service)
s=$(score tlsrpt-send.service)
check "collector exposure $c < 2.0 (systemd-analyze security)" awk "BEGIN {exit !($c < 2.0)}"
check "daily exposure $d < 4.0 (systemd-analyze security)" awk "BEGIN {exit !($d < 4.0)}"
check "send exposure $s < 4.0 (systemd-analyze security)" awk "BEGIN {exit !($s < 4.0)}"
for key in ProtectSystem=strict PrivateNetwork=yes RestrictAddressFamilies=AF_UNIX \
    StateDirectory=tlsrpt NoNewPrivileges=yes User=tlsrpt; do
    check "collector: $key" grep -qx "$key" "$U/tlsrpt-collector.service"
done
check "socket: mode 0660" grep -qx 'SocketMode=0660' "$U/tlsrpt-collector.socket"
check "socket: group postfix" grep -qx 'SocketGroup=postfix' "$U/tlsrpt-collector.socket"
check "timer: Persistent" grep -qx 'Persistent=true' "$U/tlsrpt-daily.timer"
check "timer: RandomizedDelaySec" grep -q '^RandomizedDelaySec=' "$U/tlsrpt-daily.timer"
check "daily: runs tlsrpt daily" grep -qx "ExecStart=$P/sbin/tlsrpt daily" "$U/tlsrpt-daily.service"
# The timer fires between 00:05 and 03:00 UTC: its calendar start plus the largest delay.
next=$(TZ=UTC systemd-analyze calendar --iterations=1 "$(sed -n 's/^OnCalendar=//p' "$U/tlsrpt-daily.timer")" \
    | sed -n 's/.*Next elapse: [A-Za-z]* [0-9-]* \([0-9:]*\) UTC$/\1/p')
delay=$(sed -n 's/^RandomizedDelaySec=\([0-9]*\)h$/\1/p' "$U/tlsrpt-daily.timer")
check_eq "timer: first run at 00:05:00 UTC" "00:05:00" "$next"
check "timer: latest run ($delay h after 00:05) before 03:00 UTC" test "$delay" -le 2

# Retries (RFC 8460 §5.5): tlsrpt send every 10 minutes, beside the daily run.
check "send: runs tlsrpt send" grep -qx "ExecStart=$P/sbin/tlsrpt send" "$U/tlsrpt-send.service"
check "send: a oneshot that the timer restarts (no Restart=)" \
    bash -c "grep -qx 'Type=oneshot' '$U/tlsrpt-send.service' && ! grep -q '^Restart=' '$U/tlsrpt-send.service'"
times=$(TZ=UTC systemd-analyze calendar --iterations=7 "$(sed -n 's/^OnCalendar=//p' "$U/tlsrpt-send.timer")" \
    --base-time='2026-11-29 00:00:01 UTC' 2>/dev/null | grep -o '[0-9][0-9]:[0-9][0-9]:[0-9][0-9] UTC' | tr '\n' ' ')
check_eq "send timer: every 10 minutes" "00:10:00 UTC 00:20:00 UTC 00:30:00 UTC 00:40:00 UTC 00:50:00 UTC 01:00:00 UTC 01:10:00 UTC " "$times"
check "send timer: installed for timers.target" grep -qx 'WantedBy=timers.target' "$U/tlsrpt-send.timer"

# --- sysusers + tmpfiles in a scratch root -----------------------------------------------------
S="$T/root"
mkdir -p "$S/etc" "$S/usr/lib/sysusers.d" "$S/usr/lib/tmpfiles.d"
cp "$R/usr/lib/sysusers.d/tlsrpt.conf" "$S/usr/lib/sysusers.d/"
cp "$R/usr/lib/tmpfiles.d/tlsrpt.conf" "$S/usr/lib/tmpfiles.d/"
if systemd-sysusers --root="$S" tlsrpt.conf > "$T/sysusers.log" 2>&1; then
    pass "systemd-sysusers creates the user"
else
    fail "systemd-sysusers creates the user" "$(cat "$T/sysusers.log")"
fi
check "user tlsrpt with home /var/lib/tlsrpt and no shell" \
    grep -qE '^tlsrpt:x:[0-9]+:[0-9]+:[^:]*:/var/lib/tlsrpt:/usr/sbin/nologin$' "$S/etc/passwd"
check "group tlsrpt" grep -q '^tlsrpt:' "$S/etc/group"
uid=$(awk -F: '$1 == "tlsrpt" {print $3}' "$S/etc/passwd")
systemd-tmpfiles --root="$S" --create tlsrpt.conf > "$T/tmpfiles.log" 2>&1
check_eq "systemd-tmpfiles creates the directories" 0 $?
check_eq "/var/lib/tlsrpt: tlsrpt, 0750" "$uid 750" "$(stat -c '%u %a' "$S/var/lib/tlsrpt")"
check_eq "/run/tlsrpt: tlsrpt, 0755" "$uid 755" "$(stat -c '%u %a' "$S/run/tlsrpt")"
check_eq "/etc/tlsrpt: root, group tlsrpt, 0750" "0 $uid 750" "$(stat -c '%u %g %a' "$S/etc/tlsrpt")"

# --- uninstall removes what install put there --------------------------------------------------
mk uninstall DESTDIR="$R" PREFIX=/usr
check_eq "make uninstall leaves no file" "" "$(find "$R" -type f)"
