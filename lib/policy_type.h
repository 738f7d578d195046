/* The one table of RFC 8460 policy types: datagram code <-> report name. */
#ifndef TLSRPT_POLICY_TYPE_H
#define TLSRPT_POLICY_TYPE_H

#define POLICY_TYPE_COUNT 3

struct policy_type {
    int code;          /* libtlsrpt: 1, 2, 9 */
    const char *name;  /* "tlsa", "sts", "no-policy-found" */
};

extern const struct policy_type policy_types[POLICY_TYPE_COUNT];

/* What an RFC 8460 report carries of a policy of this type (aggregator/report_build.c):
 * policy-string for all but no-policy-found, mx-host only for sts. Writers store only that
 * (an empty array "[]" for the rest), so policies that look alike in a report are one. */
int policy_type_has_strings(const char *name);
int policy_type_has_mx(const char *name);

const char *policy_type_name(long long code); /* NULL when unknown */
int policy_type_code(const char *name);        /* -1 when unknown */

#endif
