#!/bin/bash
# The Debian package, built and installed for real:
#  1. dpkg-buildpackage -b -us -uc in a copy of the tree (the tree stays clean); the .deb is cached
#     in /var/cache/tlsrpt-test/deb-HASH by the content of the copy; lintian without errors; what
#     the .deb holds (program, man pages, units, sysusers, tmpfiles, the conffile, runtime
#     dependencies only).
#  2. For Debian 12 and Debian 13: a debootstrap root (tests/lib/debian_root.sh, cached) with
#     systemd and the package's runtime libraries, booted with its own systemd by systemd-nspawn
#     on a throw-away overlay (--volatile=overlay: the cached root is never written). Inside,
#     through nsenter into the container's systemd: dpkg -i the .deb built on this host, then
#     the socket listens and starts the collector on the first datagram, the tlsrpt user exists,
#     the timers are scheduled, tlsrpt-daily.service builds and delivers a report to an outbox and
#     logs its summary to the journal, check-config passes as the service user; dpkg --purge, and
#     what is left.
# Runs once per suite (tests/run.sh: normal build only). SKIP where it cannot run (not root, no
# debootstrap or systemd-nspawn, no mirror).
. "$(dirname "$0")/../lib.sh"
CACHE=${TLSRPT_ROOT_CACHE:-/var/cache/tlsrpt-test}
export TLSRPT_ROOT_CACHE=$CACHE
skip() { echo "SKIP deb_install: $1"; exit 0; }
info() { echo "INFO $1"; }

[ "$(id -u)" -eq 0 ] || skip "needs root"
for c in git dpkg-buildpackage lintian fakeroot debootstrap systemd-nspawn nsenter dnsmasq openssl; do
    command -v "$c" > /dev/null || skip "no $c (scripts/setup.sh --test installs it)"
done
[ -d "$TOP/.git" ] || [ -f "$TOP/.git" ] || skip "not a git checkout"
[ -x "$TOOLS/dgram_send" ] || { fail "deb_install" "no $TOOLS/dgram_send (make all)"; exit 0; }

version=$(sed -n 's/^VERSION := //p' "$TOP/Makefile")
arch=$(dpkg --print-architecture)
deb_name="tlsrpt_${version}_${arch}.deb"

t0=$(date +%s)
# The roots (network and dpkg bound) are made while the package builds (CPU bound). Each holds
# systemd and the runtime libraries the package depends on, as named in that release: on
# Debian 13 libcurl4t64, which provides libcurl4 (what the package built on 12 names), so that
# dpkg -i inside, with no network, proves the dependencies resolve there.
libs="systemd libopendkim11 libjansson4 libsqlite3-0 libidn2-0 zlib1g"
sh "$TOP/tests/lib/debian_root.sh" bookworm $libs libcurl4 > "$T/root-bookworm.path" 2> "$T/root-bookworm.log" &
root_job_bookworm=$!
sh "$TOP/tests/lib/debian_root.sh" trixie $libs libcurl4t64 > "$T/root-trixie.path" 2> "$T/root-trixie.log" &
root_job_trixie=$!
# (Not killed on exit: an interrupted build still completes the cache for the next run.)

