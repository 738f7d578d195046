#!/usr/bin/python3
"""SMTP sink for the reporter's tests: aiosmtpd on loopback with STARTTLS (test CA cert).

usage: smtp_sink.py DIR PORT CERT KEY [--require-starttls] [--no-starttls] [--count-only]
                     [--auth USER:PASSWORD]

Every accepted message is written to DIR/mail-N.eml and its envelope to DIR/mail-N.env
("MAIL FROM" then one RCPT per line). The reply to DATA is read from DIR/mode before each
message: a file holding e.g. "451" or "550" makes the sink refuse with that code; no file (or
"250") accepts. Fault modes: "drop-mid-data" closes the connection after the first line of the
message, "drop-after-data" after the whole message but before the reply to the final dot (the
client cannot know whether it was taken; the sink does not keep it), "stall" never replies to
the final dot (and creates DIR/stalled-N when it starts to, N counting stalls), "delay:SECONDS" keeps the message and waits that long before replying 250. DIR/ready appears once the server listens. --count-only keeps only a counter
(DIR/count, written on exit) for benchmarks."""
import asyncio
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

REPLIES = {
    "451": "451 4.3.0 Temporary failure, try again later",
    "452": "452 4.3.1 Insufficient system storage",
    "550": "550 5.7.1 Delivery not authorized, message refused",
    "554": "554 5.7.0 Rejected",
}


def read_mode(out):
    try:
        with open(os.path.join(out, "mode")) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


class Handler:
    def __init__(self, out, count_only):
        self.out = out
        self.count_only = count_only
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        mode = read_mode(self.out)
        if mode in REPLIES:
            return REPLIES[mode]
        if mode == "drop-after-data":
            server.transport.abort()
            return "421 4.3.0 (never sent: the connection is gone)"
        if mode == "stall":
            with self.lock:
                self.stalls = getattr(self, "stalls", 0) + 1
                k = self.stalls
            open(os.path.join(self.out, "stalled-%d" % k), "w").close()
            await asyncio.sleep(3600)
        with self.lock:
            self.n += 1
            n = self.n
        if not self.count_only:
            base = os.path.join(self.out, "mail-%d" % n)
            with open(base + ".env.tmp", "w") as f:
                f.write(envelope.mail_from + "\n")
                for r in envelope.rcpt_tos:
                    f.write(r + "\n")
                f.write("tls=%s\n" % ("yes" if session.ssl else "no"))
            with open(base + ".eml.tmp", "wb") as f:
                f.write(envelope.original_content)
            os.rename(base + ".env.tmp", base + ".env")
            os.rename(base + ".eml.tmp", base + ".eml")
        if mode.startswith("delay:"):
            # kept first, like a real relay that has queued the message before it replies
            await asyncio.sleep(float(mode[6:]))
        return "250 2.0.0 Ok: queued as T%d" % n


class SinkSMTP(SMTP):
    """aiosmtpd's server, plus the "drop-mid-data" fault: the connection is cut while the
    client is still sending the message."""

    def __init__(self, handler, **kw):
        super().__init__(handler, **kw)
        self.out = handler.out

    async def smtp_DATA(self, arg):
        if read_mode(self.out) != "drop-mid-data" or not self.envelope.rcpt_tos:
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")
        self.transport.abort()


class TLSController(Controller):
    def __init__(self, handler, port, ctx, require, offer, auth):
        self.ctx, self.require, self.offer, self.auth = ctx, require, offer, auth
        super().__init__(handler, hostname="127.0.0.1", port=port)

    def factory(self):
        kw = {"tls_context": self.ctx, "require_starttls": self.require} if self.offer else {}
        if self.auth:
            want = self.auth.encode()

            def check(server, session, envelope, mechanism, data):
                ok = data.login + b":" + data.password == want
                return AuthResult(success=ok, handled=False)

            kw.update(authenticator=check, auth_required=True, auth_require_tls=False)
        return SinkSMTP(self.handler, data_size_limit=64 * 1024 * 1024, **kw)


def main():
    out, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    flags = sys.argv[5:]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    handler = Handler(out, "--count-only" in flags)
    auth = flags[flags.index("--auth") + 1] if "--auth" in flags else None
    ctl = TLSController(handler, port, ctx, "--require-starttls" in flags,
                        "--no-starttls" not in flags, auth)
    ctl.start()
    open(os.path.join(out, "ready"), "w").close()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    stop.wait()
    ctl.stop()
    with open(os.path.join(out, "count"), "w") as f:
        f.write("%d\n" % handler.n)


if __name__ == "__main__":
    main()
