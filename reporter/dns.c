/* glibc resolver with a private res_state. */
#include "dns.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/config.h"

#define ANSWER_MAX 65536

struct dns_resolver {
    struct __res_state st;
    unsigned char *answer;
};

/* Parses "IP", "IP:port", "[IPv6]:port" or a bare IPv6 address. */
static int parse_server(const char *item, struct sockaddr_in6 *sa6, struct sockaddr_in *sa4,
                        int *family)
{
    char host[INET6_ADDRSTRLEN + 2];
    long port = 53;
    const char *colon = strrchr(item, ':');
    if (item[0] == '[') {
        const char *close = strchr(item, ']');
        if (close == NULL || (size_t)(close - item - 1) >= sizeof host)
            return -1;
        memcpy(host, item + 1, (size_t)(close - item - 1));
        host[close - item - 1] = '\0';
        if (close[1] == ':')
            colon = close + 1;
        else if (close[1] != '\0')
            return -1;
        else
            colon = NULL;
    } else if (colon != NULL && strchr(item, ':') == colon) {
        if ((size_t)(colon - item) >= sizeof host)
            return -1;
        memcpy(host, item, (size_t)(colon - item));
        host[colon - item] = '\0';
    } else {
        if (bcopy_str(host, sizeof host, item) != 0)
            return -1;
        colon = NULL; /* a bare IPv6 address */
    }
    if (colon != NULL) {
        char *end;
        port = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || *end != '\0' || port < 1 || port > 65535)
            return -1;
    }
    memset(sa4, 0, sizeof *sa4);
    memset(sa6, 0, sizeof *sa6);
    if (inet_pton(AF_INET, host, &sa4->sin_addr) == 1) {
        sa4->sin_family = AF_INET;
        sa4->sin_port = htons((unsigned short)port);
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &sa6->sin6_addr) == 1) {
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons((unsigned short)port);
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

int dns_servers_check(const char *servers, char *err, size_t errsize)
{
    char item[128];
    const char *cur = servers;
    int n = 0;
    while (config_list_next(&cur, item, sizeof item)) {
        struct sockaddr_in sa4;
        struct sockaddr_in6 sa6;
        int family;
        if (parse_server(item, &sa6, &sa4, &family) != 0) {
            snprintf(err, errsize, "[delivery] dns_servers: \"%s\" is not IP[:port]", item);
            return -1;
        }
        if (++n > MAXNS) {
            snprintf(err, errsize, "[delivery] dns_servers: at most %d servers", MAXNS);
            return -1;
        }
    }
    return 0;
}

struct dns_resolver *dns_resolver_new(const char *servers, long timeout_ms, char *err,
                                      size_t errsize)
{
    if (dns_servers_check(servers, err, errsize) != 0)
        return NULL;
    struct dns_resolver *r = xcalloc(1, sizeof *r);
    if (res_ninit(&r->st) != 0) {
        snprintf(err, errsize, "res_ninit failed");
        free(r);
        return NULL;
    }
    r->answer = xmalloc(ANSWER_MAX);
    /* No search list, no default domain: names are absolute. Truncation goes to TCP. */
    r->st.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES | RES_IGNTC | RES_USEVC);
    r->st.retry = 2;
    long per_try = timeout_ms / 1000 / r->st.retry;
    r->st.retrans = (int)(per_try < 1 ? 1 : per_try > 5 ? 5 : per_try);

    char item[128];
    const char *cur = servers;
    int n = 0;
    while (config_list_next(&cur, item, sizeof item)) {
        if (n == 0) {
            for (int i = 0; i < MAXNS; i++) {
                free(r->st._u._ext.nsaddrs[i]);
                r->st._u._ext.nsaddrs[i] = NULL;
            }
        }
        struct sockaddr_in sa4;
        struct sockaddr_in6 sa6;
        int family;
        parse_server(item, &sa6, &sa4, &family);
        if (family == AF_INET) {
            r->st.nsaddr_list[n] = sa4;
        } else {
            /* glibc keeps IPv6 servers in _u._ext.nsaddrs with nsaddr_list[n] unset */
            memset(&r->st.nsaddr_list[n], 0, sizeof r->st.nsaddr_list[n]);
            r->st._u._ext.nsaddrs[n] = xmalloc(sizeof sa6);
            memcpy(r->st._u._ext.nsaddrs[n], &sa6, sizeof sa6);
        }
        n++;
    }
    if (n > 0) {
        r->st.nscount = n;
        r->st._u._ext.nscount = 0; /* let res_send rebuild its copy from our list */
    }
    return r;
}

