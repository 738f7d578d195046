/* [storage] retention_days: pruning counters and reports older than the cutoff (inside the
 * aggregate transaction), then the policies, failure details and TLSRPT records that no
 * counter refers to any more (in a transaction of their own, see retention_prune_orphans). */
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

/* Deletes counters of hours before cutoff and reports of days before it (tables referring
 * to reports follow through their ON DELETE CASCADE). Runs in the caller's transaction.
 * Fills counter_rows and reports. 0 or -1 (logged). */
int retention_prune(struct db *db, time_t cutoff, struct retention_result *r);

/* Deletes the policies, failure details and records no counter refers to, and when it
 * deleted any bumps prune_generation (writers then drop their id caches). Must be called
 * outside a transaction: it runs its own, with foreign-key enforcement off, because SQLite
 * would otherwise scan the (unindexed) counters once per deleted row; what it deletes has
 * no referring row by construction. Fills policies, details and records. 0 or -1 (logged). */
int retention_prune_orphans(struct db *db, struct retention_result *r);

#endif
