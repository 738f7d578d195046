/* Every DNS lookup of the reporter, through one resolver: glibc's res_nquery on a private
 * res_state, so that [delivery] dns_servers (IP[:port], up to 3) replaces the system resolver
 * for the _smtp._tls TXT record and for the A/AAAA records of https: hosts alike (the SSRF
 * guard must see every address a connection could use). Truncated UDP answers are retried
 * over TCP by glibc (RES_IGNTC is never set). One resolver per thread. */
#ifndef TLSRPT_DNS_H
#define TLSRPT_DNS_H

#include <netinet/in.h>
#include <stddef.h>

enum dns_status {
    DNS_OK,
    DNS_NOT_FOUND, /* NXDOMAIN, or the name exists without records of the type */
    DNS_TEMPFAIL,  /* SERVFAIL, timeout, REFUSED, malformed answer: try again later */
};

struct dns_resolver;

/* servers: the dns_servers list ("" = the system resolver from resolv.conf). timeout_ms is
 * the total budget per query (split over tries). NULL with err on a bad list. */
struct dns_resolver *dns_resolver_new(const char *servers, long timeout_ms, char *err,
                                      size_t errsize);
void dns_resolver_free(struct dns_resolver *r);
/* The longest one lookup (one query type) can wait, as the resolver is set up: tries x
 * servers x per-try timeout. What a delivery claim's lease must cover besides `timeout`. */
long dns_resolver_max_ms(const struct dns_resolver *r);

/* Checks a dns_servers list without building a resolver (for configuration checks). */
int dns_servers_check(const char *servers, char *err, size_t errsize);

/* TXT records of name, each one joined from its character-strings. */
struct dns_txt {
    char **rec;
    size_t *len;
    size_t n;
};

enum dns_status dns_txt_lookup(struct dns_resolver *r, const char *name, struct dns_txt *out,
                               char *err, size_t errsize);
void dns_txt_free(struct dns_txt *t);

/* Joins the character-strings of one TXT rdata. Pure; -1 on malformed rdata. */
int dns_txt_join(const unsigned char *rdata, size_t rdlen, char **out, size_t *outlen);

/* Addresses of a host name (A and AAAA). An IP literal is returned as it is. */
#define DNS_MAX_ADDRS 32
struct dns_addr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char a[16];
};

enum dns_status dns_addr_lookup(struct dns_resolver *r, const char *host, struct dns_addr *out,
                                size_t max, size_t *n, char *err, size_t errsize);

/* The parsers behind the lookups, pure (fuzz/fuzz_dns.c): the TXT records of a DNS answer
 * message (records of other types, such as the CNAMEs of a chain, are skipped), and the
 * addresses of type ns_t_a or ns_t_aaaa, appended to out[*n] up to max (records past max
 * still count as found). A malformed message is DNS_TEMPFAIL, as the lookups report it. */
enum dns_status dns_txt_parse(const unsigned char *answer, size_t alen, struct dns_txt *out,
                              char *err, size_t errsize);
enum dns_status dns_addr_parse(const unsigned char *answer, size_t alen, int type,
                               struct dns_addr *out, size_t max, size_t *n, char *err,
                               size_t errsize);

/* Textual form of an address (inet_ntop). */
const char *dns_addr_str(const struct dns_addr *a, char *out, size_t size);

#endif
