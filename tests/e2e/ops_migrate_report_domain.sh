#!/bin/bash
# Migration 005 on a database written by the previous schema (001-004): DANE sessions stored
# under the MX host (the old key) stay there, sessions counted afterwards go to d, the views
# call the report domain "domain", and datagram_counts gains nodpv (0 for old rows).
# schema/README.md "Rows stored before 005" describes this behaviour.
. "$(dirname "$0")/../lib.sh"

db=$T/old.sqlite
H=1795953600 # 2026-11-29T12:00:00Z
{
    for f in "$TOP"/schema/00[1-4]-*.sql; do cat "$f"; done
    echo "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);"
    for f in "$TOP"/schema/00[1-4]-*.sql; do
        b=$(basename "$f")
        echo "INSERT INTO schema_version VALUES (${b:2:1}, '$b', '2026-11-01T00:00:00Z');"
    done
    # What the old collector stored for a failed DANE session of d = dane.example.
    cat <<SQL
INSERT INTO tlsrpt_records (id, record) VALUES (1, 'v=TLSRPTv1;rua=mailto:tlsrpt@dane.example');
INSERT INTO policies (id, policy_type, policy_domain, policy_strings, mx_hosts)
    VALUES (1, 'tlsa', 'mx.dane.example', '["3 1 1 1F850A337E6DB9C609C522D136A475638CC43E1ED424F8EEC8513D747D1D085D"]', '[]');
INSERT INTO failure_details (id, detail_hash, result_type, receiving_mx_hostname, receiving_mx_helo)
    VALUES (1, 42, 'validation-failure', 'mx.dane.example', '250-mx.dane.example' || char(13, 10) || '250 STARTTLS');
INSERT INTO session_counts VALUES ($H, 'mx.dane.example', 1, 1, '', 0, 1);
INSERT INTO failure_counts VALUES ($H, 'mx.dane.example', 1, 1, 1, '', 1);
INSERT INTO datagram_counts VALUES ($H, 'accepted', 1);
SQL
} | sqlite3 "$db"
check_eq "old database at schema 4" 4 "$(sqlite3 "$db" 'SELECT max(version) FROM schema_version')"

# The same session again, now as libtlsrpt 0.5.0rc1 sends it (no dpv).
sed 's/"dpv": "1",//' "$DATA/vectors/libtlsrpt/12-tlsa-success.dgram" |
    tlsrpt --db "$db" record --time 2026-11-29T12:30:00Z 2> "$T/record.log"
check_eq "record on the old database exits 0" 0 $?
check_eq "migrated to 005" "5 005-report-domain.sql" \
    "$(sqlite3 "$db" "SELECT version || ' ' || name FROM schema_version WHERE version = 5")"

check_eq "old rows stay under the MX host, new sessions go to d" \
    "dane.example tlsa 1 0
mx.dane.example tlsa 0 1" \
    "$(tlsrpt --db "$db" stats --json | $PY -c 'import json,sys
for r in json.load(sys.stdin): print(r["domain"], r["policy-type"], r["successful"], r["failed"])')"
check_eq "both keep the MX host as the policy's own domain" "mx.dane.example" \
    "$(sqlite3 "$db" 'SELECT DISTINCT p.policy_domain FROM session_counts s JOIN policies p ON p.id = s.policy_id')"
check_eq "view daily_domain_summary: column domain" "dane.example|1|0
mx.dane.example|0|1" \
    "$(sqlite3 "$db" 'SELECT domain, successful, failed FROM daily_domain_summary ORDER BY 1')"
check_eq "view failure_details_by_day: domain and the policy's own domain" \
    "mx.dane.example|mx.dane.example|validation-failure|1" \
    "$(sqlite3 "$db" 'SELECT domain, policy_domain, result_type, count FROM failure_details_by_day')"
check_eq "old failure detail keeps its stored helo (not rewritten)" "250-mx.dane.example" \
    "$(sqlite3 "$db" 'SELECT receiving_mx_helo FROM failure_details WHERE id = 1' | head -1 | tr -d '\r')"
check_eq "datagram_counts.nodpv: 0 for the old row, 1 for the new datagram" "accepted|2|1" \
    "$(sqlite3 "$db" 'SELECT outcome, count, nodpv FROM daily_datagrams')"

# The day's reports: one per key, as schema/README.md says.
printf '[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/c.conf"
tlsrpt --config "$T/c.conf" --db "$db" --now 2026-11-30T06:00:00Z aggregate 2> "$T/agg.log"
check_eq "aggregate after the migration exits 0" 0 $?
check_eq "the day has a report for d and one for the old key" "dane.example mx.dane.example" \
    "$(sqlite3 "$db" "SELECT group_concat(domain, ' ') FROM (SELECT domain FROM current_reports ORDER BY 1)")"