long dns_resolver_max_ms(const struct dns_resolver *r)
{
    /* glibc's res_send: each try asks every server once and waits retrans << i for server i,
     * divided by the number of servers when i > 0, at least 1 s. */
    int servers = r->st.nscount > 0 ? r->st.nscount : 1;
    long per_try = 0;
    for (int i = 0; i < servers; i++) {
        long wait = (long)r->st.retrans << i;
        if (i > 0)
            wait /= servers;
        per_try += wait < 1 ? 1 : wait;
    }
    return (r->st.retry > 0 ? r->st.retry : 1) * per_try * 1000;
}

void dns_resolver_free(struct dns_resolver *r)
{
    if (r == NULL)
        return;
    res_nclose(&r->st);
    for (int i = 0; i < MAXNS; i++) { /* res_nclose frees these itself on newer glibc */
        if (r->st._u._ext.nsaddrs[i] != NULL) {
            free(r->st._u._ext.nsaddrs[i]);
            r->st._u._ext.nsaddrs[i] = NULL;
        }
    }
    free(r->answer);
    free(r);
}

/* Runs one query; DNS_OK with the answer length in *alen. */
static enum dns_status query(struct dns_resolver *r, const char *name, int type, int *alen,
                             char *err, size_t errsize)
{
    int n = res_nquery(&r->st, name, ns_c_in, type, r->answer, ANSWER_MAX);
    if (n >= 0) {
        *alen = n;
        return DNS_OK;
    }
    switch (r->st.res_h_errno) {
    case HOST_NOT_FOUND:
        snprintf(err, errsize, "NXDOMAIN");
        return DNS_NOT_FOUND;
    case NO_DATA:
        snprintf(err, errsize, "no %s record", type == ns_t_txt ? "TXT" : type == ns_t_a ? "A" : "AAAA");
        return DNS_NOT_FOUND;
    case TRY_AGAIN:
        snprintf(err, errsize, "SERVFAIL or timeout");
        return DNS_TEMPFAIL;
    default:
        snprintf(err, errsize, "resolver error (REFUSED, FORMERR or no server answered)");
        return DNS_TEMPFAIL;
    }
}

int dns_txt_join(const unsigned char *rdata, size_t rdlen, char **out, size_t *outlen)
{
    struct buf b = BUF_INIT;
    size_t pos = 0;
    while (pos < rdlen) {
        size_t l = rdata[pos++];
        if (l > rdlen - pos) {
            buf_free(&b);
            return -1;
        }
        buf_append(&b, rdata + pos, l);
        pos += l;
    }
    *outlen = b.len;
    *out = buf_steal(&b);
    return 0;
}

enum dns_status dns_txt_parse(const unsigned char *answer, size_t alen, struct dns_txt *out,
                              char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    ns_msg msg;
    if (alen > INT_MAX || ns_initparse(answer, (int)alen, &msg) != 0) {
        snprintf(err, errsize, "malformed DNS answer");
        return DNS_TEMPFAIL;
    }
    int count = ns_msg_count(msg, ns_s_an);
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
            dns_txt_free(out);
            snprintf(err, errsize, "malformed DNS answer record");
            return DNS_TEMPFAIL;
        }
        if (ns_rr_type(rr) != ns_t_txt || ns_rr_class(rr) != ns_c_in)
            continue; /* CNAMEs of the chain */
        char *txt;
        size_t tlen;
        if (dns_txt_join(ns_rr_rdata(rr), ns_rr_rdlen(rr), &txt, &tlen) != 0) {
            dns_txt_free(out);
            snprintf(err, errsize, "malformed TXT rdata");
            return DNS_TEMPFAIL;
        }
        out->rec = xrealloc(out->rec, (out->n + 1) * sizeof *out->rec);
        out->len = xrealloc(out->len, (out->n + 1) * sizeof *out->len);
        out->rec[out->n] = txt;
        out->len[out->n] = tlen;
        out->n++;
    }
    if (out->n == 0) {
        snprintf(err, errsize, "no TXT record");
        return DNS_NOT_FOUND;
    }
    return DNS_OK;
}

