/* The libtlsrpt "dpv 1" datagram parser: bytes in, a validated and normalised result out.
 * Pure: no clock, socket or database. One datagram (or one `record` line) is accepted whole
 * or rejected whole with a short reason token and a message; nothing is partly counted.
 *
 * Accepted with repair: bytes that are not UTF-8 (replaced by U+FFFD).
 * Accepted as version 1: a datagram without dpv (libtlsrpt before 0.5.0); flagged nodpv.
 * Normalised: d and policy-domain (lower case, one trailing dot removed, A-labels);
 *             IPv6 addresses in RFC 5952 form; a missing policy-domain becomes d;
 *             receiving-mx-helo: the announced host name of an EHLO reply (lib/helo.h).
 * The report domain is d: the MTA found the _smtp._tls record (pr) of d. Each policy keeps
 * its own policy-domain (for DANE the TLSA base domain, the MX host). */
#ifndef TLSRPT_DATAGRAM_H
#define TLSRPT_DATAGRAM_H

#include <netinet/in.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/detail_field.h"
#include "lib/domain.h"

#define DATAGRAM_MAX_POLICIES 64
#define DATAGRAM_MAX_DETAILS 1024

struct failure_detail {
    int code;                               /* result-type code, one of the 11 */
    const char *field[DF_COUNT];            /* NULL when not known; borrowed from the parse */
    char ip_norm[2][INET6_ADDRSTRLEN];      /* storage for normalised s and r */
};

struct policy_result {
    int type;                               /* 1 tlsa, 2 sts, 9 no-policy-found */
    char domain[DOMAIN_MAX];                /* policy-domain as sent; d when there is none */
    const char *strings_json;               /* compact JSON array text of policy-string */
    const char *mx_json;                    /* compact JSON array text of mx-host */
    int failed;                             /* final result f: 0 success, 1 failure */
    size_t ndetails;
    struct failure_detail *details;
};

struct tls_result {
    char domain[DOMAIN_MAX];                /* d, normalised: the report domain */
    const char *record;                     /* pr */
    size_t npolicies;
    struct policy_result policies[DATAGRAM_MAX_POLICIES];
    size_t repaired;                        /* invalid UTF-8 bytes replaced */
    int nodpv;                              /* no dpv member: read as version 1 */
    void *json;                             /* owns the borrowed strings */
    struct buf text;                        /* owns strings_json and mx_json */
};

struct datagram_error {
    const char *reason;     /* short token, e.g. "bad-json", "bad-dpv": counted and logged */
    char message[200];      /* human detail */
};

/* The rejection reasons, for summaries and metrics; NULL-terminated. */
extern const char *const datagram_reasons[];

/* Parses buf[0..len). Returns 0 and fills out (free with tls_result_free), or -1 and fills
 * err. len may be 0; buf need not be NUL-terminated. out must be zeroed before its first use
 * and may be reused after tls_result_free. */
int datagram_parse(const char *buf, size_t len, struct tls_result *out, struct datagram_error *err);
void tls_result_free(struct tls_result *r);
/* Forgets the parse tree without walking it to free it: for a tree whose memory is released
 * as a whole (collector/json_arena.h). Call before tls_result_free. */
void tls_result_drop_json(struct tls_result *r);
/* Also releases the buffers kept for reuse. */
void tls_result_release(struct tls_result *r);

#endif
