/* ssrf_classify_text: which destination addresses the SSRF guard lets through. */
#include <string.h>

#include "reporter/ssrf.h"
#include "tests/unit/unit.h"

struct row {
    const char *ip;
    const char *want; /* NULL = public; else a prefix of the reason */
};

static const struct row rows[] = {
    {"8.8.8.8", NULL},
    {"1.1.1.1", NULL},
    {"93.184.215.14", NULL},
    {"100.63.255.255", NULL},
    {"100.128.0.0", NULL},
    {"172.15.255.255", NULL},
    {"172.32.0.0", NULL},
    {"192.169.0.1", NULL},
    {"223.255.255.255", NULL},
    {"127.0.0.1", "loopback"},
    {"127.255.255.254", "loopback"},
    {"0.0.0.0", "unspecified"},
    {"0.1.2.3", "unspecified"},
    {"10.0.0.1", "private"},
    {"10.255.255.255", "private"},
    {"172.16.0.1", "private"},
    {"172.31.255.255", "private"},
    {"192.168.1.1", "private"},
    {"169.254.169.254", "link-local"},
    {"100.64.0.1", "shared address space"},
    {"100.127.255.255", "shared address space"},
    {"224.0.0.1", "multicast"},
    {"239.255.255.250", "multicast"},
    {"240.0.0.1", "reserved"},
    {"255.255.255.255", "reserved"},
    {"192.0.0.8", "reserved"},
    {"192.0.2.1", "documentation"},
    {"198.18.0.1", "reserved (benchmarking)"},
    {"198.19.255.255", "reserved (benchmarking)"},
    {"198.51.100.7", "documentation"},
    {"203.0.113.9", "documentation"},
    {"2606:4700:4700::1111", NULL},
    {"2a00:1450:4001:82b::200e", NULL},
    {"::1", "loopback"},
    {"::", "unspecified"},
    {"::ffff:127.0.0.1", "loopback"},
    {"::ffff:10.1.2.3", "private"},
    {"::ffff:169.254.169.254", "link-local"},
    {"::ffff:8.8.8.8", NULL},
    {"::127.0.0.1", "reserved (IPv4-compatible"},
    {"64:ff9b::7f00:1", "loopback"},
    {"64:ff9b::808:808", NULL},
    {"64:ff9b:1::1", "private"},
    {"2002:7f00:1::1", "loopback"},
    {"2002:0a00:0001::1", "private"},
    {"2002:0808:0808::1", NULL},
    {"2001:0::1", "reserved (Teredo"},
    {"2001:db8::1", "documentation"},
    {"fc00::1", "unique-local"},
    {"fd12:3456::1", "unique-local"},
    {"fe80::1", "link-local"},
    {"febf::1", "link-local"},
    {"fec0::1", "site-local"},
    {"ff02::1", "multicast"},
    {"100::1", "reserved (discard"},
    {"4000::1", "reserved (outside global unicast"},
    {"1000::1", "reserved (outside global unicast"},
    {"localhost", "not an IP address"},
    {"127.1", "not an IP address"},
    {"", "not an IP address"},
};

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char name[96];
        snprintf(name, sizeof name, "%s is %s", rows[i].ip, rows[i].want ? rows[i].want : "public");
        const char *got = ssrf_classify_text(rows[i].ip);
        if (rows[i].want == NULL)
            UNIT_CHECK(name, got == NULL, "refused: %s", got);
        else
            UNIT_CHECK(name, got != NULL && strncmp(got, rows[i].want, strlen(rows[i].want)) == 0,
                       "got %s", got ? got : "public");
    }
    return unit_status();
}
