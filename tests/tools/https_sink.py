#!/usr/bin/python3
"""HTTPS sink for the reporter's tests: a threaded HTTP/1.1 server with TLS (test CA cert).

usage: https_sink.py DIR PORT CERT KEY [--count-only]

Each POST body is written to DIR/post-N.gz, its path and headers to DIR/post-N.hdr. The answer
is read from DIR/mode before each request: "200" (default), "201", "503", "400", "429",
"301", "stall" (never answers within the client's timeout;
DIR/stalled-N appears when a stall starts, N counting stalls) or "delay:SECONDS" (keeps the
report, answers 200 that much later). DIR/ready appears once the
server listens; --count-only keeps only a counter (DIR/count, written on exit)."""
import http.server
import os
import socket
import signal
import ssl
import sys
import threading
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        # the status line and the body go out in separate writes: without TCP_NODELAY each
        # answer waits for the client's delayed ACK (40 ms)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_POST(self):
        srv = self.server
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        mode = "200"
        try:
            with open(os.path.join(srv.out, "mode")) as f:
                mode = f.read().strip() or "200"
        except FileNotFoundError:
            pass
        if mode == "stall":
            with srv.lock:
                srv.stalls += 1
                k = srv.stalls
            open(os.path.join(srv.out, "stalled-%d" % k), "w").close()
            time.sleep(30)
            return
        delay = 0.0
        if mode.startswith("delay:"):
            delay, mode = float(mode[6:]), "200"
        code = int(mode)
        if 200 <= code <= 299:
            with srv.lock:
                srv.n += 1
                n = srv.n
            if not srv.count_only:
                base = os.path.join(srv.out, "post-%d" % n)
                with open(base + ".hdr", "w") as f:
                    f.write("path=%s\n" % self.path)
                    for k, v in self.headers.items():
                        f.write("%s: %s\n" % (k, v))
                with open(base + ".gz.tmp", "wb") as f:
                    f.write(body)
                os.rename(base + ".gz.tmp", base + ".gz")
        time.sleep(delay)  # kept first: the answer is what gets late
        text = {200: b"ok", 201: b"created", 503: b"busy, come back later", 400: b"bad report",
                429: b"slow down", 301: b""}.get(code, b"")
        self.send_response(code)
        if code == 301:
            self.send_header("Location", "https://127.0.0.1:1/elsewhere")
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)


def main():
    out, port, cert, key = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    srv.out, srv.n, srv.stalls, srv.lock = out, 0, 0, threading.Lock()
    srv.count_only = "--count-only" in sys.argv[5:]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
    open(os.path.join(out, "ready"), "w").close()
    srv.serve_forever()
    with open(os.path.join(out, "count"), "w") as f:
        f.write("%d\n" % srv.n)


if __name__ == "__main__":
    main()
