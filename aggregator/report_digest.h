/* What a report is built from, in 64 bits: a digest of the counters of one report domain and
 * day that its report summarises (policies of reported types, their session counts and their
 * failure-detail counts, by their database ids). Stored with each report
 * (reports.input_digest, schema/009), so a later run can tell that counters changed after
 * the report was built (late imports, `tlsrpt record`, sessions the collector wrote after the
 * run). Pure. */
#ifndef TLSRPT_REPORT_DIGEST_H
#define TLSRPT_REPORT_DIGEST_H

#include <stdint.h>

#include "aggregator/report.h"

struct report_digest {
    uint64_t digest;                /* independent of the order of policies and details */
    int64_t successful, failed;     /* session totals over the reported policies, as the
                                     * report's summary (and reports.successful/failed) */
};

void report_digest_of(const struct report_input *in, const struct report_options *opt,
                      struct report_digest *out);

#endif
