/* The one table of RFC 8460 result types: datagram code <-> registered name.
 * Nothing else in the program spells these strings. */
#ifndef TLSRPT_RESULT_TYPE_H
#define TLSRPT_RESULT_TYPE_H

#define RESULT_TYPE_COUNT 11

struct result_type {
    int code;          /* libtlsrpt datagram code, e.g. 202 */
    const char *name;  /* RFC 8460 §4.3 name, e.g. "certificate-host-mismatch" */
};

extern const struct result_type result_types[RESULT_TYPE_COUNT];

/* NULL when the code is not one of the 11 (901 is libtlsrpt-internal and invalid here). */
const char *result_type_name(long long code);
/* The datagram code for a registered name, or -1. */
int result_type_code(const char *name);

#endif
