#!/usr/bin/python3
"""A small authoritative DNS server for TXT records too long for a dnsmasq config line
(dnsmasq forwards their zone here with server=/zone/127.0.0.1#PORT).

usage: dns_big.py RECORDS PORT

RECORDS: one record per line, "NAME<TAB>STRING<TAB>STRING...", each STRING one
character-string (cut at 255 bytes by this server). Answers over UDP that do not fit the
client's buffer (512 bytes, or its EDNS size) are sent truncated (TC), so the client must come
back over TCP, which is served too. Other names: NXDOMAIN. Writes RECORDS.ready when up."""
import socket
import socketserver
import sys
import threading

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

RECORDS = {}


def answer(wire, max_size):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    name = q.question[0].name.to_text().rstrip(".").lower()
    if q.question[0].rdtype == dns.rdatatype.TXT and name in RECORDS:
        rrset = dns.rrset.RRset(q.question[0].name, dns.rdataclass.IN, dns.rdatatype.TXT)
        for strings in RECORDS[name]:
            quoted = " ".join('"%s"' % s[i:i + 255].replace("\\", "\\\\").replace('"', '\\"')
                              for s in strings for i in range(0, max(len(s), 1), 255))
            rrset.add(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, quoted), 60)
        r.answer.append(rrset)
    elif name not in RECORDS:
        r.set_rcode(dns.rcode.NXDOMAIN)
    if max_size is None:
        return r.to_wire()
    try:
        return r.to_wire(max_size=max_size)
    except dns.exception.TooBig:
        r.answer = []
        r.flags |= dns.flags.TC
        return r.to_wire()


class UDP(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        q = dns.message.from_wire(data)
        size = max(512, q.payload) if q.edns >= 0 else 512
        sock.sendto(answer(data, size), self.client_address)


class TCP(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            n = self.request.recv(2)
            if len(n) < 2:
                return
            want = int.from_bytes(n, "big")
            data = b""
            while len(data) < want:
                chunk = self.request.recv(want - len(data))
                if not chunk:
                    return
                data += chunk
            out = answer(data, None)
            self.request.sendall(len(out).to_bytes(2, "big") + out)


def main():
    path, port = sys.argv[1], int(sys.argv[2])
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2:
            RECORDS.setdefault(parts[0].lower(), []).append(parts[1:])
    socketserver.ThreadingUDPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    udp = socketserver.ThreadingUDPServer(("127.0.0.1", port), UDP)
    tcp = socketserver.ThreadingTCPServer(("127.0.0.1", port), TCP)
    for s in (udp, tcp):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    open(path + ".ready", "w").close()
    threading.Event().wait()


if __name__ == "__main__":
    main()
