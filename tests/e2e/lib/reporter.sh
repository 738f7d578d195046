# Helpers of the reporter's end-to-end tests (sourced after tests/lib.sh):
#   make_pki                      test CA + a server certificate for 127.0.0.1, localhost and
#                                 *.example.test ($T/pki/ca.pem, server.pem, server.key)
#   dkim_key ALG                  copies the test key (rsa-sha256 | ed25519-sha256) to $T,
#                                 prints its path; dkim_pub ALG prints the p= value
#   dns_txt NAME STRING...        a dnsmasq txt-record line (strings split at 250 bytes)
#   start_dns EXTRA_CONF_FILE     dnsmasq on a free port ($DNS_PORT) serving the lines of the file
#   start_smtp DIR [FLAGS]        SMTP sink on $SMTP_PORT (see tests/tools/smtp_sink.py)
#   start_https DIR [FLAGS]       HTTPS sink on $HTTPS_PORT (see tests/tools/https_sink.py)
#   write_config FILE [KEY=VALUE...]   a tlsrpt.conf for the sinks; KEY is section.key
#   record_day DAY DOMAIN...      records two real results per DOMAIN on DAY (tlsrpt record)
#   add_report DAY DOMAIN         records results for DOMAIN on DAY, aggregates, prints the id
#   q SQL                         sqlite3 query on $DB
#   dkim_ok MESSAGE JSON [--lf]   dkimpy strict verification + attachment check
#   start_a_test                  all of the above for one domain: a.test's record names
#                                 mailto:r@a.test and $U (the HTTPS sink), RSA key in place
TOOLS_PY="$TOP/tests/tools"

make_pki() {
    local d="$T/pki"
    mkdir -p "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
        -subj "/CN=tlsrpt test CA" -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null || return 1
    openssl req -newkey rsa:2048 -nodes -keyout "$d/server.key" -out "$d/server.csr" \
        -subj "/CN=localhost" 2>/dev/null || return 1
    printf 'subjectAltName=DNS:localhost,DNS:*.example.test,DNS:reports.example.test,IP:127.0.0.1\n' \
        > "$d/ext.cnf"
    openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
        -out "$d/server.pem" -days 2 -extfile "$d/ext.cnf" 2>/dev/null
}

dkim_key() {
    local f="$T/dkim-$1.pem"
    case "$1" in
    rsa-sha256) cp "$DATA/reporter/dkim-rsa.pem" "$f" ;;
    ed25519-sha256) cp "$DATA/reporter/dkim-ed25519.pem" "$f" ;;
    esac
    chmod 600 "$f"
    echo "$f"
}

dkim_pub() {
    case "$1" in
    rsa-sha256) openssl pkey -in "$DATA/reporter/dkim-rsa.pem" -pubout -outform DER 2>/dev/null |
        base64 -w0 ;;
    ed25519-sha256) openssl pkey -in "$DATA/reporter/dkim-ed25519.pem" -pubout -outform DER \
        2>/dev/null | tail -c 32 | base64 -w0 ;;
    esac
}

