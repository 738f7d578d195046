#!/usr/bin/python3
"""The receiving MX servers of the real-MTA test: aiosmtpd on port 25 of several addresses,
each with its own certificate (or no STARTTLS), in one process.

usage: mx_servers.py DIR CONFIG

CONFIG has one server a line: "ADDRESS CERT KEY" (STARTTLS offered) or "ADDRESS none".
Each accepted message goes to DIR/ADDRESS/mail-N.eml (envelope in mail-N.env); every
completed STARTTLS handshake adds a line to DIR/ADDRESS/tls.log: "new" or "resumed" (the
client resumed an earlier TLS session) and the connection's number, so the test can tell
handshakes, resumptions and reused connections apart. DIR/ready appears once all listen."""
import asyncio
import os
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP

lock = threading.Lock()
counter = {"conn": 0}


class Handler:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        # without it aiosmtpd answers MAIL FROM with "503 send HELO first"
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        with lock:
            self.n += 1
            n = self.n
        base = os.path.join(self.out, "mail-%d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write("MAIL FROM " + envelope.mail_from + "\n")
            for r in envelope.rcpt_tos:
                f.write("RCPT " + r + "\n")
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 OK"


class LoggingSMTP(SMTP):
    """Notes each finished STARTTLS handshake, new or resumed."""

    def __init__(self, *a, tls_log=None, **kw):
        super().__init__(*a, **kw)
        self.tls_log = tls_log
        with lock:
            counter["conn"] += 1
            self.conn_no = counter["conn"]

    async def smtp_STARTTLS(self, arg):
        await super().smtp_STARTTLS(arg)
        obj = self.transport.get_extra_info("ssl_object") if self.transport else None
        if obj is not None:
            with lock, open(self.tls_log, "a") as f:
                f.write("%s %d\n" % ("resumed" if obj.session_reused else "new", self.conn_no))


async def serve(out, config):
    loop = asyncio.get_running_loop()
    for line in open(config):
        parts = line.split()
        if not parts:
            continue
        addr = parts[0]
        d = os.path.join(out, addr)
        os.makedirs(d, exist_ok=True)
        ctx = None
        if parts[1] != "none":
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(parts[1], parts[2])
        handler = Handler(d)
        tls_log = os.path.join(d, "tls.log")

        def factory(handler=handler, ctx=ctx, tls_log=tls_log, addr=addr):
            return LoggingSMTP(handler, hostname="mx-" + addr.replace(".", "-") + ".test",
                               tls_context=ctx, require_starttls=False, tls_log=tls_log)

        await loop.create_server(factory, host=addr, port=25, reuse_address=True)
    open(os.path.join(out, "ready"), "w").close()
    await asyncio.Event().wait()


asyncio.run(serve(sys.argv[1], sys.argv[2]))