# --- 1. build in a copy, cached by content -----------------------------------------------------
status_before=$(git -C "$TOP" status --porcelain)
# The copy: the files git knows or would add (tracked, plus new files not ignored), with the
# last commit's time (lintian refuses files from 1970). The cache key: those files' contents,
# tests/ left out (nothing in the package comes from there).
files() { (cd "$TOP" && git ls-files -co --exclude-standard -z); }
key=$(cd "$TOP" && files | grep -zv '^tests/' | sort -z | xargs -0 sha256sum 2> /dev/null | sha256sum | cut -c1-16)
debdir=$CACHE/deb-$(. /etc/os-release && echo "$VERSION_CODENAME")-$key
if [ ! -f "$debdir/$deb_name" ]; then
    mkdir -p "$CACHE"
    b=$(mktemp -d "$CACHE/.deb-build-XXXXXX")
    mkdir "$b/tlsrpt-$version"
    mtime=$(git -C "$TOP" log -1 --format=%ct)
    files | (cd "$TOP" && tar --null --ignore-failed-read -T - --mtime=@"$mtime" --owner=0 --group=0 \
        --numeric-owner -cf - 2> /dev/null) | tar -xf - -C "$b/tlsrpt-$version"
    (cd "$b/tlsrpt-$version" && nice dpkg-buildpackage -b -us -uc) > "$b/build.log" 2>&1
    echo $? > "$b/build.rc"
    (cd "$b" && lintian --fail-on none ./*.changes) > "$b/lintian.log" 2>&1
    rm -rf "$b/tlsrpt-$version"
    if [ "$(cat "$b/build.rc")" = 0 ]; then
        rm -rf "${debdir%-*}"-* # packages of older trees
        mv "$b" "$debdir"
    else
        fail "dpkg-buildpackage -b -us -uc exits 0" "$(tail -n 20 "$b/build.log")"
        rm -rf "$b"
        exit 0
    fi
    info "built $deb_name in $(($(date +%s) - t0))s"
else
    info "$deb_name of this tree taken from $debdir"
fi
check_eq "dpkg-buildpackage -b -us -uc exits 0" 0 "$(cat "$debdir/build.rc")"
check "it builds $deb_name (version from the Makefile)" test -f "$debdir/$deb_name"
check_eq "the tree stays clean" "$status_before" "$(git -C "$TOP" status --porcelain)"
errors=$(grep '^E: ' "$debdir/lintian.log")
check_eq "lintian: no errors" "" "$errors"
DEB=$debdir/$deb_name

contents=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/sbin/tlsrpt /usr/share/man/man8/tlsrpt.8.gz /usr/share/man/man5/tlsrpt.conf.5.gz \
    /usr/lib/sysusers.d/tlsrpt.conf /usr/lib/tmpfiles.d/tlsrpt.conf /etc/tlsrpt/tlsrpt.conf \
    /usr/share/doc/tlsrpt/copyright; do
    check "the .deb holds $f" grep -qx "$f" <<< "$contents"
done
for u in tlsrpt-collector.socket tlsrpt-collector.service tlsrpt-daily.service tlsrpt-daily.timer \
    tlsrpt-send.service tlsrpt-send.timer; do
    check "the .deb holds the unit $u" grep -qE "^(/usr)?/lib/systemd/system/$u\$" <<< "$contents"
done
check_eq "conffiles: /etc/tlsrpt/tlsrpt.conf" "/etc/tlsrpt/tlsrpt.conf" \
    "$(dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles 2> /dev/null)"
depends=$(dpkg-deb -f "$DEB" Depends)
check "Depends: the shared libraries (libopendkim, jansson, sqlite3, curl, idn2, zlib)" bash -c \
    "for l in libopendkim11 libjansson4 libsqlite3-0 libcurl4 libidn2-0 zlib1g libc6; do
         grep -q \"\$l\" <<< '$depends' || exit 1; done"
check "Depends: nothing to build with (no -dev, no compiler)" bash -c \
    "! grep -qE -- '-dev|gcc|make|scdoc|pkg-config' <<< '$depends'"

# --- 2. install into booted Debian 12 and 13 roots ------------------------------------------------
# The test's own files, shared read-only with each container at /mnt/test.
S=$T/share
mkdir -p "$S"
cp "$DEB" "$S/tlsrpt.deb"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$S/dkim.pem" 2> /dev/null
yesterday=$(date -u -d yesterday +%Y-%m-%d)
for v in 06-nopolicy-success 08-nopolicy-201-starttls-partial-fields; do
    sed 's/nopolicy\.example/pkg.test/g' "$DATA/vectors/libtlsrpt/$v.dgram"
    echo
done > "$S/day.jsonl"
sed 's/nopolicy\.example/live.test/g' "$DATA/vectors/libtlsrpt/06-nopolicy-success.dgram" > "$S/live.dgram"
DNS_PORT=5353
cat > "$S/tlsrpt.conf" <<EOF
# The administrator's configuration in the test: reports to an outbox, DNS from the test's
# dnsmasq on the container's loopback.
[report]
organization_name = Package Test
contact_info = tlsrpt@example.net
[dkim]
domain = example.net
selector = tlsrpt
key_file = /etc/tlsrpt/dkim.pem
[delivery]
from = tlsrpt@example.net
transport = outbox
outbox = /var/lib/tlsrpt/outbox
dns_servers = 127.0.0.1:$DNS_PORT
EOF
cat > "$T/dnsmasq.conf" <<EOF
port=$DNS_PORT
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
pid-file=
log-facility=$T/dnsmasq.log
log-queries
local=/test/
txt-record=_smtp._tls.pkg.test,"v=TLSRPTv1; rua=mailto:tlsrpt@pkg.test"
EOF

NSPAWN_PID=""
CPID=""
# The container's PID 1 (its systemd): a descendant of systemd-nspawn named systemd.
container_pid() {
    ps -eo pid=,ppid=,comm= | awk -v top="$1" '
        { parent[$1] = $2; comm[$1] = $3 }
        END { for (p in parent) { q = parent[p]; d = 1
                  while (q != "" && q != top && d < 4) { q = parent[q]; d++ }
                  if (q == top && comm[p] == "systemd") { print p; exit } } }'
}
ct() { nsenter -t "$CPID" -a "$@"; }
stop_container() {
    [ -n "$NSPAWN_PID" ] || return 0
    kill -TERM "$NSPAWN_PID" 2> /dev/null
    for _ in $(seq 100); do kill -0 "$NSPAWN_PID" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$NSPAWN_PID" 2> /dev/null
    wait "$NSPAWN_PID" 2> /dev/null
    NSPAWN_PID=""
}
on_exit stop_container
tree() { ct find / -xdev -path '*tlsrpt*' 2> /dev/null | sort; }

run_suite() { # SUITE LABEL ROOT_JOB: one root, one boot, every check prefixed with LABEL
    local suite=$1 L=$2 root rc state t_start t_boot out sock n
    wait "$3"
    rc=$?
    root=$(cat "$T/root-$suite.path")
    if [ "$rc" -eq 2 ]; then echo "SKIP $L: $(tail -n 1 "$T/root-$suite.log")"; return; fi
    if [ "$rc" -ne 0 ]; then fail "$L: debootstrap root" "$(tail -n 5 "$T/root-$suite.log")"; return; fi
    info "$L: root $root ready ($(($(date +%s) - t0))s after the start)"

    t_start=$(date +%s)
    systemd-nspawn -q -D "$root" --volatile=overlay -b --register=no --keep-unit --private-network \
        -M "tlsrpt-pkg-$suite-$$" --bind-ro="$S:/mnt/test" > "$T/nspawn-$suite.log" 2>&1 &
    NSPAWN_PID=$!
    CPID=""
    for _ in $(seq 100); do
        CPID=$(container_pid "$NSPAWN_PID")
        [ -n "$CPID" ] && break
        sleep 0.1
    done
    if [ -z "$CPID" ]; then fail "$L: systemd-nspawn boots the root" "$(tail -n 5 "$T/nspawn-$suite.log")"; stop_container; return; fi
    # systemctl answers once PID 1 has its private socket; then --wait waits for the boot.
    wait_for 30 nsenter -t "$CPID" -a systemctl is-system-running > /dev/null 2>&1
    state=$(timeout 60 nsenter -t "$CPID" -a systemctl is-system-running --wait 2> /dev/null)
    t_boot=$(date +%s)
    case "$state" in
    running) pass "$L: boots with its own systemd (running)" ;;
    *) fail "$L: boots with its own systemd" "state [$state]; failed: $(ct systemctl --failed --no-legend 2>&1 | tr '\n' ' ')" ;;
    esac
    check_eq "$L: no tlsrpt file before installation" "" "$(tree)"

    # A Postfix host: the socket belongs to group postfix.
    ct groupadd --system postfix
    ct dpkg -i /mnt/test/tlsrpt.deb > "$T/dpkg-i-$suite.log" 2>&1
    check_eq "$L: dpkg -i the .deb (built on $(. /etc/os-release && echo "Debian $VERSION_ID")) exits 0" 0 $? 
    check_eq "$L: dependencies resolved, package installed" "install ok installed" \
        "$(ct dpkg-query -W -f '${Status}' tlsrpt 2>&1)"
    check_eq "$L: postinst printed no error" "" "$(grep -iE 'error|fail|warn' "$T/dpkg-i-$suite.log")"

    # The service user and its directories (sysusers.d, tmpfiles.d).
    out=$(ct getent passwd tlsrpt | cut -d: -f6,7)
    check_eq "$L: user tlsrpt exists (home, no login shell)" "/var/lib/tlsrpt:/usr/sbin/nologin" "$out"
    check_eq "$L: /etc/tlsrpt is 0750 root:tlsrpt" "750 root:tlsrpt" "$(ct stat -c '%a %U:%G' /etc/tlsrpt)"
    check_eq "$L: /var/lib/tlsrpt is 0750 tlsrpt:tlsrpt" "750 tlsrpt:tlsrpt" \
        "$(ct stat -c '%a %U:%G' /var/lib/tlsrpt)"

    # The socket: enabled and listening; the collector starts on the first datagram.
    check_eq "$L: tlsrpt-collector.socket enabled" "enabled" "$(ct systemctl is-enabled tlsrpt-collector.socket)"
    check_eq "$L: tlsrpt-collector.socket listening" "active" "$(ct systemctl is-active tlsrpt-collector.socket)"
    check_eq "$L: socket 0660 tlsrpt:postfix" "socket 660 tlsrpt:postfix" \
        "$(ct stat -c '%F %a %U:%G' /run/tlsrpt/collector.sock)"
    check_eq "$L: collector not running before a datagram" "inactive" \
        "$(ct systemctl is-active tlsrpt-collector.service)"
    sock=/proc/$CPID/root/run/tlsrpt/collector.sock
    "$TOOLS/dgram_send" "$sock" "$S/live.dgram" > /dev/null
    collector_active() { [ "$(ct systemctl is-active tlsrpt-collector.service)" = active ]; }
    if wait_for 20 collector_active; then
        pass "$L: the first datagram starts tlsrpt-collector.service"
    else
        fail "$L: the first datagram starts tlsrpt-collector.service" \
            "$(ct journalctl -u tlsrpt-collector.service -o cat --no-pager | tail -n 5)"
    fi
    counted() { ct runuser -u tlsrpt -- tlsrpt stats --domain live.test 2> /dev/null |
        grep -q '^[0-9-]* *live\.test .* 1 *0 '; }
    if wait_for 20 counted; then
        pass "$L: the collector counted the datagram (tlsrpt stats as user tlsrpt)"
    else
        fail "$L: the collector counted the datagram" "$(ct runuser -u tlsrpt -- tlsrpt stats 2>&1 | tail -n 3)"
    fi

    # Timers: enabled, active, with a next elapse.
    for tm in tlsrpt-daily.timer tlsrpt-send.timer; do
        check_eq "$L: $tm enabled and active" "enabled active" \
            "$(ct systemctl is-enabled $tm) $(ct systemctl is-active $tm)"
        out=$(ct systemctl show -P NextElapseUSecRealtime $tm)
        check "$L: $tm scheduled (next: $out)" test -n "$out"
    done

    # The administrator's configuration and DKIM key; yesterday's results; the daily run.
    ct cp /mnt/test/tlsrpt.conf /etc/tlsrpt/tlsrpt.conf
    ct install -m 0600 -o tlsrpt -g tlsrpt /mnt/test/dkim.pem /etc/tlsrpt/dkim.pem
    ct install -d -m 0750 -o tlsrpt -g tlsrpt /var/lib/tlsrpt/outbox
    out=$(ct runuser -u tlsrpt -- tlsrpt check-config 2>&1)
    rc=$?
    check_eq "$L: check-config passes as user tlsrpt" 0 $rc
    [ "$rc" -eq 0 ] || echo "$out" | sed -n '/^checks:/,$p'
    ct runuser -u tlsrpt -- tlsrpt record --time "${yesterday}T12:00:00Z" < "$S/day.jsonl" > /dev/null 2>&1
    : > "$T/dnsmasq.log"
    nsenter -t "$CPID" -n dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.conf" 2>> "$T/dnsmasq.log" &
    local dns_pid=$!
    wait_for 10 grep -q 'started' "$T/dnsmasq.log"
    timeout 120 nsenter -t "$CPID" -a systemctl start tlsrpt-daily.service
    check_eq "$L: systemctl start tlsrpt-daily.service succeeds" 0 $?
    kill "$dns_pid" 2> /dev/null
    wait "$dns_pid" 2> /dev/null
    n=$(ct find /var/lib/tlsrpt/outbox -name "*pkg.test*.eml" 2> /dev/null | wc -l)
    check_eq "$L: the daily run delivered yesterday's report to the outbox (one .eml)" 1 "$n"
    local eml
    eml=$(ct find /var/lib/tlsrpt/outbox -name "*pkg.test*.eml" 2> /dev/null | head -n 1)
    cp "/proc/$CPID/root$eml" "$T/$suite.eml" 2> /dev/null
    check_eq "$L: its DKIM signature verifies (libopendkim)" "pass" "$("$TOOLS/opendkim_verify" "$T/$suite.eml" \
        "v=DKIM1; k=rsa; p=$(openssl pkey -in "$S/dkim.pem" -pubout -outform DER 2> /dev/null | base64 -w0)")"
    out=$(ct journalctl -u tlsrpt-daily.service -o cat --no-pager 2> /dev/null)
    check "$L: journal: aggregated day=$yesterday" grep -q "aggregated day=$yesterday .*created=1" <<< "$out"
    local summary
    summary=$(grep -o 'send finished .*' <<< "$out" | tail -n 1)
    check "$L: journal: $summary" grep -q 'send finished reports=1 sent=1 ' <<< "$out"
    check_eq "$L: tlsrpt-daily.service result" "success" "$(ct systemctl show -P Result tlsrpt-daily.service)"

    # Purge: units stopped and gone, data gone; left: the user and the administrator's own file.
    ct dpkg --purge tlsrpt > "$T/dpkg-purge-$suite.log" 2>&1
    check_eq "$L: dpkg --purge exits 0" 0 $?
    check_eq "$L: socket stopped after purge" "inactive" "$(ct systemctl is-active tlsrpt-collector.socket)"
    check_eq "$L: collector stopped after purge" "inactive" "$(ct systemctl is-active tlsrpt-collector.service)"
    check_eq "$L: no tlsrpt timer after purge" "" "$(ct systemctl list-timers --all --no-legend | grep tlsrpt)"
    check_eq "$L: no unit file left" "" "$(ct systemctl list-unit-files --no-legend 'tlsrpt*')"
    check_eq "$L: purge leaves only the administrator's own file" "/etc/tlsrpt
/etc/tlsrpt/dkim.pem" "$(tree)"
    check_eq "$L: purge leaves /run/tlsrpt empty or absent" "" "$(ct ls -A /run/tlsrpt 2> /dev/null)"
    check "$L: the tlsrpt user stays (Debian keeps system users)" ct getent passwd tlsrpt > /dev/null
    info "$L: booted in $((t_boot - t_start))s, installed, checked and purged in $(($(date +%s) - t_boot))s"
    stop_container
}

run_suite bookworm "debian12" "$root_job_bookworm"
run_suite trixie "debian13" "$root_job_trixie"
info "deb_install: $(($(date +%s) - t0))s in all"
