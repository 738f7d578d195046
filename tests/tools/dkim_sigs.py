#!/usr/bin/python3
"""How dkimpy judges each DKIM signature of a message, one key record per selector (no DNS).

usage: dkim_sigs.py MESSAGE SELECTOR:RECORD...
Prints one line per signature, in the message's order:
  "s=SELECTOR plain=yes|no tlsrpt=yes|no strict=yes|no"
plain: dkim.verify() as for any mail; tlsrpt: tlsrpt=True (a TLS report); strict:
tlsrpt='strict' (the record must say s=tlsrpt). dkimpy's verify() checks one signature,
the first unless idx= says otherwise: a receiver that calls it plainly sees only the first."""
import re
import sys

import dkim

raw = open(sys.argv[1], "rb").read()
records = {}
for a in sys.argv[2:]:
    sel, rec = a.split(":", 1)
    records[sel] = rec.encode()


def dnsfunc(name, timeout=5):
    return records.get(name.decode().split("._domainkey.")[0], b"")


def accepts(idx, mode):
    try:
        d = dkim.DKIM(raw) if mode is None else dkim.DKIM(raw, tlsrpt=mode)
        return d.verify(idx=idx, dnsfunc=dnsfunc)
    except Exception:
        return False


sigs = [v for k, v in dkim.DKIM(raw).headers if k.lower() == b"dkim-signature"]
for i, v in enumerate(sigs):
    sel = re.search(rb"(?:^|;)\s*s\s*=\s*([^;\s]+)", v).group(1).decode()
    print("s=%s %s" % (sel, " ".join("%s=%s" % (n, "yes" if accepts(i, m) else "no")
                                      for n, m in (("plain", None), ("tlsrpt", True),
                                                   ("strict", "strict")))))
