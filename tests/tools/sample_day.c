/* sample_day: one day of an MTA's TLS results, as libtlsrpt datagrams, for the README's demo
 * (scripts/demo-run.sh) and its test (tests/e2e/ops_demo.sh).
 *   sample_day SOCKET     sends every result to the collector socket (unconnected sendto, as
 *                         libtlsrpt does, but blocking, so that nothing is lost however slow
 *                         the machine); prints "sent=N sessions=N failed=N"
 *   sample_day -          writes them to stdout instead, one JSON object per line (tlsrpt record)
 *   sample_day -t         prints the totals they add up to, for tests:
 *                             domain REPORT-DOMAIN POLICY-TYPE SUCCESSFUL FAILED
 *                             result RESULT-TYPE COUNT
 * Deterministic: the same bytes in the same order on every run (a fixed-seed shuffle).
 *
 * The day: seven recipient domains, successes dominating (about 97 %), every one of the 11
 * RFC 8460 result types, MTA-STS, DANE and no-policy-found, an IDN domain (sent as UTF-8,
 * reported as an A-label) and a domain whose TLSRPT record has gone since (no-record).
 * The datagrams have libtlsrpt's exact byte layout (see tests/data/vectors/libtlsrpt). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { TLSA = 1, STS = 2, NOPOLICY = 9 };

/* A failure detail; NULL members are not sent (libtlsrpt: the MTA passed NULL). */
struct detail {
    int code;
    const char *type; /* RFC 8460 name, for -t only */
    const char *s, *n, *h, *r, *a, *f;
};

/* `count` failed sessions, each with one or two details. */
struct failure {
    int count;
    const struct detail *d[2];
};

struct profile {
    const char *d;         /* recipient domain as the MTA saw it */
    const char *pr;        /* the TLSRPT record the MTA saw */
    int policy_type;
    const char *policy_domain; /* NULL: not sent (Postfix, no-policy-found) */
    const char *reported;      /* the report domain: d as an A-label, for -t */
    const char *strings[6];
    const char *mx[3];
    int successes;
    struct failure fail[4];
};

#define OUR_IP "192.0.2.25"

static const struct detail
    expired = {204, "certificate-expired", OUR_IP, "mx2.example.com", NULL, "198.51.100.26",
               "certificate notAfter has passed", "certificate_expired"},
    mismatch = {202, "certificate-host-mismatch", OUR_IP, "mx1.example.com",
                "250-mx1.example.com ESMTP\r\n250 STARTTLS", "198.51.100.25",
                "certificate names: mail.example.org", NULL},
    fetch = {301, "sts-policy-fetch-error", OUR_IP, NULL, NULL, NULL,
             "https://mta-sts.example.net/.well-known/mta-sts.txt: HTTP 503", NULL},
    invalid = {302, "sts-policy-invalid", OUR_IP, NULL, NULL, NULL,
               "policy has no mx line", NULL},
    webpki = {303, "sts-webpki-invalid", OUR_IP, NULL, NULL, NULL,
              "certificate of mta-sts.example.net has expired", NULL},
    untrusted = {203, "certificate-not-trusted", OUR_IP, "mx.example.org", NULL, "203.0.113.7",
                 "issuer=CN=Example Internal CA", "unable_to_get_local_issuer_certificate"},
    tlsa_bad = {304, "tlsa-invalid", OUR_IP, "mx.dane.example", "250 mx.dane.example",
                "203.0.113.10", NULL, "all-TLSA-records-unusable"},
    required = {306, "dane-required", OUR_IP, "mx.dane.example", NULL, "203.0.113.10",
                "dane-only: no usable TLSA records", NULL},
    bogus = {305, "dnssec-invalid", OUR_IP, "mx.dane.example", NULL, NULL,
             "TLSA lookup: DNSSEC validation failed (bogus)", NULL},
    nomatch = {205, "validation-failure", OUR_IP, "mx.dane.example", NULL, "203.0.113.10",
               "no TLSA record matched the certificate chain", NULL},
    nostarttls = {201, "starttls-not-supported", OUR_IP, "mx.legacy.example",
                  "220 mx.legacy.example ESMTP", "203.0.113.40", "STARTTLS not offered", NULL},
    idn_mismatch = {202, "certificate-host-mismatch", OUR_IP, "mx.xn--bcher-kva.example", NULL,
                    "198.51.100.90", "certificate names: *.hosting.example", NULL},
    gone_nostarttls = {201, "starttls-not-supported", OUR_IP, "mx.gone.example", NULL,
                       "203.0.113.50", NULL, NULL};

