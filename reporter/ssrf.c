/* Address classification for the SSRF guard. Pure: bytes in, a reason out. */
#include "ssrf.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

struct v4_range {
    unsigned char net[4];
    int bits;
    const char *why;
};

static const struct v4_range v4_ranges[] = {
    {{0, 0, 0, 0}, 8, "unspecified (0.0.0.0/8)"},
    {{10, 0, 0, 0}, 8, "private (RFC 1918)"},
    {{100, 64, 0, 0}, 10, "shared address space (CGNAT, 100.64.0.0/10)"},
    {{127, 0, 0, 0}, 8, "loopback"},
    {{169, 254, 0, 0}, 16, "link-local"},
    {{172, 16, 0, 0}, 12, "private (RFC 1918)"},
    {{192, 0, 0, 0}, 24, "reserved (IETF protocol assignments)"},
    {{192, 0, 2, 0}, 24, "documentation (TEST-NET-1)"},
    {{192, 88, 99, 0}, 24, "reserved (6to4 relay anycast)"},
    {{192, 168, 0, 0}, 16, "private (RFC 1918)"},
    {{198, 18, 0, 0}, 15, "reserved (benchmarking)"},
    {{198, 51, 100, 0}, 24, "documentation (TEST-NET-2)"},
    {{203, 0, 113, 0}, 24, "documentation (TEST-NET-3)"},
    {{224, 0, 0, 0}, 4, "multicast"},
    {{240, 0, 0, 0}, 4, "reserved (240.0.0.0/4, broadcast)"},
};

static int prefix_match(const unsigned char *a, const unsigned char *net, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (net[full] & mask);
}

static const char *classify_v4(const unsigned char *a)
{
    for (size_t i = 0; i < sizeof v4_ranges / sizeof v4_ranges[0]; i++)
        if (prefix_match(a, v4_ranges[i].net, v4_ranges[i].bits))
            return v4_ranges[i].why;
    return NULL;
}

struct v6_range {
    unsigned char net[16];
    int bits;
    const char *why;
};

static const struct v6_range v6_ranges[] = {
    {{0x01, 0x00}, 64, "reserved (discard-only 100::/64)"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "private (local-use NAT64 64:ff9b:1::/48)"},
    {{0x20, 0x01, 0x00, 0x00}, 32, "reserved (Teredo 2001::/32)"},
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, "reserved (benchmarking 2001:2::/48)"},
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation (2001:db8::/32)"},
    {{0x3f, 0xff}, 20, "documentation (3fff::/20)"},
    {{0xfc, 0x00}, 7, "unique-local (fc00::/7)"},
    {{0xfe, 0x80}, 10, "link-local (fe80::/10)"},
    {{0xfe, 0xc0}, 10, "site-local (fec0::/10)"},
    {{0xff, 0x00}, 8, "multicast"},
};

static const char *classify_v6(const unsigned char *a)
{
    static const unsigned char zero[16];
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    const char *why;

    if (memcmp(a, zero, 15) == 0 && a[15] == 0)
        return "unspecified (::)";
    if (memcmp(a, zero, 15) == 0 && a[15] == 1)
        return "loopback (::1)";
    if (memcmp(a, mapped, 12) == 0) {
        why = classify_v4(a + 12);
        return why ? why : NULL; /* ::ffff:a.b.c.d is a.b.c.d */
    }
    if (memcmp(a, nat64, 12) == 0)
        return classify_v4(a + 12); /* well-known NAT64 prefix: judged as the IPv4 address */
    if (memcmp(a, zero, 12) == 0)
        return "reserved (IPv4-compatible ::/96)";
    if (a[0] == 0x20 && a[1] == 0x02) { /* 6to4: 2002:a.b.c.d::/48 */
        why = classify_v4(a + 2);
        return why ? why : NULL;
    }
    for (size_t i = 0; i < sizeof v6_ranges / sizeof v6_ranges[0]; i++)
        if (prefix_match(a, v6_ranges[i].net, v6_ranges[i].bits))
            return v6_ranges[i].why;
    if ((a[0] & 0xe0) != 0x20)
        return "reserved (outside global unicast 2000::/3)";
    return NULL;
}

const char *ssrf_classify(int family, const unsigned char *addr)
{
    if (family == AF_INET)
        return classify_v4(addr);
    if (family == AF_INET6)
        return classify_v6(addr);
    return "unknown address family";
}

const char *ssrf_classify_text(const char *ip)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, ip, a) == 1)
        return ssrf_classify(AF_INET, a);
    if (inet_pton(AF_INET6, ip, a) == 1)
        return ssrf_classify(AF_INET6, a);
    return "not an IP address";
}
