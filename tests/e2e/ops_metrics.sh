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
check_eq "all sessions in the window (INDEX.md: 7 + 15)" 22 "$total"
# INDEX.md per result type, plus vector 21 (certificate-not-trusted).
for pair in starttls-not-supported:1 certificate-host-mismatch:2 certificate-not-trusted:4 \
    certificate-expired:2 validation-failure:2 sts-policy-fetch-error:1 sts-policy-invalid:1 \
    sts-webpki-invalid:1 tlsa-invalid:1 dnssec-invalid:1 dane-required:1; do
    check_eq "failure details ${pair%%:*}" "${pair##*:}" \
        "$(val "tlsrpt_failure_details{result_type=\"${pair%%:*}\"}")"
done
check_eq "policy domains" 10 "$(val 'tlsrpt_policy_domains{}')"
check_eq "failing policy domains" 9 "$(val 'tlsrpt_policy_domains_failing{}')"
check_eq "datagrams received" 23 "$(val 'tlsrpt_datagrams_received{}')"
check_eq "datagrams accepted" 21 "$(val 'tlsrpt_datagrams_accepted{}')"
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