enum dns_status dns_txt_lookup(struct dns_resolver *r, const char *name, struct dns_txt *out,
                               char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    int alen = 0;
    enum dns_status s = query(r, name, ns_t_txt, &alen, err, errsize);
    if (s != DNS_OK)
        return s;
    return dns_txt_parse(r->answer, (size_t)alen, out, err, errsize);
}

void dns_txt_free(struct dns_txt *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rec[i]);
    free(t->rec);
    free(t->len);
    memset(t, 0, sizeof *t);
}

enum dns_status dns_addr_parse(const unsigned char *answer, size_t alen, int type,
                               struct dns_addr *out, size_t max, size_t *n, char *err,
                               size_t errsize)
{
    ns_msg msg;
    if (alen > INT_MAX || ns_initparse(answer, (int)alen, &msg) != 0) {
        snprintf(err, errsize, "malformed DNS answer");
        return DNS_TEMPFAIL;
    }
    int count = ns_msg_count(msg, ns_s_an), found = 0;
    size_t want = type == ns_t_a ? 4 : 16, start = *n;
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        /* A malformed answer gives no address at all, not the ones before the fault
         * (fuzz finding 003): the answer is taken whole or retried. */
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0) {
            *n = start;
            snprintf(err, errsize, "malformed DNS answer record");
            return DNS_TEMPFAIL;
        }
        if ((int)ns_rr_type(rr) != type || ns_rr_class(rr) != ns_c_in)
            continue;
        if (ns_rr_rdlen(rr) != want) {
            *n = start;
            snprintf(err, errsize, "malformed address record");
            return DNS_TEMPFAIL;
        }
        found++;
        if (*n >= max)
            continue;
        out[*n].family = type == ns_t_a ? AF_INET : AF_INET6;
        memcpy(out[*n].a, ns_rr_rdata(rr), want);
        (*n)++;
    }
    if (!found) {
        snprintf(err, errsize, "no %s record", type == ns_t_a ? "A" : "AAAA");
        return DNS_NOT_FOUND;
    }
    return DNS_OK;
}

static enum dns_status addr_query(struct dns_resolver *r, const char *host, int type,
                                  struct dns_addr *out, size_t max, size_t *n, char *err,
                                  size_t errsize)
{
    int alen = 0;
    enum dns_status s = query(r, host, type, &alen, err, errsize);
    if (s != DNS_OK)
        return s;
    return dns_addr_parse(r->answer, (size_t)alen, type, out, max, n, err, errsize);
}

enum dns_status dns_addr_lookup(struct dns_resolver *r, const char *host, struct dns_addr *out,
                                size_t max, size_t *n, char *err, size_t errsize)
{
    *n = 0;
    if (inet_pton(AF_INET, host, out[0].a) == 1) {
        out[0].family = AF_INET;
        *n = 1;
        return DNS_OK;
    }
    if (inet_pton(AF_INET6, host, out[0].a) == 1) {
        out[0].family = AF_INET6;
        *n = 1;
        return DNS_OK;
    }
    char e4[128] = "", e6[128] = "";
    enum dns_status s4 = addr_query(r, host, ns_t_a, out, max, n, e4, sizeof e4);
    enum dns_status s6 = addr_query(r, host, ns_t_aaaa, out, max, n, e6, sizeof e6);
    if (*n > 0)
        return DNS_OK; /* only the addresses seen are ever connected to (pinned) */
    if (s4 == DNS_TEMPFAIL || s6 == DNS_TEMPFAIL) {
        snprintf(err, errsize, "%s", s4 == DNS_TEMPFAIL ? e4 : e6);
        return DNS_TEMPFAIL;
    }
    snprintf(err, errsize, "%s", strcmp(e4, "NXDOMAIN") == 0 ? e4 : "no A or AAAA record");
    return DNS_NOT_FOUND;
}

const char *dns_addr_str(const struct dns_addr *a, char *out, size_t size)
{
    if (inet_ntop(a->family, a->a, out, (socklen_t)size) == NULL)
        snprintf(out, size, "?");
    return out;
}
