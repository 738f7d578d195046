#!/usr/bin/python3
"""Reports of the real-MTA test carry what Postfix applied.

usage: check_reports.py SCENARIOS ZONE STS_DIR REPORT_DIR

For every scenario with sessions, REPORT_DIR/DOMAIN.json (the report `tlsrpt show` printed)
must hold one policy: tlsa with the TLSA base domain (the MX host) and the TLSA record as
Postfix used it; sts with the policy the resolver fetched (STS_DIR/mta-sts.DOMAIN.txt) as
policy-string and its mx patterns as mx-host; no-policy-found otherwise; with the scenario's
session counts and result type, the failures naming the MX (host name and the name it
announced in EHLO). Prints PASS/FAIL lines."""
import json
import os
import sys


def ok(name, want, got):
    if want == got:
        print("PASS %s" % name)
    else:
        print("FAIL %s: expected [%s], got [%s]" % (name, want, got))


def main():
    scen_path, zone_path, sts_dir, rep_dir = sys.argv[1:5]
    tlsa = {}
    for line in open(zone_path):
        p = line.split(None, 2)
        if len(p) == 3 and p[1] == "TLSA":
            tlsa[p[0][len("_25._tcp."):]] = p[2].strip()
    for row in (l.split() for l in open(scen_path) if l.strip()):
        d, ptype, res, n = row[0] + ".test", row[5], row[6], int(row[7])
        if n == 0:
            continue
        path = os.path.join(rep_dir, d + ".json")
        if not os.path.exists(path):
            print("FAIL report of %s: not found" % d)
            continue
        rep = json.load(open(path))
        pols = rep.get("policies", [])
        ok("report of %s: one policy block" % d, 1, len(pols))
        if not pols:
            continue
        pol, summ = pols[0]["policy"], pols[0]["summary"]
        want = {"policy-type": ptype}
        if ptype == "tlsa":
            mx = "mx." + d
            want["policy-domain"] = mx
            want["policy-string"] = [tlsa[mx]]
        elif ptype == "sts":
            want["policy-domain"] = d
            body = open(os.path.join(sts_dir, "mta-sts.%s.txt" % d)).read().split("\n")
            want["policy-string"] = sorted(l for l in body if l)
            want["mx-host"] = ["mx." + d]
        got = {k: pol.get(k) for k in want}
        if "policy-string" in got and ptype == "sts" and got["policy-string"]:
            got["policy-string"] = sorted(got["policy-string"])
        ok("report of %s: the policy Postfix applied (%s)" % (d, ptype), want, got)
        if ptype == "no-policy-found":
            ok("report of %s: no-policy-found names the domain" % d, d, pol.get("policy-domain"))
        ok("report of %s: %d %s session(s)" % (d, n, res),
           (n, 0) if res == "success" else (0, n),
           (summ.get("total-successful-session-count"), summ.get("total-failure-session-count")))
        details = pols[0].get("failure-details", [])
        if res != "success":
            ok("report of %s: failure details %s" % (d, res), {res: n},
               {f["result-type"]: f["failed-session-count"] for f in details})
            ok("report of %s: receiving MX host name" % d, ["mx." + d],
               sorted({f.get("receiving-mx-hostname") for f in details}))
            # the name the test MX announces in its EHLO reply (mx_servers.py)
            addr = "10.25.0." + row[1]
            ok("report of %s: receiving-mx-helo is the announced host name" % d,
               ["mx-" + addr.replace(".", "-") + ".test"],
               sorted({f.get("receiving-mx-helo") for f in details}))


main()
