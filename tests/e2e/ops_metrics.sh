#!/bin/bash
# tlsrpt metrics: the Prometheus text output parses back (tests/tools/prom_parse.py, strict) and
# carries the counted values; --output replaces the file atomically; --hours moves the window.
. "$(dirname "$0")/../lib.sh"
V="$DATA/vectors/libtlsrpt"
DB="$T/m.sqlite"
NOW=2026-11-29T12:30:00Z
feed() { for f in "$@"; do cat "$f"; echo; done; }

# Inside the 24-hour window: all 21 vectors at 10:20 and two rejected lines at 12:10.
# Outside it: vectors 01-05 two days earlier.
feed "$V"/*.dgram | tlsrpt --db "$DB" record --time 2026-11-29T10:20:00Z 2> /dev/null
printf 'not json\n{"dpv":"2"}\n' | tlsrpt --db "$DB" record --time 2026-11-29T12:10:00Z 2> /dev/null
# Vector 12 without its dpv member, as libtlsrpt 0.5.0rc1 (Debian 13) sends it: one more
# successful tlsa session for dane.example.
sed 's/"dpv": "1",//' "$V/12-tlsa-success.dgram" | tlsrpt --db "$DB" record --time 2026-11-29T11:10:00Z
feed "$V"/0[1-5]-*.dgram | tlsrpt --db "$DB" record --time 2026-11-27T09:00:00Z 2> /dev/null

tlsrpt --db "$DB" --now "$NOW" metrics > "$T/out.prom"
check_eq "metrics exits 0" 0 $?
if $PY "$TOP/tests/tools/prom_parse.py" "$T/out.prom" > "$T/samples" 2> "$T/parse.err"; then
    pass "metrics output parses as Prometheus text format"
else
    fail "metrics output parses as Prometheus text format" "$(cat "$T/parse.err")"
fi
val() { grep -F "$1 " "$T/samples" | head -1 | awk '{print $NF}'; }

check_eq "window is 24 hours" 86400 "$(val 'tlsrpt_window_seconds{}')"
check_eq "sts sessions successful" 3 "$(val 'tlsrpt_sessions{policy_type="sts",result="successful"}')"
check_eq "sts sessions failed" 11 "$(val 'tlsrpt_sessions{policy_type="sts",result="failed"}')"
check_eq "tlsa sessions failed" 3 "$(val 'tlsrpt_sessions{policy_type="tlsa",result="failed"}')"
check_eq "no-policy-found sessions successful" 2 \
    "$(val 'tlsrpt_sessions{policy_type="no-policy-found",result="successful"}')"
total=$(grep '^tlsrpt_sessions{' "$T/samples" | awk '{s += $NF} END {print s}')
check_eq "all sessions in the window (INDEX.md: 7 + 15, and 1 without dpv)" 23 "$total"
# INDEX.md per result type, plus vector 21 (certificate-not-trusted).
for pair in starttls-not-supported:1 certificate-host-mismatch:2 certificate-not-trusted:4 \
    certificate-expired:2 validation-failure:2 sts-policy-fetch-error:1 sts-policy-invalid:1 \
    sts-webpki-invalid:1 tlsa-invalid:1 dnssec-invalid:1 dane-required:1; do
    check_eq "failure details ${pair%%:*}" "${pair##*:}" \
        "$(val "tlsrpt_failure_details{result_type=\"${pair%%:*}\"}")"
done
check_eq "report domains (INDEX.md, grouped by d)" 9 "$(val 'tlsrpt_report_domains{}')"
check_eq "failing report domains" 9 "$(val 'tlsrpt_report_domains_failing{}')"
check_eq "datagrams received" 24 "$(val 'tlsrpt_datagrams_received{}')"
check_eq "datagrams accepted" 22 "$(val 'tlsrpt_datagrams_accepted{}')"
check_eq "datagrams without dpv (counted as version 1)" 1 "$(val 'tlsrpt_datagrams_nodpv{}')"
check_eq "rejected: bad-json" 1 "$(val 'tlsrpt_datagrams_rejected{reason="bad-json"}')"
check_eq "rejected: bad-dpv" 1 "$(val 'tlsrpt_datagrams_rejected{reason="bad-dpv"}')"
check_eq "rejected: every reason present (zeros too)" 15 \
    "$(grep -c '^tlsrpt_datagrams_rejected{' "$T/samples")"
check_eq "metrics timestamp is --now" "$(date -ud "$NOW" +%s)" \
    "$(val 'tlsrpt_metrics_timestamp_seconds{}')"

# --hours 72 reaches the older day: 5 more sessions (2 successful, 3 failed, all sts).
tlsrpt --db "$DB" --now "$NOW" metrics --hours 72 > "$T/72.prom"
$PY "$TOP/tests/tools/prom_parse.py" "$T/72.prom" > "$T/samples72"
check_eq "--hours 72: window" 259200 "$(grep -F 'tlsrpt_window_seconds{} ' "$T/samples72" | awk '{print $2}')"
check_eq "--hours 72: sts failed" 14 \
    "$(grep -F 'tlsrpt_sessions{policy_type="sts",result="failed"} ' "$T/samples72" | awk '{print $2}')"
# --hours 1 at 12:30 covers only 12:00-13:00: the two rejected lines, no sessions.
tlsrpt --db "$DB" --now "$NOW" metrics --hours 1 > "$T/1.prom"
$PY "$TOP/tests/tools/prom_parse.py" "$T/1.prom" > "$T/samples1"
check_eq "--hours 1: no sessions" 0 "$(grep '^tlsrpt_sessions{' "$T/samples1" | awk '{s += $NF} END {print s}')"
check_eq "--hours 1: the two rejected datagrams" 2 \
    "$(grep -F 'tlsrpt_datagrams_received{} ' "$T/samples1" | awk '{print $2}')"

# --output: written atomically (no temporary left), readable by node_exporter, same content.
mkdir "$T/textfile"
echo "old" > "$T/textfile/tlsrpt.prom"
tlsrpt --db "$DB" --now "$NOW" metrics --output "$T/textfile/tlsrpt.prom"
check_eq "--output exits 0" 0 $?
check "--output: same content as stdout" cmp -s "$T/out.prom" "$T/textfile/tlsrpt.prom"
check_eq "--output: no temporary file left" "tlsrpt.prom" "$(ls "$T/textfile")"
check_eq "--output: mode 0644" 644 "$(stat -c %a "$T/textfile/tlsrpt.prom")"
tlsrpt --db "$DB" metrics --output "$T/no-such-dir/tlsrpt.prom" 2> /dev/null
check_eq "--output into a missing directory fails" 1 $?
tlsrpt --db "$DB" metrics --hours 0 2> /dev/null
check_eq "--hours 0 is a usage error" 2 $?

# The parser itself refuses what Prometheus would refuse (so the checks above can fail).
printf 'tlsrpt_x 1\n' > "$T/bad1.prom"
printf '# HELP tlsrpt_x x\n# TYPE tlsrpt_x gauge\ntlsrpt_x{a="1"} 1\ntlsrpt_x{a="1"} 2\n' > "$T/bad2.prom"
printf '# HELP tlsrpt_x x\n# TYPE tlsrpt_x gauge\ntlsrpt_x{a="\\q"} 1\n' > "$T/bad3.prom"
for b in bad1 bad2 bad3; do
    $PY "$TOP/tests/tools/prom_parse.py" "$T/$b.prom" > /dev/null 2>&1
    check_eq "the parser refuses $b (no HELP, repeated series, bad escape)" 1 $?
done

# --- reports by day and delivery state, deliveries by state (the database as it is now) -------
. "$(dirname "$0")/lib/reporter.sh"
dkim_key rsa-sha256 > /dev/null
{
    dns_txt _smtp._tls.a.test "v=TLSRPTv1; rua=mailto:r@a.test"
    dns_txt _smtp._tls.c.test "v=TLSRPTv1; rua=https://127.0.0.1:1/r"
    dns_txt _smtp._tls.d.test "v=TLSRPTv1; rua=mailto:r@d.test,https://127.0.0.1:1/r"
    dns_txt _smtp._tls.e.test "v=TLSRPTv1; rua=ftp://e.test/r"
} > "$T/records.conf"
start_dns "$T/records.conf" || exit 1
mkdir -p "$T/outbox"
R="$T/r.sqlite"
write_config "$T/r.conf" storage.database="$R" delivery.transport=outbox delivery.outbox="$T/outbox" \
    delivery.https_ca_file= delivery.connect_timeout=1s
r() { tlsrpt --config "$T/r.conf" "$@"; }
results() { # DAY DOMAIN...: one successful session per domain
    local day=$1
    shift
    for d in "$@"; do
        printf '{"dpv": "1","d": "%s","pr": "v=TLSRPTv1; rua=mailto:r@%s","policies":[{"policy-type":9,"t":0,"f":0}]}\n' "$d" "$d"
    done | r record --time "${day}T09:00:00Z" 2> /dev/null
}
# 2026-11-27: a sent; b no record; c https only, given up 25 h later; d mail sent, https given
# up; e only an ftp: rua (refused: failed).
results 2026-11-27 a.test b.test c.test d.test e.test
r --now 2026-11-28T00:30:00Z aggregate --day 2026-11-27 2> /dev/null
r --now 2026-11-28T01:00:00Z send 2> "$T/r-send1.log"
r --now 2026-11-29T02:00:00Z send 2> "$T/r-send2.log"
# 2026-11-28: a built, regenerated (--force: the first generation is superseded), never sent;
# c attempted once (retrying: the report is pending).
results 2026-11-28 a.test c.test
r --now 2026-11-29T12:00:00Z aggregate --day 2026-11-28 2> /dev/null
r --now 2026-11-29T12:00:00Z aggregate --day 2026-11-28 --domain a.test --force 2> /dev/null
r --now 2026-11-29T12:00:00Z send --domain c.test 2> "$T/r-send3.log"

r --now "$NOW" metrics > "$T/r.prom"
$PY "$TOP/tests/tools/prom_parse.py" "$T/r.prom" > "$T/rs" 2> "$T/rparse.err"
check_eq "metrics with reports and deliveries parses" 0 $?
rval() { grep -F "$1 " "$T/rs" | head -1 | awk '{print $NF}'; }
rep() { # DAY "new pending sent no-record failed gave-up"
    local got="" s
    for s in new pending sent no-record failed gave-up; do
        got="$got $(rval "tlsrpt_reports{day=\"$1\",state=\"$s\"}")"
    done
    echo "${got# }"
}
check_eq "reports of 2026-11-27: new pending sent no-record failed gave-up" "0 0 2 1 1 1" "$(rep 2026-11-27)"
check_eq "reports of 2026-11-28: a new (superseded generation not counted), c pending" "1 1 0 0 0 0" \
    "$(rep 2026-11-28)"
check_eq "report series: six states for each of two days" 12 "$(grep -c '^tlsrpt_reports{' "$T/rs")"
dels=""
for s in pending retrying sent failed gave-up no-record; do
    dels="$dels $(rval "tlsrpt_deliveries{state=\"$s\"}")"
done
check_eq "deliveries: pending retrying sent failed gave-up no-record" "0 1 2 1 2 1" "${dels# }"
# The same numbers as the database says, through the report_states view and the table.
check_eq "reports agree with the report_states view" \
    "$(sqlite3 -batch -noheader "$R" "SELECT count(*) FROM report_states WHERE superseded = 0 AND state <> 'new'")" \
    "$(grep '^tlsrpt_reports{' "$T/rs" | grep -v 'state="new"' | awk '{s += $NF} END {print s}')"
check_eq "deliveries agree with the deliveries table" \
    "$(sqlite3 -batch -noheader "$R" "SELECT count(*) FROM deliveries d JOIN reports USING (report_id) WHERE superseded = 0")" \
    "$(grep '^tlsrpt_deliveries{' "$T/rs" | awk '{s += $NF} END {print s}')"
# An empty database still names every delivery state (zeros), and no report series.
tlsrpt --db "$T/empty.sqlite" --now "$NOW" metrics > "$T/e.prom"
check_eq "empty database: six delivery states, all 0" "6 0" \
    "$(grep '^tlsrpt_deliveries{' "$T/e.prom" | awk '{n++; s += $NF} END {print n, s}')"
check_eq "empty database: no report series" 0 "$(grep -c '^tlsrpt_reports{' "$T/e.prom")"
