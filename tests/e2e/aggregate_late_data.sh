#!/bin/bash
# Late data (issue 12 item 6): counters that reach a day after its reports were built (`tlsrpt
# record` of a late session, `tlsrpt import` of another host's export) are reported by
# `aggregate` (changed=N, one line per domain, a warning naming the command that rebuilds),
# `aggregate --changed` rebuilds exactly those domains (a new generation, a new report id) and
# `send` (transport = outbox) delivers exactly their new reports. Nothing changed: nothing is
# reported, also after an import that replaces a source's counters by the same. A database
# upgraded through schema 009 (reports built before it have no build record) compares those
# reports by their session totals.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib/reporter.sh"

DAY=2026-11-01
NOW=2026-11-02T00:30:00Z
DOMAINS="d1.test d2.test d3.test d4.test d5.test"

make_pki || exit 1
{
    for d in $DOMAINS; do dns_txt "_smtp._tls.$d" "v=TLSRPTv1; rua=mailto:r@$d"; done
    dns_txt tlsrpt._domainkey.example.net "v=DKIM1; k=rsa; s=tlsrpt; p=$(dkim_pub rsa-sha256)"
} > "$T/records"
start_dns "$T/records" || exit 1
dkim_key rsa-sha256 > /dev/null
mkdir -p "$T/outbox"
write_config "$T/c.conf" delivery.transport=outbox delivery.outbox="$T/outbox" \
    storage.retention_days=3650
agg() { tlsrpt --config "$T/c.conf" --now "$NOW" aggregate "$@"; }
send() { tlsrpt --config "$T/c.conf" --now "$1" send 2>> "$T/send.log"; }
# changed_lines LOG: "domain generation reported_successful reported_failed successful failed"
changed_lines() {
    sed -n 's/.*counters changed since the report day=[^ ]* domain=\([^ ]*\) generation=\([0-9]*\) reported_successful=\([0-9]*\) reported_failed=\([0-9]*\) successful=\([0-9]*\) failed=\([0-9]*\)$/\1 \2 \3 \4 \5 \6/p' "$1"
}
# current: "domain generation" of the current reports, by domain
current() { q "SELECT policy_domain || ' ' || generation FROM reports WHERE superseded = 0 ORDER BY 1"; }
# need NAME COMMAND...: a precondition of the checks that follow (not a check of its own: the
# code before this change passes it too); a FAIL line only when it does not hold
need() { local name=$1; shift; "$@" || fail "setup: $name"; }
# late_session DB DOMAIN TIME: one failed session for DOMAIN recorded into DB
late_session() {
    sed "s/nopolicy\.example/$2/g" "$DATA/vectors/libtlsrpt/08-nopolicy-201-starttls-partial-fields.dgram" |
        tlsrpt --db "$1" record --time "$3" --now "$3" 2>> "$T/record.log"
}
eml_count() { ls "$T/outbox" | grep -c '\.eml$'; }

record_day "$DAY" $DOMAINS
agg 2> "$T/agg1.log"
check_eq "first run: 5 reports, summary changed=0, no domain changed" "1|0|5" \
    "$(grep -c 'created=5 existing=0 .* changed=0$' "$T/agg1.log")|$(grep -c 'counters changed' "$T/agg1.log")|$(current | wc -l)"
send 2026-11-02T01:00:00Z
need "send delivers the 5 reports to the outbox" test "$(eml_count)" = 5
ls "$T/outbox" > "$T/outbox.before"

# --- nothing changed: nothing reported ---------------------------------------------------------
agg 2> "$T/agg2.log"
check_eq "rerun: existing=5 changed=0, no domain reported as changed, no warning" "1|0|0" \
    "$(grep -c 'created=0 existing=5 .* changed=0$' "$T/agg2.log")|$(grep -c 'counters changed' "$T/agg2.log")|$(grep -c 'warn' "$T/agg2.log")"

# --- late data for d2 (record, the collector's last minute) and d4 (another host's export) -----
late_session "$DB" d2.test 2026-11-01T23:59:30Z
late_session "$T/mx2.sqlite" d4.test 2026-11-01T18:00:00Z
tlsrpt --db "$T/mx2.sqlite" export --day "$DAY" --source mx2 > "$T/mx2.gz" 2>> "$T/record.log"
tlsrpt --config "$T/c.conf" import "$T/mx2.gz" 2> "$T/import.log"
need "late data stored (record and import)" test "$(q "SELECT sum(failed) FROM session_counts")" = 7

agg --day "$DAY" 2> "$T/agg3.log"
rc=$?
check_eq "aggregate --day: exit 0, summary counts changed=2, builds nothing" \
    "0|1|$(printf '%s 1\n' $DOMAINS)" \
    "$rc|$(grep -c "aggregated day=$DAY domains=5 created=0 existing=5 .* changed=2$" "$T/agg3.log")|$(current)"
check_eq "aggregate --day: exactly d2 and d4 reported, with their totals then and now" \
    "d2.test 1 1 1 1 2
d4.test 1 1 1 1 2" "$(changed_lines "$T/agg3.log")"
check "aggregate --day: a warning names the command that rebuilds them" \
    grep -q "warning: reports older than their counters day=$DAY count=2; \`tlsrpt aggregate --day $DAY --changed\`" "$T/agg3.log"

