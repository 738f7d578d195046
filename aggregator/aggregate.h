/* One aggregation run over a day: every report domain with counted sessions (or one) gets
 * its report built (report_build), named (report_id) and stored (report_store) with what it
 * was built from (report_digest). Domains that already have a report are left alone unless
 * forced, or their counters changed since and `changed` is set; a rebuild adds a generation
 * and marks the previous one superseded. Domains whose counters changed since their report
 * are logged and counted either way. Runs inside the caller's transaction. */
#ifndef TLSRPT_AGGREGATE_H
#define TLSRPT_AGGREGATE_H

#include <stdint.h>
#include <time.h>

#include "aggregator/report.h"
#include "lib/db.h"

struct aggregate_params {
    time_t day;                     /* UTC midnight */
    const char *domain;             /* normalised; NULL = every domain */
    int force;                      /* rebuild every domain that has a report */
    int changed;                    /* rebuild those whose counters changed since (--changed) */
    const char *submitter;          /* normalised domain */
    const struct report_options *opt;
    time_t now;                     /* created_at */
    uint64_t nonce;                 /* for report ids: random, or 0 for reproducible runs */
    int threads;                    /* report builder threads (0: build on the caller's) */
};

struct aggregate_stats {
    unsigned long domains;          /* domains with counted sessions */
    unsigned long created;
    unsigned long existing;         /* already reported, not forced */
    unsigned long not_reported;     /* filtered out by policy_types / skip_success_only */
    unsigned long trimmed;          /* created, with details trimmed to fit */
    unsigned long failed;           /* too big even without details, or bad counters */
    unsigned long changed;          /* reported, and the counters changed since (rebuilt
                                     * with --changed or --force, in `created`; otherwise
                                     * left alone, in `existing`) */
};

/* 0, or -1 on a database error (logged); the transaction must then be rolled back. Reports
 * that cannot be built are logged and counted in stats->failed. */
int aggregate_day(struct db *db, const struct aggregate_params *p, struct aggregate_stats *st);

#endif
