#!/usr/bin/python3
"""Writes hostile but valid "dpv 1" datagrams (issue 11 item 4), one file each, into DIR:

  hostile_dgram.py wide DIR [N]   N (150) distinct datagrams of at most 16 KiB: an 8 KB record
                                  and one policy of 780 failure details
  hostile_dgram.py big DIR        one datagram of about 192 KB: a 100 KB record and 9 policies
                                  of 1,024 failure details each

Before the fix every failure detail's increment copied its record, so these took a collector
to 850-900 MiB."""
import json
import os
import sys

CODES = [201, 202, 203, 204, 205, 301, 302, 303, 304, 305, 306]


def datagram(record, policies):
    return json.dumps({"dpv": "1", "d": "hostile.example", "pr": record, "policies": policies},
                      separators=(",", ":")).encode()


def policy(n, domain):
    return {"policy-type": 2, "policy-domain": domain, "policy-string": ["version: STSv1"],
            "mx-host": ["mx." + domain], "t": n, "f": 1,
            "failure-details": [{"c": CODES[i % len(CODES)]} for i in range(n)]}


def wide(out, count):
    for k in range(count):
        head = "v=TLSRPTv1;rua=mailto:tlsrpt@hostile.example;x=%d;" % k
        record = head + "p" * (8000 - len(head))
        data = datagram(record, [policy(780, "hostile.example")])
        assert len(data) <= 16384, len(data)
        with open(os.path.join(out, "wide-%04d.dgram" % k), "wb") as f:
            f.write(data)


def big(out):
    head = "v=TLSRPTv1;rua=mailto:tlsrpt@hostile.example;"
    record = head + "q" * (100000 - len(head))
    data = datagram(record, [policy(1024, "p%d.hostile.example" % i) for i in range(9)])
    with open(os.path.join(out, "big.dgram"), "wb") as f:
        f.write(data)


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "wide":
        wide(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 150)
    elif len(sys.argv) == 3 and sys.argv[1] == "big":
        big(sys.argv[2])
    else:
        sys.exit(__doc__)
