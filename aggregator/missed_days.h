/* Finished UTC days that have counted sessions and no current report: what a missed daily
 * run left behind (host down over midnight, a configuration error fixed the next day, a
 * retry that crossed midnight). `aggregate` without --day builds them, `reports` lists them. */
#ifndef TLSRPT_MISSED_DAYS_H
#define TLSRPT_MISSED_DAYS_H

#include <stddef.h>
#include <time.h>

#include "lib/db.h"

struct missed_days {
    time_t *day;                /* UTC midnights, oldest first */
    size_t count;
};

/* Fills m with the days in [from, until) (UTC midnights) that have sessions and no current
 * report; with domain (normalised, or NULL), sessions of that report domain and no current
 * report for it. Each day with counters costs a few index lookups; days without none.
 * 0, or -1 on a database error (logged).
 * missed_days_free() in both cases. */
int missed_days_find(struct db *db, time_t from, time_t until, const char *domain,
                     struct missed_days *m);
void missed_days_free(struct missed_days *m);
/* "2026-11-01,2026-11-02" into out (truncated with "..." when it does not fit). */
char *missed_days_format(const struct missed_days *m, const char *sep, char *out, size_t size);

#endif
