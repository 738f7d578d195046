/* The SSRF guard's address classification (pure): is an address one that a report may be
 * POSTed to from this host? Refused: loopback, RFC 1918 and unique-local, link-local, CGNAT,
 * unspecified, multicast, broadcast, documentation/benchmark/reserved ranges, IPv6 outside
 * 2000::/3, and IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64 64:ff9b::/96,
 * 6to4) are judged as the IPv4 address they carry. */
#ifndef TLSRPT_SSRF_H
#define TLSRPT_SSRF_H

/* family AF_INET (addr = 4 bytes) or AF_INET6 (16 bytes). Returns NULL when the address is
 * public, else a short static reason ("loopback", "private", ...). */
const char *ssrf_classify(int family, const unsigned char *addr);

/* The same for an address in text form. Returns NULL when public; "not an IP address" for
 * text that is not one. */
const char *ssrf_classify_text(const char *ip);

#endif