static const struct profile profiles[] = {
    {"example.com", "v=TLSRPTv1; rua=mailto:tlsrpt@example.com", STS, "example.com", "example.com",
     {"version: STSv1", "mode: enforce", "mx: mx1.example.com", "mx: mx2.example.com",
      "max_age: 604800"},
     {"mx1.example.com", "mx2.example.com"},
     2400,
     {{30, {&expired}}, {6, {&mismatch}}}},
    {"example.net", "v=TLSRPTv1;rua=mailto:tlsrpt@example.net,mailto:noc@example.net", STS,
     "example.net", "example.net",
     {"version: STSv1", "mode: testing", "mx: *.example.net", "max_age: 86400"},
     {"*.example.net"},
     900,
     {{12, {&fetch}}, {4, {&invalid}}, {3, {&webpki}}}},
    {"example.org", "v=TLSRPTv1; rua=mailto:postmaster@example.org", STS, "example.org",
     "example.org",
     {"version: STSv1", "mode: enforce", "mx: mx.example.org", "max_age: 1209600"},
     {"mx.example.org"},
     700,
     {{25, {&untrusted}}}},
    {"dane.example", "v=TLSRPTv1; rua=mailto:tlsrpt@dane.example", TLSA, "mx.dane.example",
     "dane.example",
     {"3 1 1 1F850A337E6DB9C609C522D136A475638CC43E1ED424F8EEC8513D747D1D085D"},
     {NULL},
     400,
     {{5, {&tlsa_bad, &required}}, {3, {&bogus}}, {6, {&nomatch}}}},
    {"legacy.example", "v=TLSRPTv1; rua=mailto:tlsrpt@legacy.example", NOPOLICY, NULL,
     "legacy.example", {NULL}, {NULL}, 300, {{40, {&nostarttls}}}},
    {"b\xc3\xbc" "cher.example", "v=TLSRPTv1; rua=mailto:tlsrpt@xn--bcher-kva.example", STS,
     "b\xc3\xbc" "cher.example", "xn--bcher-kva.example",
     {"version: STSv1", "mode: enforce", "mx: mx.xn--bcher-kva.example", "max_age: 604800"},
     {"mx.xn--bcher-kva.example"},
     120,
     {{2, {&idn_mismatch}}}},
    {"gone.example", "v=TLSRPTv1; rua=mailto:tlsrpt@gone.example", NOPOLICY, NULL,
     "gone.example", {NULL}, {NULL}, 80, {{1, {&gone_nostarttls}}}},
};
#define NPROFILES (sizeof profiles / sizeof profiles[0])

/* libtlsrpt's escaping: the short forms, \u00XX for other controls and 0x7f, bytes >= 0x80 raw. */
static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void put_member(FILE *out, const char *key, const char *value, int first)
{
    if (value == NULL)
        return;
    fprintf(out, "%s\"%s\": ", first ? "" : ",", key);
    put_string(out, value);
}

static void put_array(FILE *out, const char *key, const char *const *v, size_t max)
{
    if (v[0] == NULL)
        return;
    fprintf(out, ",\"%s\":[", key);
    for (size_t i = 0; i < max && v[i] != NULL; i++) {
        if (i)
            fputc(',', out);
        put_string(out, v[i]);
    }
    fputc(']', out);
}

/* One datagram: a session of profile p, failed with f (NULL: successful). */
static void datagram(FILE *out, const struct profile *p, const struct failure *f)
{
    fputs("{", out);
    put_member(out, "dpv", "1", 1);
    put_member(out, "d", p->d, 0);
    put_member(out, "pr", p->pr, 0);
    fprintf(out, ",\"policies\":[{\"policy-type\":%d", p->policy_type);
    put_member(out, "policy-domain", p->policy_domain, 0);
    put_array(out, "policy-string", p->strings, 6);
    put_array(out, "mx-host", p->mx, 3);
    int t = 0;
    if (f != NULL) {
        fputs(",\"failure-details\":[", out);
        for (; t < 2 && f->d[t] != NULL; t++) {
            const struct detail *d = f->d[t];
            fprintf(out, "%s{\"c\":%d", t ? "," : "", d->code);
            put_member(out, "s", d->s, 0);
            put_member(out, "n", d->n, 0);
            put_member(out, "h", d->h, 0);
            put_member(out, "r", d->r, 0);
            put_member(out, "a", d->a, 0);
            put_member(out, "f", d->f, 0);
            fputc('}', out);
        }
        fputc(']', out);
    }
    fprintf(out, ",\"t\":%d,\"f\":%d}]}", t, f != NULL);
}

