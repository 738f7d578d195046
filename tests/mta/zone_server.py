#!/usr/bin/python3
"""Authoritative DNS server for the real-MTA test, setting the AD bit on every answer (Postfix
uses MX and TLSA records for DANE only from answers a validating resolver marked authentic;
dnsmasq cannot be told to). Named zone_server.py: a dns.py here would shadow dnspython.

usage: zone_server.py ZONE_FILE ADDRESS PORT

ZONE_FILE has one record a line, "NAME TYPE RDATA" in master-file syntax (e.g.
`_smtp._tls.a.test TXT "v=TLSRPTv1; rua=mailto:r@b.test"`, `_25._tcp.mx.a.test TLSA 3 1 1 AB..`).
A name with records but not of the asked type gets an empty answer; an unknown name NXDOMAIN.
ZONE_FILE.ready appears once the server listens (UDP and TCP)."""
import socket
import socketserver
import sys
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

records = {}  # (name, type) -> rrset
names = set()


def load(path):
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        nm, rtype, rdata = line.split(None, 2)
        n = dns.name.from_text(nm)
        t = dns.rdatatype.from_text(rtype)
        rr = records.get((n, t))
        if rr is None:
            rr = records[(n, t)] = dns.rrset.RRset(n, dns.rdataclass.IN, t)
        rr.add(dns.rdata.from_text(dns.rdataclass.IN, t, rdata), ttl=60)
        names.add(n)


def answer(wire):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA | dns.flags.AD
    qs = q.question[0]
    rr = records.get((qs.name, qs.rdtype))
    if rr is not None:
        r.answer.append(rr)
    elif qs.name not in names:
        r.set_rcode(dns.rcode.NXDOMAIN)
    return r.to_wire()


class UDP(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            sock.sendto(answer(data), self.client_address)
        except Exception as e:  # a malformed query: no answer
            print("udp:", e, file=sys.stderr)


class TCP(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            n = self.rfile.read(2)
            if len(n) < 2:
                return
            out = answer(self.rfile.read(int.from_bytes(n, "big")))
            self.wfile.write(len(out).to_bytes(2, "big") + out)


class ThreadingUDP(socketserver.ThreadingMixIn, socketserver.UDPServer):
    allow_reuse_address = True


class ThreadingTCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    path, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    load(path)
    u = ThreadingUDP((addr, port), UDP)
    t = ThreadingTCP((addr, port), TCP)
    threading.Thread(target=t.serve_forever, daemon=True).start()
    open(path + ".ready", "w").close()
    u.serve_forever()


main()
