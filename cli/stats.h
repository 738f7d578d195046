/* `tlsrpt stats` groupings: each turns the counters of a time range into rows (JSON objects
 * with the key columns first, then the measures, then "result-types"). Adding a grouping is
 * one entry in the table of stats_query.c. */
#ifndef TLSRPT_STATS_H
#define TLSRPT_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "lib/db.h"

struct stats_query {
    time_t since, until; /* [since, until) in Unix seconds */
    const char *domain;  /* NULL = all */
};

#define STATS_MAX_COLUMNS 4

struct stats_grouping {
    const char *name;                         /* --by value; "policy" is the default */
    const char *keys[STATS_MAX_COLUMNS];      /* JSON names of the key columns */
    const char *measures[STATS_MAX_COLUMNS];  /* JSON names of the integer columns */
    const char *rows_sql;                     /* ?1 since, ?2 until, ?3 domain */
    const char *types_sql;                    /* key columns, result type, count; or NULL */
    int rate;                                 /* sessions: add "failure-rate" from successful/failed */
    const char *empty_label;                  /* table text for an empty key, e.g. "(local)" */
};

/* The grouping named by --by (NULL = the default), or NULL when unknown. */
const struct stats_grouping *stats_grouping_find(const char *name);
/* "hour|day|..." for usage lines. */
const char *stats_grouping_names(void);
/* The collector's rejections per day and reason (--by rejection): not per report domain. */
#define STATS_REJECTIONS "rejection"
/* Every row of the range, in the grouping's order (--top is applied by the printers), or NULL
 * after logging the database error. */
json_t *stats_query_run(struct db *db, const struct stats_grouping *g,
                        const struct stats_query *q);

/* Rows [from, to) summed into one row without key columns: the measures that add up (not
 * "domains", a count of distinct domains), "failure-rate" of the sums where the grouping has
 * one, and "result-types" summed, the most frequent first. For the "others" and "total" lines. */
json_t *stats_sum_rows(const struct stats_grouping *g, json_t *rows, size_t from, size_t to);
/* failed / (successful + failed), rounded to 4 decimals; 0 when there were no sessions. */
double stats_failure_rate(long long successful, long long failed);

/* The table: the first top rows (0 = all), then "others (N rows)" summing the rest, then the
 * total over every row. */
void stats_print_table(const struct stats_grouping *g, json_t *rows, long top);

#endif