/* Every session of the day as (profile, failure index or -1), in a fixed shuffled order. */
struct session {
    unsigned short profile;
    short failure;
};

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static struct session *sessions(size_t *n)
{
    size_t total = 0;
    for (size_t i = 0; i < NPROFILES; i++) {
        total += (size_t)profiles[i].successes;
        for (int j = 0; j < 4; j++)
            total += (size_t)profiles[i].fail[j].count;
    }
    struct session *v = calloc(total, sizeof *v);
    if (v == NULL)
        exit(2);
    size_t k = 0;
    for (size_t i = 0; i < NPROFILES; i++) {
        for (int c = 0; c < profiles[i].successes; c++)
            v[k++] = (struct session){(unsigned short)i, -1};
        for (int j = 0; j < 4; j++)
            for (int c = 0; c < profiles[i].fail[j].count; c++)
                v[k++] = (struct session){(unsigned short)i, (short)j};
    }
    uint32_t seed = 20261129;
    for (size_t i = total; i > 1; i--) {
        size_t j = xorshift(&seed) % i;
        struct session tmp = v[i - 1];
        v[i - 1] = v[j];
        v[j] = tmp;
    }
    *n = total;
    return v;
}

static void totals(void)
{
    static const char *const type_names[] = {[TLSA] = "tlsa", [STS] = "sts",
                                             [NOPOLICY] = "no-policy-found"};
    const struct detail *seen[32];
    long counts[32];
    size_t nseen = 0;
    for (size_t i = 0; i < NPROFILES; i++) {
        const struct profile *p = &profiles[i];
        long failed = 0;
        for (int j = 0; j < 4; j++) {
            const struct failure *f = &p->fail[j];
            failed += f->count;
            for (int k = 0; k < 2 && f->count && f->d[k]; k++) {
                size_t s = 0;
                while (s < nseen && strcmp(seen[s]->type, f->d[k]->type) != 0)
                    s++;
                if (s == nseen) {
                    seen[nseen] = f->d[k];
                    counts[nseen++] = 0;
                }
                counts[s] += f->count;
            }
        }
        printf("domain %s %s %d %ld\n", p->reported, type_names[p->policy_type], p->successes,
               failed);
    }
    for (size_t s = 0; s < nseen; s++)
        printf("result %s %ld\n", seen[s]->type, counts[s]);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sample_day SOCKET | - | -t\n");
        return 2;
    }
    if (strcmp(argv[1], "-t") == 0) {
        totals();
        return 0;
    }
    size_t n;
    struct session *v = sessions(&n);
    int to_stdout = strcmp(argv[1], "-") == 0;
    int fd = -1;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (!to_stdout) {
        if (strlen(argv[1]) >= sizeof sa.sun_path) {
            fprintf(stderr, "sample_day: socket path too long\n");
            return 2;
        }
        strcpy(sa.sun_path, argv[1]);
        fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd < 0) {
            perror("socket");
            return 1;
        }
    }
    unsigned long sent = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        const struct profile *p = &profiles[v[i].profile];
        const struct failure *f = v[i].failure < 0 ? NULL : &p->fail[v[i].failure];
        failed += f != NULL;
        if (to_stdout) {
            datagram(stdout, p, f);
            putchar('\n');
            sent++;
            continue;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        if (m == NULL)
            return 2;
        datagram(m, p, f);
        fclose(m);
        if (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa) != (ssize_t)len) {
            fprintf(stderr, "sample_day: %s: %s\n", argv[1], strerror(errno));
            free(buf);
            return 1;
        }
        free(buf);
        sent++;
    }
    if (!to_stdout)
        printf("sent=%lu sessions=%zu failed=%lu\n", sent, n, failed);
    free(v);
    if (fd >= 0)
        close(fd);
    return 0;
}
