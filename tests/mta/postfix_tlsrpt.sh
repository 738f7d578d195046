#!/bin/bash
# The real MTA: Debian 13's Postfix 3.10 (libtlsrpt0 0.5.0rc1) as Debian configures it
# (chrooted smtp, smtp_tlsrpt_socket_name relative to the queue directory), in a network
# namespace of its own with everything it talks to: a DNS server that sets the AD bit (MX, A,
# TLSA, _smtp._tls and _mta-sts records), MX servers with good, expired, wrong-name and
# self-signed certificates or no STARTTLS, DANE domains whose TLSA records match and do not,
# MTA-STS policies on an HTTPS server read by postfix-mta-sts-resolver (`tlsrpt: true`) as
# Postfix's policy map. Our collector (the build under test) listens on the socket Postfix
# writes to. Mail goes to every domain; then every `TLSRPT: status=` line Postfix logs must be
# one counted session, and `tlsrpt daily` must deliver each domain's report through Postfix's
# report transport (smtp_tlsrpt_enable=no, through tlsproxy) to that domain's own MX, DKIM
# signed, carrying the policy Postfix applied. Scenario table: tests/mta/README.md.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
NAME=postfix_tlsrpt
mta_root "$NAME"
t0=$(date +%s)

NS=tlsrpt-mta-$$
ip netns add "$NS" || { fail "netns" "ip netns add $NS"; exit 1; }
on_exit "ip netns pids $NS 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del $NS 2>/dev/null"
ip -n "$NS" link set lo up
# the servers' addresses, on the namespace's loopback (Postfix's own is 127.0.0.1 only, so it
# does not take them for itself)
net=10.25.0
for i in $(seq 10 30); do ip -n "$NS" addr add "$net.$i/32" dev lo; done
start_holder "$NS" || { fail "namespace" "could not start"; exit 1; }
R=$RH   # the root as files: through the holder's view of its mount namespace

# --- scenarios -----------------------------------------------------------------------------
# domain (.test), MX address ($net.N), the MX's certificate (good: from the test CA for its
# name; expired; self: self-signed; wrong: from the test CA for another name; none: no
# STARTTLS), Postfix's policy (may: Debian's default level; secure: a static `secure` entry,
# no TLSRPT attributes; sts: an MTA-STS enforce policy through postfix-mta-sts-resolver; dane:
# a TLSA 3 1 1 record of the server's key; dane-bad: a TLSA record of another key), the
# _smtp._tls records (0, 1 or 2), then what Postfix must do: the report's policy type (- for
# no datagram), the result (success, or the failure's result type), and the number of TLS
# sessions it reports (failures are deferred and retried once: two sessions; reuse: three
# messages on one connection through tlsproxy; resume: two connections, the second resuming
# the first's TLS session: one session each).
SCEN="may-good      10 good    may      1 no-policy-found success                   1
may-plain     11 none    may      1 -               -                         0
secure-good   12 good    secure   1 no-policy-found success                   1
sts-good      13 good    sts      1 sts             success                   1
sts-plain     14 none    sts      1 sts             starttls-not-supported    2
sts-self      15 self    sts      1 sts             validation-failure        2
sts-expired   16 expired sts      1 sts             certificate-expired       2
sts-name      17 wrong   sts      1 sts             certificate-host-mismatch 2
dane-good     18 good    dane     1 tlsa            success                   1
dane-bad      19 good    dane-bad 1 tlsa            certificate-not-trusted   2
dane-plain    20 none    dane     1 tlsa            starttls-not-supported    2
norecord      21 good    may      0 -               -                         0
tworecords    22 good    may      2 -               -                         0
reuse         23 good    may      1 no-policy-found success                   1
resume        24 good    may      1 no-policy-found success                   1"
STS_ADDR=$net.30
scen() { echo "$SCEN" | awk -v d="$1" -v f="$2" '$1 == d {print $f}'; }
domains=$(echo "$SCEN" | awk '{print $1}')

# --- certificates -------------------------------------------------------------------------
good_hosts=""
pki_args=""
for d in $domains; do
    case $(scen "$d" 3) in
    good) good_hosts="$good_hosts,mx.$d.test" ;;
    expired | self) pki_args="$pki_args $d:$(scen "$d" 3):mx.$d.test" ;;
    wrong) pki_args="$pki_args $d:good:mx.elsewhere.test" ;;
    esac
