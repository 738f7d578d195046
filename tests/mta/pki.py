#!/usr/bin/python3
"""Certificates for the real-MTA test (EC P-256, fast to make).

usage: pki.py DIR NAME:KIND:HOST[,HOST...] ...

Writes DIR/ca.pem (the test CA the sending Postfix and the MTA-STS resolver trust) and, per
argument, DIR/NAME.pem and DIR/NAME.key, KIND being
  good     signed by the test CA for the HOSTs, valid now
  expired  signed by the test CA for the HOSTs, expired yesterday
  self     self-signed for the HOSTs
and DIR/NAME.spki-sha256, the hex SHA-256 of the key's SubjectPublicKeyInfo (a TLSA 3 1 1)."""
import datetime
import hashlib
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.timezone.utc)
DAY = datetime.timedelta(days=1)


def key():
    return ec.generate_private_key(ec.SECP256R1())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject_key, cn, issuer_key, issuer_cn, hosts, start, end, ca=False):
    # Key identifiers and key usages: Python 3.13's default context (the MTA-STS resolver's)
    # verifies strictly and refuses a chain without them.
    b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(issuer_cn))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()),
                        critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
             issuer_key.public_key()), critical=False))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                          False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                          False), critical=True)
        b = b.add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                            critical=False)
    if hosts:
        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]),
                            critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ca_key = key()
    ca_cn = "tlsrpt real-MTA test CA"
    ca = cert(ca_key, ca_cn, ca_key, ca_cn, [], NOW - DAY, NOW + 2 * DAY, ca=True)
    write(os.path.join(out, "ca.pem"), ca.public_bytes(serialization.Encoding.PEM))
    for arg in sys.argv[2:]:
        nm, kind, hosts = arg.split(":")
        hosts = hosts.split(",")
        k = key()
        if kind == "good":
            c = cert(k, hosts[0], ca_key, ca_cn, hosts, NOW - DAY, NOW + 2 * DAY)
        elif kind == "expired":
            c = cert(k, hosts[0], ca_key, ca_cn, hosts, NOW - 10 * DAY, NOW - DAY)
        elif kind == "self":
            c = cert(k, hosts[0], k, hosts[0], hosts, NOW - DAY, NOW + 2 * DAY)
        else:
            sys.exit("unknown kind " + kind)
        write(os.path.join(out, nm + ".pem"), c.public_bytes(serialization.Encoding.PEM))
        write(os.path.join(out, nm + ".key"), k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        spki = k.public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
        write(os.path.join(out, nm + ".spki-sha256"),
              hashlib.sha256(spki).hexdigest().upper().encode() + b"\n")


main()