# dns_txt NAME STRING...: one TXT record made of the given strings (each cut at 250 bytes)
dns_txt() {
    local name=$1 line
    shift
    line="txt-record=$name"
    for s in "$@"; do
        while [ ${#s} -gt 250 ]; do
            line="$line,\"${s:0:250}\""
            s=${s:250}
        done
        line="$line,\"$s\""
    done
    echo "$line"
}

start_dns() {
    DNS_PORT=$(free_port)
    {
        echo "port=$DNS_PORT"
        echo "listen-address=127.0.0.1"
        echo "bind-interfaces"
        echo "no-resolv"
        echo "no-hosts"
        echo "user=$(id -un)"
        echo "pid-file="
        echo "log-facility=$T/dnsmasq.log"
        echo "log-queries"
        echo "local=/test/"
        cat "$1"
    } > "$T/dnsmasq.conf"
    dnsmasq --keep-in-foreground --conf-file="$T/dnsmasq.conf" 2>> "$T/dnsmasq.log" &
    DNS_PID=$!
    on_exit "kill $DNS_PID 2>/dev/null; wait $DNS_PID 2>/dev/null"
    wait_for 10 $PY -c "
import dns.resolver, sys
r = dns.resolver.Resolver(configure=False); r.nameservers = ['127.0.0.1']; r.port = $DNS_PORT
try: r.resolve('probe.test', 'TXT', lifetime=1)
except dns.resolver.NXDOMAIN: sys.exit(0)
except Exception: sys.exit(1)
sys.exit(0)" || { echo "dnsmasq did not start:"; cat "$T/dnsmasq.log"; return 1; }
}

start_smtp() {
    local dir=$1
    shift
    mkdir -p "$dir"
    SMTP_PORT=$(free_port)
    $PY "$TOOLS_PY/smtp_sink.py" "$dir" "$SMTP_PORT" "$T/pki/server.pem" "$T/pki/server.key" "$@" \
        2> "$dir/sink.log" &
    SMTP_PID=$!
    on_exit "kill $SMTP_PID 2>/dev/null; wait $SMTP_PID 2>/dev/null"
    wait_for 20 test -f "$dir/ready" || { echo "smtp sink did not start:"; cat "$dir/sink.log"; return 1; }
}

start_https() {
    local dir=$1
    shift
    mkdir -p "$dir"
    HTTPS_PORT=$(free_port)
    $PY "$TOOLS_PY/https_sink.py" "$dir" "$HTTPS_PORT" "$T/pki/server.pem" "$T/pki/server.key" "$@" \
        2> "$dir/sink.log" &
    HTTPS_PID=$!
    on_exit "kill $HTTPS_PID 2>/dev/null; wait $HTTPS_PID 2>/dev/null"
    wait_for 20 test -f "$dir/ready" || { echo "https sink did not start:"; cat "$dir/sink.log"; return 1; }
}

# write_config FILE [section.key=value ...]: defaults for the test sinks, overridden by args
write_config() {
    local f=$1
    shift
    local py_args=""
    $PY - "$f" "$@" <<PYEOF
import sys
path, overrides = sys.argv[1], sys.argv[2:]
conf = {
    "storage": {"database": "$T/tlsrpt.sqlite"},
    "report": {"organization_name": "Example Networks", "contact_info": "tlsrpt@example.net"},
    "dkim": {"domain": "example.net", "selector": "tlsrpt", "key_file": "$T/dkim-rsa-sha256.pem",
             "algorithm": "rsa-sha256"},
    "delivery": {"from": "tlsrpt@example.net", "dns_servers": "127.0.0.1:${DNS_PORT:-53}",
                 "smtp_url": "smtp://127.0.0.1:${SMTP_PORT:-25}", "smtp_starttls": "required",
                 "smtp_ca_file": "$T/pki/ca.pem", "https_ca_file": "$T/pki/ca.pem",
                 "allow_private_destinations": "yes", "connect_timeout": "3s", "timeout": "5s",
                 "retry_initial": "5m", "concurrency": "4"},
}
for o in overrides:
    k, v = o.split("=", 1)
    s, key = k.split(".", 1)
    if v == "":
        conf.setdefault(s, {}).pop(key, None)
    else:
        conf.setdefault(s, {})[key] = v
with open(path, "w") as f:
    for s, kv in conf.items():
        f.write("[%s]\n" % s)
        for k, v in kv.items():
            f.write("%s = %s\n" % (k, v))
PYEOF
}

DB="$T/tlsrpt.sqlite"
q() { sqlite3 -batch -noheader "$DB" "$1"; }

# record_day DAY DOMAIN...: counts results for each DOMAIN on DAY with `tlsrpt record` (real
# libtlsrpt datagrams: a successful no-policy-found session and a failed one), through
# $T/agg.conf (the database, report settings, no retention limit), written on first use.
record_day() {
    local day=$1 dom v
    shift
    [ -f "$T/agg.conf" ] || printf '[storage]\ndatabase = %s\nretention_days = 3650\n[report]\norganization_name = Example Networks\ncontact_info = tlsrpt@example.net\n' \
        "$DB" > "$T/agg.conf"
    for dom in "$@"; do
        for v in 06-nopolicy-success 08-nopolicy-201-starttls-partial-fields; do
            sed "s/nopolicy\.example/$dom/g" "$DATA/vectors/libtlsrpt/$v.dgram"
            echo
        done
    done | tlsrpt --config "$T/agg.conf" record --time "${day}T12:00:00Z" --now "${day}T12:00:00Z" 2>> "$T/add_report.log"
}

# add_report DAY DOMAIN: record_day for DOMAIN, then builds the day's report with
# `tlsrpt aggregate`; prints the report id and leaves the stored report in $T/ID.json and its
# gzip bytes in $T/ID.json.gz.
add_report() {
    local day=$1 dom=$2 id
    record_day "$day" "$dom"
    tlsrpt --config "$T/agg.conf" --now "$(date -u -d "$day + 1 day" +%Y-%m-%d)T00:30:00Z" \
        aggregate --day "$day" --domain "$dom" 2>> "$T/add_report.log"
    id=$(q "SELECT report_id FROM reports WHERE day = '$day' AND policy_domain = '$dom' AND superseded = 0")
    tlsrpt --config "$T/agg.conf" show --gzip "$id" > "$T/$id.json.gz"
    gunzip -c "$T/$id.json.gz" > "$T/$id.json"
    echo "$id"
}

dkim_ok() {
    $PY "$TOOLS_PY/dkim_check.py" "$DNS_PORT" "$@"
}

# state REPORT_ID RUA: the state of one delivery row
dstate() { q "SELECT state FROM deliveries WHERE report_id = '$1' AND rua = '$2'"; }

# start_big_dns RECORDS_FILE: dns_big.py on a free port ($BIG_DNS_PORT) for records too long
# for dnsmasq's config lines; add "server=/ZONE/127.0.0.1#$BIG_DNS_PORT" to the dnsmasq file.
start_big_dns() {
    BIG_DNS_PORT=$(free_port)
    $PY "$TOOLS_PY/dns_big.py" "$1" "$BIG_DNS_PORT" 2> "$T/dns_big.log" &
    local pid=$!
    on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    wait_for 20 test -f "$1.ready" || { echo "dns_big did not start:"; cat "$T/dns_big.log"; return 1; }
}

# start_a_test: the PKI, an SMTP sink requiring STARTTLS ($T/smtp), an HTTPS sink ($T/https),
# dnsmasq publishing _smtp._tls.a.test (rua = mailto:r@a.test and $U, the HTTPS sink's URL)
# and the DKIM key record of example.net, and the RSA DKIM key in $T. The records file is
# $T/records (append and start_dns again for more).
start_a_test() {
    make_pki || return 1
    start_smtp "$T/smtp" --require-starttls || return 1
    start_https "$T/https" || return 1
    U="https://reports.example.test:$HTTPS_PORT/r"
    cat > "$T/records" <<CONF
address=/reports.example.test/127.0.0.1
$(dns_txt _smtp._tls.a.test "v=TLSRPTv1; rua=mailto:r@a.test,$U")
$(dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)")
CONF
    start_dns "$T/records" || return 1
    dkim_key rsa-sha256 > /dev/null
}