done
sts_hosts=$(for d in $domains; do [ "$(scen "$d" 4)" = sts ] && printf ',mta-sts.%s.test' "$d"; done)
$PY "$MTA_DIR/pki.py" "$T/pki" "good:good:${good_hosts#,}" "sts:good:${sts_hosts#,}" \
    "other:good:mx.other.test" $pki_args || { fail "certificates" "pki.py failed"; exit 1; }

# --- DNS ----------------------------------------------------------------------------------
dkim_p=$(openssl pkey -in "$DATA/reporter/dkim-rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
{
    echo "tlsrpt._domainkey.example.net TXT \"v=DKIM1; k=rsa; s=tlsrpt; p=\" $(echo "$dkim_p" | fold -w 200 | sed 's/.*/"&"/' | paste -sd' ')"
    for d in $domains; do
        a=$net.$(scen "$d" 2)
        echo "$d.test MX 10 mx.$d.test."
        echo "mx.$d.test A $a"
        case $(scen "$d" 5) in
        1) echo "_smtp._tls.$d.test TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@$d.test\"" ;;
        2) echo "_smtp._tls.$d.test TXT \"v=TLSRPTv1; rua=mailto:a@$d.test\""
           echo "_smtp._tls.$d.test TXT \"v=TLSRPTv1; rua=mailto:b@$d.test\"" ;;
        esac
        case $(scen "$d" 4) in
        sts)
            echo "_mta-sts.$d.test TXT \"v=STSv1; id=20261206\""
            echo "mta-sts.$d.test A $STS_ADDR"
            printf 'version: STSv1\nmode: enforce\nmx: mx.%s.test\nmax_age: 86400\n' "$d" \
                > "$T/sts-$d" ;;
        dane) key=good; [ "$(scen "$d" 3)" = none ] && key=other
            echo "_25._tcp.mx.$d.test TLSA 3 1 1 $(cat "$T/pki/$key.spki-sha256")" ;;
        dane-bad) echo "_25._tcp.mx.$d.test TLSA 3 1 1 $(cat "$T/pki/other.spki-sha256")" ;;
        esac
    done
} > "$T/zone"
mkdir -p "$T/sts"
for f in "$T"/sts-*; do [ -f "$f" ] && mv "$f" "$T/sts/mta-sts.${f#"$T"/sts-}.test.txt"; done
inns $PY "$MTA_DIR/zone_server.py" "$T/zone" 127.0.0.1 53 2> "$T/dns.log" &
on_exit "kill $! 2>/dev/null"
inns $PY "$MTA_DIR/sts_server.py" "$T/sts" "$STS_ADDR" "$T/pki/sts.pem" "$T/pki/sts.key" \
    2> "$T/sts.log" &
on_exit "kill $! 2>/dev/null"

# --- MX servers ---------------------------------------------------------------------------
for d in $domains; do
    a=$net.$(scen "$d" 2)
    case $(scen "$d" 3) in
    none) echo "$a none" ;;
    good) echo "$a $T/pki/good.pem $T/pki/good.key" ;;
    wrong) echo "$a $T/pki/$d.pem $T/pki/$d.key" ;;
    *) echo "$a $T/pki/$d.pem $T/pki/$d.key" ;;
    esac
done > "$T/mx.conf"
inns $PY "$MTA_DIR/mx_servers.py" "$T/mx" "$T/mx.conf" 2> "$T/mx.log" &
on_exit "kill $! 2>/dev/null"
wait_for 20 test -f "$T/zone.ready" -a -f "$T/mx/ready" -a -f "$T/sts/ready" || {
    fail "servers" "did not start: $(cat "$T/dns.log" "$T/mx.log" "$T/sts.log" | tail -5)"
    exit 1
}

