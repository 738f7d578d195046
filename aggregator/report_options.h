/* The [report] configuration turned into report_options, checked once before any report is
 * built: a bad organization_name, contact_info or submitter is a configuration error, never
 * a malformed report. */
#ifndef TLSRPT_REPORT_OPTIONS_H
#define TLSRPT_REPORT_OPTIONS_H

#include <stddef.h>

#include "aggregator/report.h"
#include "lib/config.h"
#include "lib/domain.h"

/* Fills opt (whose strings point into cfg) and the normalised submitter domain. Returns 0,
 * or -1 with a message naming the key in err. */
int report_options_load(const struct config *cfg, struct report_options *opt,
                        char submitter[DOMAIN_MAX], char *err, size_t errsize);

#endif