agg 2> "$T/agg4.log"
check_eq "the daily run (yesterday) reports the same two" "d2.test d4.test" \
    "$(changed_lines "$T/agg4.log" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"

tlsrpt --config "$T/c.conf" --now "$NOW" aggregate --force --changed 2> "$T/both.log"
rc=$?
check_eq "--force with --changed is refused (exit 2, says why)" "2|1" \
    "$rc|$(grep -c -- '--force and --changed: choose one' "$T/both.log")"

agg --day "$DAY" --changed --domain d4.test 2> "$T/agg5d.log"
check_eq "aggregate --changed --domain d4.test: only d4 is rebuilt" "1|d4.test 2" \
    "$(grep -c "domains=1 created=1 existing=0 .* changed=1$" "$T/agg5d.log")|$(current | grep ' 2$')"
agg --day "$DAY" --changed 2> "$T/agg5.log"
rc=$?
check_eq "aggregate --changed: exit 0, d2 rebuilt (created=1 changed=1), no warning" "0|1|0" \
    "$rc|$(grep -c "domains=5 created=1 existing=4 .* changed=1$" "$T/agg5.log")|$(grep -c warn "$T/agg5.log")"
check_eq "aggregate --changed: exactly d2 and d4 get generation 2" \
    "d1.test 1
d2.test 2
d3.test 1
d4.test 2
d5.test 1" "$(current)"
check_eq "aggregate --changed: the new reports hold the late sessions" "1 2|1 2" \
    "$(q "SELECT group_concat(successful || ' ' || failed, '|') FROM (SELECT successful, failed
          FROM reports WHERE superseded = 0 AND generation = 2 ORDER BY policy_domain)")"
check_eq "aggregate --changed: new report ids, the old ones superseded" "4|2" \
    "$(q "SELECT count(DISTINCT report_id) FROM reports WHERE policy_domain IN ('d2.test', 'd4.test')")|$(q "SELECT count(*) FROM reports WHERE superseded = 1")"

agg 2> "$T/agg6.log"
check "after the rebuild nothing is changed" grep -q 'created=0 existing=5 .* changed=0$' "$T/agg6.log"
tlsrpt --config "$T/c.conf" import "$T/mx2.gz" 2>> "$T/import.log"
agg 2> "$T/agg7.log"
check "importing the same export again (replaced by the same) changes nothing" \
    grep -q 'created=0 existing=5 .* changed=0$' "$T/agg7.log"

send 2026-11-02T02:00:00Z
ls "$T/outbox" > "$T/outbox.after"
check_eq "send delivers exactly the 2 rebuilt reports" 2 "$(comm -13 "$T/outbox.before" "$T/outbox.after" | grep -c '\.eml$')"
check_eq "the new messages go to d2 and d4" "To: r@d2.test
To: r@d4.test" "$(comm -13 "$T/outbox.before" "$T/outbox.after" | grep '\.eml$' |
        while read -r f; do grep -m1 '^To: ' "$T/outbox/$f" | tr -d '\r'; done | sort)"
for id in $(q "SELECT report_id FROM reports WHERE generation = 2"); do
    check_eq "the rebuilt report $id is sent" "sent" "$(dstate "$id" "mailto:r@$(q "SELECT policy_domain FROM reports WHERE report_id = '$id'")")"
done

# --- a database from before schema 009 -----------------------------------------------------------
# Reports built by the previous version have no input_digest: the schema of 008 (the 002 index,
# no column), then this version upgrades it and compares those reports by their totals.
O=$T/old.sqlite
OLD="tlsrpt --db $O --config $T/c.conf --now $NOW"
for d in d1.test d2.test d3.test; do late_session "$O" "$d" 2026-11-01T10:00:00Z; done
$OLD aggregate 2> /dev/null
sqlite3 "$O" "DROP INDEX reports_current; ALTER TABLE reports DROP COLUMN input_digest;
    CREATE INDEX reports_current ON reports (day, policy_domain) WHERE superseded = 0;
    DELETE FROM schema_version WHERE version = 9;"
need "old database: at schema 8, 3 reports" test \
    "$(sqlite3 "$O" "SELECT max(version) FROM schema_version")|$(sqlite3 "$O" "SELECT count(*) FROM reports")" = "8|3"
$OLD aggregate 2> "$T/old1.log"
check_eq "old database: upgraded through 009" "9|3" \
    "$(sqlite3 "$O" "SELECT max(version) FROM schema_version")|$(sqlite3 "$O" "SELECT count(*) FROM reports WHERE input_digest IS NULL")"
check "old database: reports without a build record and unchanged totals are not changed" \
    grep -q 'created=0 existing=3 .* changed=0$' "$T/old1.log"
late_session "$O" d3.test 2026-11-01T11:00:00Z
$OLD aggregate 2> "$T/old2.log"
check_eq "old database: a late session is found by the totals" "d3.test 1 0 1 0 2" \
    "$(changed_lines "$T/old2.log")"
$OLD aggregate --changed 2> "$T/old3.log"
check_eq "old database: --changed rebuilds d3 only, with a build record" "d3.test|2|1" \
    "$(sqlite3 "$O" "SELECT policy_domain, generation, input_digest IS NOT NULL FROM reports WHERE superseded = 0 AND generation > 1")"
$OLD aggregate 2> "$T/old4.log"
check "old database: then nothing is changed" grep -q 'created=0 existing=3 .* changed=0$' "$T/old4.log"