# --- the collector, on the socket Postfix writes to ---------------------------------------
gid=$(awk -F: '$1 == "postfix" {print $3}' "$R/etc/group")
mkdir -p "$R/var/spool/postfix/run/tlsrpt"
chmod 755 "$R/var/spool/postfix/run" "$R/var/spool/postfix/run/tlsrpt"
SOCK=$T/root/var/spool/postfix/run/tlsrpt/tlsrpt.sock
DB=$T/tlsrpt.sqlite
cp "$DATA/reporter/dkim-rsa.pem" "$T/dkim.pem"
chmod 600 "$T/dkim.pem"
cat > "$T/tlsrpt.conf" <<CONF
[storage]
database = $DB
[collector]
socket_group = $gid
socket_mode = 0660
flush_interval = 100ms
[report]
organization_name = Example Networks
contact_info = tlsrpt@example.net
submitter = example.net
[dkim]
domain = example.net
selector = tlsrpt
key_file = $T/dkim.pem
algorithm = rsa-sha256
[delivery]
from = tlsrpt@example.net
dns_servers = 127.0.0.1:53
smtp_url = smtp://127.0.0.1:25
smtp_starttls = no
connect_timeout = 5s
timeout = 10s
CONF
# Its clock is fixed to yesterday noon, so that `daily` (on the real clock: receivers check
# the DKIM signature's time) reports the sessions of this run as yesterday's.
DAY=$(date -u -d yesterday +%Y-%m-%d)
inns "$BIN" --config "$T/tlsrpt.conf" --now "${DAY}T12:00:00Z" collect --socket "$SOCK" \
    2> "$T/collector.log" &
COLLECTOR=$!
on_exit "kill $COLLECTOR 2>/dev/null"
wait_for 20 grep -q 'collector started' "$T/collector.log" ||
    { fail "collector" "did not start: $(tail -3 "$T/collector.log")"; exit 1; }
check_eq "socket: group = the root's postfix gid ($gid), mode 660" "$gid 660" \
    "$(stat -c '%g %a' "$R/var/spool/postfix/run/tlsrpt/tlsrpt.sock")"

# --- Postfix, as Debian configures it, plus TLSRPT ----------------------------------------
cp "$T/pki/ca.pem" "$R/etc/postfix/test-ca.pem"
cp "$T/pki/ca.pem" "$R/etc/mta-sts-test-ca.pem"
printf 'nameserver 127.0.0.1\noptions trust-ad\n' > "$R/etc/resolv.conf"
echo sender.test > "$R/etc/mailname"
cat > "$R/etc/postfix/tls_policy" <<'MAP'
secure-good.test secure
dane-good.test dane
dane-bad.test dane
dane-plain.test dane
MAP
# Bounces to the test sender are discarded. reuse.test is routed explicitly, so its report
# needs the same exception as the sender-dependent default (transport_maps wins over it).
cat > "$R/etc/postfix/transport" <<'MAP'
sender.test discard:
tlsrpt@reuse.test tlsrpt-out:
reuse.test reuse:
MAP
inroot postconf -e \
    "myhostname = mta.sender.test" "mydomain = sender.test" "myorigin = sender.test" \
    "mydestination =" "inet_interfaces = 127.0.0.1" "inet_protocols = ipv4" \
    "alias_maps =" "alias_database =" "maillog_file = /var/log/postfix.log" \
    "smtp_tls_security_level = may" "smtp_tls_CAfile = /etc/postfix/test-ca.pem" \
    "smtp_tls_loglevel = 1" "smtp_dns_support_level = dnssec" \
    "smtp_tls_session_cache_database = btree:\${data_directory}/smtp_scache" \
    "smtp_tls_policy_maps = texthash:/etc/postfix/tls_policy, socketmap:inet:127.0.0.1:8461:postfix" \
    "transport_maps = texthash:/etc/postfix/transport" \
    "smtp_tlsrpt_enable = yes" "smtp_tlsrpt_socket_name = run/tlsrpt/tlsrpt.sock" \
    "smtp_destination_concurrency_failed_cohort_limit = 100" \
    "connection_cache_ttl_limit = 20s" \
    "sender_dependent_default_transport_maps = inline:{ { tlsrpt@example.net = tlsrpt-out } }"
# tlsproxy is commented out in Debian's master.cf; the report transport is the README's
sed -i 's/^#tlsproxy /tlsproxy /' "$R/etc/postfix/master.cf"
cat >> "$R/etc/postfix/master.cf" <<'MCF'
reuse     unix  -       -       y       -       -       smtp
    -o smtp_tls_connection_reuse=yes
    -o smtp_connection_cache_destinations=reuse.test
    -o smtp_connection_cache_time_limit=20s
