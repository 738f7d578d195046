#!/usr/bin/python3
"""Compares `tlsrpt stats --json` (file argv[2]) with the totals that the real libtlsrpt
vectors' expected-totals.json (argv[1]) states, computed independently of tlsrpt's code:
report domain = the recipient domain d (whatever each policy's policy-domain), summed per
(report domain, policy type). Extra vectors not in expected-totals.json are passed as
--extra DOMAIN:TYPE:SUCCESSFUL:FAILED[:RESULT=N,...]. Prints differences; exits 1 on any."""
import json
import sys

TYPES = {1: "tlsa", 2: "sts", 9: "no-policy-found"}
NAMES = {201: "starttls-not-supported", 202: "certificate-host-mismatch",
         203: "certificate-not-trusted", 204: "certificate-expired", 205: "validation-failure",
         301: "sts-policy-fetch-error", 302: "sts-policy-invalid", 303: "sts-webpki-invalid",
         304: "tlsa-invalid", 305: "dnssec-invalid", 306: "dane-required"}


def expected(totals_path, extras, multiply):
    want = {}
    doc = json.load(open(totals_path))
    for dom, d in doc["domains"].items():
        for p in d["policies"]:
            pol = p["policy"]
            key = (dom, TYPES[pol["policy-type"]])
            row = want.setdefault(key, {"successful": 0, "failed": 0, "result-types": {}})
            row["successful"] += p["total-successful-session-count"] * multiply
            row["failed"] += p["total-failure-session-count"] * multiply
            for fd in p["failure-details"]:
                rt = row["result-types"]
                name = NAMES[fd["detail"]["c"]]
                rt[name] = rt.get(name, 0) + fd["failed-session-count"] * multiply
    for e in extras:
        parts = e.split(":")
        row = want.setdefault((parts[0], parts[1]),
                              {"successful": 0, "failed": 0, "result-types": {}})
        row["successful"] += int(parts[2])
        row["failed"] += int(parts[3])
        if len(parts) > 4 and parts[4]:
            for kv in parts[4].split(","):
                k, v = kv.split("=")
                row["result-types"][k] = row["result-types"].get(k, 0) + int(v)
    return want


def main():
    args = sys.argv[1:]
    extras, multiply = [], 1
    while args and args[0].startswith("--"):
        if args[0] == "--extra":
            extras.append(args[1])
            args = args[2:]
        elif args[0] == "--times":
            multiply = int(args[1])
            args = args[2:]
        else:
            sys.exit("unknown option " + args[0])
    want = expected(args[0], extras, multiply)
    got = {}
    for r in json.load(open(args[1])):
        key = (r["domain"], r["policy-type"])
        if key in got:
            print("duplicate row", key)
            sys.exit(1)
        got[key] = {k: r[k] for k in ("successful", "failed", "result-types")}
    bad = 0
    for key in sorted(set(want) | set(got)):
        if want.get(key) != got.get(key):
            print("mismatch", key, "want", want.get(key), "got", got.get(key))
            bad += 1
    sys.exit(1 if bad else 0)


main()
