/* `tlsrpt stats` groupings: each turns the counters of a time range into rows (JSON objects
 * with the key columns first, then the measures, then "result-types"). Adding a grouping is
 * one entry in the table of stats_query.c. */
#ifndef TLSRPT_STATS_H
#define TLSRPT_STATS_H

#include <jansson.h>
#include <time.h>

#include "lib/db.h"

struct stats_query {
    time_t since, until; /* [since, until) in Unix seconds */
    const char *domain;  /* NULL = all */
    long top;            /* rows kept, 0 = all */
};

#define STATS_MAX_COLUMNS 4

struct stats_grouping {
    const char *name;                         /* --by value; "policy" is the default */
    const char *keys[STATS_MAX_COLUMNS];      /* JSON names of the key columns */
    const char *measures[STATS_MAX_COLUMNS];  /* JSON names of the integer columns */
    const char *rows_sql;                     /* ?1 since, ?2 until, ?3 domain, ?4 limit */
    const char *types_sql;                    /* key columns, result type, count; or NULL */
    int rate;                                 /* add "failure-rate" from successful/failed */
    const char *empty_label;                  /* table text for an empty key, e.g. "(local)" */
};

/* The grouping named by --by (NULL = the default), or NULL when unknown. */
const struct stats_grouping *stats_grouping_find(const char *name);
/* "hour|day|..." for usage lines. */
const char *stats_grouping_names(void);
/* The rows, or NULL after logging the database error. */
json_t *stats_query_run(struct db *db, const struct stats_grouping *g,
                        const struct stats_query *q);

#endif