tlsrpt-out unix  -  -  y  -  -  smtp
    -o syslog_name=postfix/tlsrpt-out
    -o smtp_tlsrpt_enable=no
    -o smtp_tls_security_level=may
    -o smtp_tls_policy_maps=static:may
MCF
check_eq "Debian's smtp transport runs chrooted" "y" \
    "$(awk '$1 == "smtp" && $2 == "unix" {print $5}' "$R/etc/postfix/master.cf")"
cat > "$R/etc/mta-sts-daemon.yml" <<'YML'
host: 127.0.0.1
port: 8461
cache:
  type: internal
default_zone:
  strict_testing: false
  timeout: 4
  tlsrpt: true
YML
inroot env SSL_CERT_FILE=/etc/mta-sts-test-ca.pem mta-sts-daemon -c /etc/mta-sts-daemon.yml \
    > "$T/mta-sts.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
inroot postfix start > "$T/postfix-start.log" 2>&1 ||
    { fail "postfix start" "$(tail -3 "$T/postfix-start.log")"; exit 1; }
on_exit "nsenter -t $HOLDER -m -n -- chroot $T/root postfix stop >/dev/null 2>&1"
wait_for 20 inns $PY -c 'import socket; socket.create_connection(("127.0.0.1", 8461), 1)' ||
    { fail "mta-sts-daemon" "$(tail -3 "$T/mta-sts.log")"; exit 1; }
LOG=$R/var/log/postfix.log
echo "setup took $(( $(date +%s) - t0 ))s"

# --- mail -----------------------------------------------------------------------------------
mail() { # RCPT: one message from sender@sender.test
    printf 'From: sender@sender.test\nTo: %s\nSubject: test\n\nhello\n' "$1" |
        inroot sendmail -f sender@sender.test "$1"
}
# delivered N: waits until Postfix has logged N delivery attempts (to=<...> status=sent or
# deferred), so that every message sent so far was tried
attempts() { grep -cE ' to=<[^>]*>, relay=.* status=(sent|deferred|bounced)' "$LOG"; }
enough_attempts() { [ "$(attempts)" -ge "$1" ]; }
delivered() {
    wait_for 90 enough_attempts "$1" ||
        echo "only $(attempts) of $1 delivery attempts logged"
}
n=0
for d in $domains; do
    case $d in reuse | resume) continue ;; esac
    mail "user@$d.test"
    n=$((n + 1))
done
delivered "$n"
# a retry of every deferred message: another handshake each, so another session
deferred=$(grep -c ' status=deferred' "$LOG")
inroot postqueue -f
n=$((n + deferred))
delivered "$n"
# connection reuse through tlsproxy: three messages, one after another, on one connection
for i in 1 2 3; do mail "user$i@reuse.test"; n=$((n + 1)); delivered "$n"; done
# TLS session resumption: two messages on two connections, the second resuming the session
# (the reuse transport's cached connection is not used: resume.test goes through smtp)
for i in 1 2; do mail "user$i@resume.test"; n=$((n + 1)); delivered "$n"; done
sleep 1
echo "mail took $(( $(date +%s) - t0 ))s"

# --- every logged session is one counted session ------------------------------------------
# Postfix: "TLSRPT: status=success, domain=D, ..." / "status=failure, ..., failure_type=..."
grep 'TLSRPT: status=' "$LOG" > "$T/tlsrpt-lines"
$PY - "$T/tlsrpt-lines" > "$T/logged" <<'PY'
import re, sys, collections
c = collections.Counter()
for line in open(sys.argv[1]):
    st = re.search(r"status=(\w+)", line).group(1)
    dom = re.search(r"domain=([^, ]+)", line).group(1).lower().rstrip(".")
    c[(dom, st)] += 1
for (d, s), n in sorted(c.items()):
    print(d, s, n)
PY
mkdir -p "$T/dgrams"
echo "$SCEN" > "$T/scenarios"
sleep 1 # the collector commits every 100 ms
tlsrpt --config "$T/tlsrpt.conf" stats --day "$DAY" --json > "$T/stats.json"
$PY "$MTA_DIR/check_sessions.py" "$T/scenarios" "$LOG" "$T/stats.json"

