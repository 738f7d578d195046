/* [storage] retention_days: pruning counters, reports and what only they referenced
 * (policies, failure details, TLSRPT records) older than the cutoff. Runs inside the
 * caller's transaction (aggregate's). */
#ifndef TLSRPT_RETENTION_H
#define TLSRPT_RETENTION_H

#include <time.h>

#include "lib/db.h"

struct retention_result {
    long long counter_rows;     /* session, failure and datagram count rows */
    long long reports;
    long long policies, details, records;
};

/* The first UTC midnight that is kept: today's midnight minus retention_days days. */
time_t retention_cutoff(time_t now, long retention_days);

/* Deletes counters of hours before cutoff, reports of days before it and, when counters
 * were deleted, the policies, details and records no counter refers to any more.
 * 0 or -1 (logged). */
int retention_prune(struct db *db, time_t cutoff, struct retention_result *r);

#endif
