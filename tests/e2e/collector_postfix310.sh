# What Debian 13's Postfix 3.10.13 really sends (libtlsrpt0 0.5.0rc1: no "dpv"), byte for byte
# (tests/data/vectors/postfix-3.10/INDEX.md), through a running collector's socket: every
# datagram is counted (as protocol version 1, nodpv), under the report domain d; the DANE
# policy keeps the MX host as its policy-domain; receiving-mx-helo is the announced host name,
# not Postfix's whole EHLO reply; `aggregate` builds one report per d.
. "$TOP/tests/lib.sh"

V="$DATA/vectors/postfix-3.10"
db=$T/c.db
printf '[storage]\ndatabase = %s\n[collector]\nflush_interval = 100ms\n' "$db" > "$T/c.conf"
start_collector "$T/c.conf" "$T/c.sock" || exit 1
out=$("$TOOLS/dgram_send" -n -p $((1000 * SLOWDOWN)) "$T/c.sock" "$V"/*.dgram)
check_eq "the five Postfix datagrams sent, none lost" "sent=5 lost=0 errors=0" "$out"
stop_collector
check_eq "SIGTERM exits 0" 0 "$COLLECTOR_RC"
check "summary line: 5 accepted, all 5 without dpv, none rejected" \
    grep -q "collector stopped received=5 accepted=5 nodpv=5 stored=5 pending=0 rejected=0 " \
    "$T/collector.log"
check_eq "datagram_counts: accepted 5, nodpv 5" "accepted|5|5" \
    "$(sqlite3 "$db" "SELECT outcome, sum(count), sum(nodpv) FROM datagram_counts GROUP BY 1")"
tlsrpt --db "$db" metrics > "$T/m.prom"
check_eq "metrics: tlsrpt_datagrams_nodpv 5" 5 \
    "$($PY "$TOP/tests/tools/prom_parse.py" "$T/m.prom" | grep -F 'tlsrpt_datagrams_nodpv{} ' | awk '{print $NF}')"

# INDEX.md: one session per report domain d; 2 successful, 3 failed.
check_eq "sessions by d (INDEX.md)" \
    "dane-bad.test tlsa 0 1 {'certificate-not-trusted': 1}
may-good.test no-policy-found 1 0 {}
sts-good.test sts 1 0 {}
sts-plain.test sts 0 1 {'starttls-not-supported': 1}
sts-self.test sts 0 1 {'validation-failure': 1}" \
    "$(tlsrpt --db "$db" stats --json | $PY -c 'import json,sys
for r in json.load(sys.stdin):
    print(r["domain"], r["policy-type"], r["successful"], r["failed"], r["result-types"])')"
check_eq "the DANE policy keeps its policy-domain, the MX host" "tlsa mx.danebad.test" \
    "$(sqlite3 "$db" "SELECT p.policy_type || ' ' || p.policy_domain FROM session_counts s
        JOIN policies p ON p.id = s.policy_id WHERE s.report_domain = 'dane-bad.test'")"
check_eq "receiving-mx-helo: the host name each server announced" \
    "mx.danebad.test mx.good.test
mx.plain.test mx.plain.test
mx.selfsigned.test mx.selfsigned.test" \
    "$(sqlite3 -separator ' ' "$db" 'SELECT receiving_mx_hostname, receiving_mx_helo FROM failure_details ORDER BY 1')"

# The reports of the day(s) counted (two only if the run straddled midnight UTC).
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/r.conf"
days=$(sqlite3 "$db" "SELECT DISTINCT date(hour, 'unixepoch') FROM session_counts ORDER BY 1")
now=$(date -u -d "$(echo "$days" | tail -n 1) + 1 day 06:00" +%Y-%m-%dT%H:%M:%SZ)
for day in $days; do
    tlsrpt --config "$T/r.conf" --db "$db" --now "$now" aggregate --day "$day" 2>> "$T/agg.log" ||
        fail "aggregate --day $day" "$(tail -n 3 "$T/agg.log")"
done
tlsrpt --config "$T/r.conf" --db "$db" reports --json > "$T/reports.json"
check_eq "one report per d" "dane-bad.test may-good.test sts-good.test sts-plain.test sts-self.test" \
    "$($PY -c 'import json,sys
print(" ".join(sorted({r["domain"] for r in json.load(open(sys.argv[1]))})))' "$T/reports.json")"
id=$($PY -c 'import json,sys
print([r["report-id"] for r in json.load(open(sys.argv[1])) if r["domain"] == "dane-bad.test"][0])' \
    "$T/reports.json")
tlsrpt --config "$T/r.conf" --db "$db" show "$id" > "$T/dane.json"
check_eq "dane-bad.test report: tlsa block with policy-domain mx.danebad.test, helo mx.good.test" \
    "tlsa mx.danebad.test 0 1 certificate-not-trusted mx.danebad.test mx.good.test" \
    "$($PY -c 'import json,sys
p = json.load(open(sys.argv[1]))["policies"]
assert len(p) == 1
d = p[0]["failure-details"][0]
print(p[0]["policy"]["policy-type"], p[0]["policy"]["policy-domain"],
      p[0]["summary"]["total-successful-session-count"], p[0]["summary"]["total-failure-session-count"],
      d["result-type"], d["receiving-mx-hostname"], d["receiving-mx-helo"])' "$T/dane.json")"
check "dane-bad.test report: file name carries d (RFC 8460 §5.1)" \
    $PY -c 'import json,sys
sys.exit(0 if [r for r in json.load(open(sys.argv[1])) if r["domain"] == "dane-bad.test" and "!dane-bad.test!" in r["filename"]] else 1)' \
    "$T/reports.json"
check "every report passes the RFC 8460 checks" $PY "$TOP/tests/tools/check_report.py" db "$db"