# connection reuse and resumption, as the MX servers saw them: reuse.test's three messages on
# one connection with one handshake; resume.test's second connection resumed the TLS session
check_eq "reuse.test: 3 messages, 1 connection, 1 new TLS handshake" "3 new" \
    "$(ls "$T/mx/$net.23"/mail-*.eml | wc -l) $(cut -d' ' -f1 "$T/mx/$net.23/tls.log" | paste -sd' ')"
check "Postfix logged the reuse through tlsproxy" grep -q 'postfix/tlsproxy.*TLS connection established to mx.reuse.test' "$LOG"
check_eq "resume.test: 2 messages, a new and a resumed TLS handshake" "2 new resumed" \
    "$(ls "$T/mx/$net.24"/mail-*.eml | wc -l) $(cut -d' ' -f1 "$T/mx/$net.24/tls.log" | paste -sd' ')"
check "tworecords.test: Postfix warns of two records" grep -q 'Too many TLSRPT policies for tworecords.test' "$LOG"

# --- the reports, through Postfix's report transport, to every domain's own MX --------------
# tlsproxy for every TLS connection from here on: the report transport's handshakes go
# through it too, and must still not be reported.
inroot postconf -e "smtp_tls_connection_reuse = yes"
inroot postfix reload > /dev/null 2>&1
sessions_before=$(grep -c 'TLSRPT: status=' "$LOG")
inns "$BIN" --config "$T/tlsrpt.conf" daily 2> "$T/daily.log"
check_eq "daily exits 0" 0 "$?"
n=$((n + $(echo "$SCEN" | awk '$8 > 0' | wc -l)))
delivered "$n"
sleep 1
tlsrpt --config "$T/tlsrpt.conf" reports --json > "$T/reports.json"
check_eq "report transport (smtp_tlsrpt_enable=no, through tlsproxy): no session logged" \
    "$sessions_before" "$(grep -c 'TLSRPT: status=' "$LOG")"
check_eq "report transport: no datagram counted" \
    "$(jq '[.[] | .successful + .failed] | add' "$T/stats.json")" \
    "$(tlsrpt --config "$T/tlsrpt.conf" stats --since "$DAY" --until "$(date -u +%F)" --json | jq '[.[] | .successful + .failed] | add')"
check "the report transport went through tlsproxy" grep -q 'postfix/tlsproxy.*CONNECT' "$LOG"
check_eq "every report left through the report transport (postfix/tlsrpt-out)" \
    "$(echo "$SCEN" | awk '$8 > 0' | wc -l)" \
    "$(grep -c 'postfix/tlsrpt-out/smtp.* to=<tlsrpt@.*status=sent' "$LOG")"
mkdir -p "$T/reports"
for d in $domains; do
    n=$(scen "$d" 8)
    D=$d.test
    id=$(jq -r --arg d "$D" '.[] | select((.domain // .["policy-domain"]) == $d) | .["report-id"]' "$T/reports.json")
    if [ "$n" = 0 ]; then
        check_eq "$D: no report (no session reported)" "" "$id"
        continue
    fi
    [ -n "$id" ] || { fail "$D: a report" "none in reports --json"; continue; }
    tlsrpt --config "$T/tlsrpt.conf" show --gzip "$id" | gunzip > "$T/reports/$D.json"
    check_eq "$D: report sent" "sent" \
        "$(jq -r --arg d "$D" '.[] | select((.domain // .["policy-domain"]) == $d) | .state' "$T/reports.json")"
    box=$T/mx/$net.$(scen "$d" 2)
    eml=$(grep -l "^RCPT tlsrpt@$D\$" "$box"/mail-*.env 2>/dev/null | head -n 1)
    if [ -z "$eml" ]; then
        fail "$D: the report arrived at the domain's MX (rua mailto:tlsrpt@$D)" "no such mail"
        continue
    fi
    pass "$D: the report arrived at the domain's MX (rua mailto:tlsrpt@$D)"
    check_eq "$D: the mail DKIM-verifies and carries the stored report" "ok" \
        "$(inns $PY "$TOP/tests/tools/dkim_check.py" 53 "${eml%.env}.eml" "$T/reports/$D.json")"
done
$PY "$MTA_DIR/check_reports.py" "$T/scenarios" "$T/zone" "$T/sts" "$T/reports"
echo "the whole test took $(( $(date +%s) - t0 ))s"
