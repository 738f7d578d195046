/* Fuzz target: the reporter's DNS answer parsers (reporter/dns.c), which read whatever the
 * resolver hands back: the answer to _smtp._tls TXT lookups of any domain, and to the A/AAAA
 * lookups the SSRF guard relies on. The input is one DNS message, given to dns_txt_parse and
 * to dns_addr_parse for A and for AAAA (with room for 32 addresses and for 1); the TXT records
 * found then go through rua_from_txt, as in `send`. Properties besides "no crash":
 *   - a status other than DNS_OK leaves no record and an error; DNS_OK has at least one;
 *   - every TXT record is NUL-terminated at its length and no longer than the message;
 *   - addresses: DNS_OK has at least one, never more than max, of the family asked for; the
 *     parse with max = 1 has the same status and the same first address as with max = 32. */
#include <arpa/nameser.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz/fuzz.h"
#include "reporter/dns.h"
#include "reporter/rua.h"

static void dnsfz_check_addrs(const uint8_t *data, size_t size, int type)
{
    struct dns_addr many[DNS_MAX_ADDRS], one[1];
    size_t n_many = 0, n_one = 0;
    char err[256] = "", err1[256] = "";
    enum dns_status s = dns_addr_parse(data, size, type, many, DNS_MAX_ADDRS, &n_many, err,
                                       sizeof err);
    enum dns_status s1 = dns_addr_parse(data, size, type, one, 1, &n_one, err1, sizeof err1);
    FUZZ_CHECK(s == s1);
    FUZZ_CHECK(n_many <= DNS_MAX_ADDRS && n_one <= 1);
    if (s != DNS_OK) {
        FUZZ_CHECK(n_many == 0 && n_one == 0 && err[0] != '\0');
        return;
    }
    FUZZ_CHECK(n_many >= 1 && n_one == 1);
    int family = type == ns_t_a ? AF_INET : AF_INET6;
    for (size_t i = 0; i < n_many; i++)
        FUZZ_CHECK(many[i].family == family);
    FUZZ_CHECK(memcmp(many[0].a, one[0].a, type == ns_t_a ? 4 : 16) == 0);
}

int fuzz_dns(const uint8_t *data, size_t size);
int fuzz_dns(const uint8_t *data, size_t size)
{
    struct dns_txt txt;
    char err[256] = "";
    enum dns_status s = dns_txt_parse(data, size, &txt, err, sizeof err);
    if (s != DNS_OK) {
        FUZZ_CHECK(txt.n == 0 && txt.rec == NULL && err[0] != '\0');
    } else {
        FUZZ_CHECK(txt.n >= 1);
        for (size_t i = 0; i < txt.n; i++) {
            FUZZ_CHECK(txt.rec[i] != NULL && txt.len[i] < size);
            FUZZ_CHECK(txt.rec[i][txt.len[i]] == '\0');
        }
        struct rua_list l;
        char rerr[256];
        memset(&l, 0, sizeof l);
        rua_from_txt((const char *const *)txt.rec, txt.len, txt.n, 10, &l, rerr, sizeof rerr);
        rua_free(&l);
    }
    dns_txt_free(&txt);
    dnsfz_check_addrs(data, size, ns_t_a);
    dnsfz_check_addrs(data, size, ns_t_aaaa);
    return 0;
}

FUZZ_ENTRY(fuzz_dns)
