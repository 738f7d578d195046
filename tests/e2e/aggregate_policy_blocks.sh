#!/bin/bash
# Issue 11.5: one policy block per distinct policy as the report shows it. Sessions that
# differ only in what the report does not carry for their policy type (policy-string and
# mx-host of no-policy-found, mx-host of tlsa) are one policy, whether they come in through
# `record` (the collector's path) or `import`; sts keeps both. Migration 007 merges the
# duplicates an older database holds, summing their counters.
. "$(dirname "$0")/../lib.sh"

db=$T/db.sqlite
printf '[storage]\nretention_days = 3650\n[report]\norganization_name = Org\ncontact_info = tlsrpt@reporter.example\n' > "$T/conf"
run() { tlsrpt --config "$T/conf" --db "$db" "$@"; }
q() { sqlite3 "$db" "$1"; }
pol() { # DOMAIN TYPE EXTRA-POLICY-FIELDS FAILED
    local details='' f=$4
    [ "$f" = 1 ] && details=',"failure-details":[{"c":201,"s":"192.0.2.1","h":"mx.'$1'"}]'
    printf '{"dpv":"1","d":"%s","pr":"v=TLSRPTv1;rua=mailto:r@%s","policies":[{"policy-type":%s,"policy-domain":"%s"%s,"t":%s,"f":%s%s}]}\n' \
        "$1" "$1" "$2" "$1" "$3" "$f" "$f" "$details"
}
# policies[] of the report of DAY for DOMAIN, one line per block: type strings mx ok failed
blocks() {
    local id
    id=$(q "SELECT report_id FROM reports WHERE day = '$1' AND policy_domain = '$2' AND superseded = 0")
    run show "$id" | $PY -c '
import json, sys
for p in json.load(sys.stdin)["policies"]:
    pol, s = p["policy"], p["summary"]
    print(pol["policy-type"], json.dumps(pol.get("policy-string")), json.dumps(pol.get("mx-host")),
          s["total-successful-session-count"], s["total-failure-session-count"],
          sum(d["failed-session-count"] for d in p["failure-details"]))'
}

{
    pol np.example 9 '' 0
    pol np.example 9 ',"policy-string":["version: STSv1"],"mx-host":["mx.np.example"]' 1
    pol np.example 9 ',"mx-host":["mx2.np.example"]' 0
    pol tl.example 1 ',"policy-string":["3 1 1 AB"]' 0
    pol tl.example 1 ',"policy-string":["3 1 1 AB"],"mx-host":["mx.tl.example"]' 1
    pol st.example 2 ',"policy-string":["version: STSv1"],"mx-host":["mx.st.example"]' 0
    pol st.example 2 ',"policy-string":["version: STSv1"],"mx-host":["mx2.st.example"]' 0
} | run record --time 2026-11-20T10:00:00Z 2> "$T/record.log"
check_eq "policy blocks: record stores one policy per distinct reported policy" \
    "no-policy-found [] []|sts [\"version: STSv1\"] [\"mx.st.example\"]|sts [\"version: STSv1\"] [\"mx2.st.example\"]|tlsa [\"3 1 1 AB\"] []" \
    "$(q "SELECT group_concat(x, '|') FROM (SELECT policy_type || ' ' || policy_strings || ' ' || mx_hosts AS x FROM policies ORDER BY 1)")"

run --now 2026-11-21T06:00:00Z aggregate --day 2026-11-20 2> /dev/null
check_eq "policy blocks: no-policy-found is one block with the summed counts" \
    "no-policy-found null null 2 1 1" "$(blocks 2026-11-20 np.example)"
check_eq "policy blocks: tlsa is one block with the summed counts" \
    'tlsa ["3 1 1 AB"] null 1 1 1' "$(blocks 2026-11-20 tl.example)"
check_eq "policy blocks: sts policies that differ in mx-host stay two blocks" \
    "2" "$(blocks 2026-11-20 st.example | wc -l)"

# import: a file from another host with the look-alikes, as an older tlsrpt exported them.
cnt() { # POLICY-JSON SUCCESSFUL FAILED
    printf '{"type":"counts","source":"mx9","hour":"2026-11-22T10:00:00Z","report-domain":"np.example","record":"v=TLSRPTv1;rua=mailto:r@np.example","policy":%s,"successful":%s,"failed":%s,"failure-details":[]}\n' "$1" "$2" "$3"
}
{
    echo '{"type":"tlsrpt-export","version":1,"source":"mx9","day":"2026-11-22","exported-at":"2026-11-23T00:10:00Z"}'
    cnt '{"policy-type":"no-policy-found","policy-domain":"np.example","policy-string":["a"],"mx-host":["b"]}' 3 0
    cnt '{"policy-type":"no-policy-found","policy-domain":"np.example","policy-string":[],"mx-host":[]}' 4 0
    echo '{"type":"end","rows":2}'
} > "$T/mx9.jsonl"
run import "$T/mx9.jsonl" 2> "$T/import.log"
check_eq "policy blocks: import exits 0" 0 $?
check_eq "policy blocks: import adds no look-alike policy" 1 \
    "$(q "SELECT count(*) FROM policies WHERE policy_domain = 'np.example'")"
run --now 2026-11-23T06:00:00Z aggregate --day 2026-11-22 2> /dev/null
check_eq "policy blocks: imported look-alikes are one block" \
    "no-policy-found null null 7 0 0" "$(blocks 2026-11-22 np.example)"
check_eq "policy blocks: foreign keys intact" "" "$(q 'PRAGMA foreign_key_check')"
