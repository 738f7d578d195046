/* The RFC 8460 report builder: the counters of one report domain for one UTC day in, the
 * report JSON and its gzip bytes out. Pure: no clock, database or randomness inside (the
 * report id is made by the caller, report_id.h), so the same input always gives the same
 * bytes. What the JSON must look like is in docs (rfc8460-output.md); the field order is
 * fixed here so golden files can be compared byte for byte. */
#ifndef TLSRPT_REPORT_H
#define TLSRPT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/detail_field.h"

/* Receivers cap decompressed reports too (tlsrpt-digest: 10 MB); the JSON is kept below. */
#define REPORT_JSON_LIMIT (10L * 1000 * 1000)

struct report_detail {
    const char *result_type;        /* RFC 8460 name */
    const char *field[DF_COUNT];    /* "" = not known (left out of the report) */
    int64_t count;                  /* > 0 */
    int64_t id;                     /* failure_details.id (report_digest.h); not reported */
};

struct report_policy {
    const char *type;               /* "sts" | "tlsa" | "no-policy-found" */
    const char *domain;             /* policy-domain: always filled (DANE: the MX host) */
    const char *strings_json;       /* JSON array of strings (policy-string) */
    const char *mx_json;            /* JSON array of strings (mx-host, sts only) */
    int64_t successful, failed;
    struct report_detail *details;  /* need not be merged or sorted */
    size_t ndetails;
    int64_t id;                     /* policies.id (report_digest.h); not reported */
};

struct report_input {
    const char *domain;             /* the report domain: d, whose _smtp._tls record asked */
    time_t day;                     /* UTC midnight that starts the day */
    struct report_policy *policies;
    size_t npolicies;
};

struct report_options {
    const char *organization_name;
    const char *contact_info;
    unsigned policy_types;          /* bit i set: policy_types[i] is reported */
    unsigned redact;                /* bit f set: detail field f is left out */
    int skip_success_only;
    long max_failure_details;       /* per policy, largest counts kept; 0 = unlimited */
    long max_gzip_bytes;            /* [report] max_report_size */
    long max_json_bytes;            /* REPORT_JSON_LIMIT, smaller in tests */
};

enum report_status {
    REPORT_BUILT,
    REPORT_NOTHING,     /* no policy of a reported type, or only successes and skip_success_only */
    REPORT_TOO_BIG,     /* over the limits even without any failure detail */
    REPORT_ERROR,       /* bad input (err says what) */
};

struct report {
    char *json;                     /* compact, no trailing newline */
    size_t json_len;
    unsigned char *gzip;
    size_t gzip_len;
    int64_t successful, failed;     /* summary over the reported policies: always exact */
    size_t npolicies;
    size_t details;                 /* failure-details entries in the report */
    size_t details_capped;          /* left out by max_failure_details */
    size_t details_trimmed;         /* left out to fit the size limits */
    int64_t trimmed_count;          /* the failed-session-counts of the trimmed entries */
};

/* Builds the report with this report-id. On REPORT_BUILT, out holds the report (free with
 * report_free); on REPORT_ERROR and REPORT_TOO_BIG err says why. */
enum report_status report_build(const struct report_input *in, const char *report_id,
                                const struct report_options *opt, struct report *out,
                                char *err, size_t errsize);
void report_free(struct report *r);

/* 1 when policies of this type go into reports (opt->policy_types), 0 when left out. */
int report_policy_reported(const struct report_options *opt, const char *type);

/* Prepares the failure details of one policy in place: fields in `redact` emptied, identical
 * entries merged (counts summed), sorted by count (largest first, ties by content). Returns
 * the new number of entries. */
size_t report_details_prepare(struct report_detail *d, size_t n, unsigned redact);

#endif
