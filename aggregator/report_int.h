/* Internals shared by report_build.c (making the JSON) and report_fit.c (trimming it to
 * size); nothing else includes this. */
#ifndef TLSRPT_REPORT_INT_H
#define TLSRPT_REPORT_INT_H

#include <jansson.h>

#include "aggregator/report.h"

struct built_policy {
    const struct report_policy *in;
    struct report_detail *details;  /* prepared copy */
    size_t ndetails;                /* after max_failure_details */
    size_t keep;                    /* after trimming to size */
    json_t **detail_json;
    json_t *entry;                  /* the policies[] element */
};

struct build {
    const struct report_input *in;
    const struct report_options *opt;
    struct built_policy *pol;
    size_t npol;
    json_t *root;
    char *err;
    size_t errsize;
};

/* Puts the first `keep` failure details of each policy into the report. */
void report_build_set_details(struct build *b);
/* Serialises and gzips the report into out; -1 when out of memory. */
int report_build_encode(struct build *b, struct report *out);
/* Trims failure details until the encoded report fits; REPORT_BUILT, REPORT_TOO_BIG (with
 * b->err) or REPORT_ERROR. */
enum report_status report_fit(struct build *b, struct report *out);

#endif
