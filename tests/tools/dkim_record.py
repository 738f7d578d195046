#!/usr/bin/python3
"""How dkimpy judges a message's DKIM signature under a given key record (no DNS).

usage: dkim_record.py MESSAGE 'v=DKIM1; k=rsa; p=...'
Prints "tlsrpt=yes|no strict=yes|no": whether dkim.verify() accepts the signature with
tlsrpt=True (a TLS report, any service type allowed) and with tlsrpt='strict' (RFC 8460's
SHOULD read as MUST: the record must say s=tlsrpt). For tests of the README's advice on the
key record's s= tag (tests/e2e/ops_demo.sh); libopendkim's side is tests/tools/opendkim_verify.c."""
import sys

import dkim


def accepts(raw, record, mode):
    try:
        return dkim.verify(raw, dnsfunc=lambda name, timeout=5: record, tlsrpt=mode)
    except Exception:
        return False


raw = open(sys.argv[1], "rb").read()
record = sys.argv[2].encode()
print("tlsrpt=%s strict=%s" % tuple("yes" if accepts(raw, record, m) else "no"
                                     for m in (True, "strict")))
