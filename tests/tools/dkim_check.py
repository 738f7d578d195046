#!/usr/bin/python3
"""Checks a report e-mail the way a strict receiver would.

usage: dkim_check.py DNS_PORT MESSAGE EXPECTED_JSON [--lf] [--not-strict]

- the DKIM signature verifies with dkimpy in tlsrpt='strict' mode, the key record being
  fetched from the test's DNS server (127.0.0.1:DNS_PORT);
- the message has exactly one attachment, application/tlsrpt+gzip, whose gunzipped bytes
  equal EXPECTED_JSON byte for byte;
- the RFC 8460 headers are there.
--lf: the message was written with LF line ends (sendmail pipe); CRLF is restored first, as
the MTA does. --not-strict: dkimpy's tlsrpt=True instead of 'strict', which accepts a key
record without s=tlsrpt (what the README recommends publishing; strict mode demands s=tlsrpt).
Prints "ok" or the reason, exit status 0 or 1."""
import email
import email.policy
import gzip
import sys

import dkim
import dns.resolver


def main():
    port, path, expected_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    raw = open(path, "rb").read()
    if "--lf" in sys.argv[4:]:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port

    def dnsfunc(name, timeout=5):
        ans = res.resolve(name.decode().rstrip("."), "TXT", lifetime=timeout)
        return b"".join(ans[0].strings)

    mode = True if "--not-strict" in sys.argv[4:] else "strict"
    if not dkim.verify(raw, dnsfunc=dnsfunc, tlsrpt=mode):
        print("DKIM verification failed (tlsrpt=%s)" % mode)
        return 1
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for h in ("TLS-Report-Domain", "TLS-Report-Submitter", "Message-ID", "Date"):
        if not msg[h]:
            print("missing header " + h)
            return 1
    if msg["TLS-Required"] != "No":
        print("TLS-Required is not No")
        return 1
    if msg.get_content_type() != "multipart/report" or msg.get_param("report-type") != "tlsrpt":
        print("not multipart/report; report-type=tlsrpt")
        return 1
    atts = [p for p in msg.walk() if p.get_filename()]
    if len(atts) != 1 or atts[0].get_content_type() != "application/tlsrpt+gzip":
        print("expected exactly one application/tlsrpt+gzip attachment")
        return 1
    body = gzip.decompress(atts[0].get_payload(decode=True))
    if body != open(expected_path, "rb").read():
        print("attachment differs from the expected report JSON")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
