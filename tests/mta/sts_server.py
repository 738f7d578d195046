#!/usr/bin/python3
"""HTTPS server of the MTA-STS policies (https://mta-sts.DOMAIN/.well-known/mta-sts.txt).

usage: sts_server.py DIR ADDRESS CERT KEY

Answers GET /.well-known/mta-sts.txt with DIR/HOST.txt, HOST the request's Host header (404
when there is none). DIR/ready appears once the server listens on ADDRESS:443."""
import http.server
import os
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = os.path.join(self.server.dir, host + ".txt")
        if self.path != "/.well-known/mta-sts.txt" or "/" in host or not os.path.isfile(path):
            self.send_error(404)
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("sts_server: " + (fmt % args) + "\n")


def main():
    d, addr, cert, key = sys.argv[1:5]
    srv = http.server.ThreadingHTTPServer((addr, 443), Handler)
    srv.dir = d
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    open(os.path.join(d, "ready"), "w").close()
    srv.serve_forever()


main()
