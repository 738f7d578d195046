#!/usr/bin/python3
"""Sessions of the real-MTA test: Postfix's log against the scenario table, and the
collector's counts against Postfix's log.

usage: check_sessions.py SCENARIOS POSTFIX_LOG STATS_JSON

SCENARIOS: the test's table (domain ... policy-type result sessions, see postfix_tlsrpt.sh).
POSTFIX_LOG: Postfix's maillog; every "TLSRPT: status=" line is one reported session.
STATS_JSON: `tlsrpt stats --json` of the day. Prints PASS/FAIL lines."""
import collections
import json
import re
import sys


def result(line):
    st = re.search(r"TLSRPT: status=(\w+)", line).group(1)
    if st == "success":
        return "success"
    m = re.search(r"failure_type=([\w-]+)", line)
    return m.group(1).replace("_", "-") if m else "failure"


def main():
    scen_path, log_path, stats_path = sys.argv[1:4]
    logged = collections.defaultdict(collections.Counter)
    for line in open(log_path, errors="replace"):
        if "TLSRPT: status=" in line:
            d = re.search(r"domain=([^, ]+)", line).group(1).lower().rstrip(".")
            logged[d][result(line)] += 1
    counted = collections.defaultdict(collections.Counter)
    types = collections.defaultdict(set)
    for row in json.load(open(stats_path)):
        d = row.get("domain", row.get("policy-domain"))
        counted[d]["success"] += row["successful"]
        counted[d]["failed"] += row["failed"]
        for rt, n in row.get("result-types", {}).items():
            counted[d][rt] += n
        types[d].add(row["policy-type"])

    def ok(name, want, got):
        if want == got:
            print("PASS %s" % name)
        else:
            print("FAIL %s: expected [%s], got [%s]" % (name, want, got))

    scen = [l.split() for l in open(scen_path) if l.strip()]
    for row in scen:
        d = row[0] + ".test"
        ptype, res, n = row[5], row[6], int(row[7])
        want = {} if n == 0 else {res: n}
        ok("Postfix logs %s: %s" % (d, ", ".join("%d %s" % (v, k) for k, v in want.items())
                                    or "no session"), want, dict(logged.get(d, {})))
    for d in sorted(set(logged) | set(counted)):
        lg = logged.get(d, collections.Counter())
        want = {"success": lg["success"], "failed": sum(v for k, v in lg.items() if k != "success")}
        want.update({k: v for k, v in lg.items() if k != "success"})
        got = {k: v for k, v in counted.get(d, {}).items() if v or k in ("success", "failed")}
        ok("collector counted every session Postfix logged for %s (%d)" % (d, sum(lg.values())),
           want, got)
    for row in scen:
        d = row[0] + ".test"
        if row[5] != "-":
            ok("%s counted under policy type %s" % (d, row[5]), {row[5]}, types.get(d))
    ok("sessions logged = sessions counted, in all",
       sum(sum(c.values()) for c in logged.values()),
       sum(c["success"] + c["failed"] for c in counted.values()))


main()
