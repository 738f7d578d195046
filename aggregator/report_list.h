/* Listing stored reports, for `tlsrpt reports` and whatever else shows them. The JSON object
 * of one report is made in one place, report_list_json(), so that later stages add their
 * members there (the reporter: "state" and "deliveries"). */
#ifndef TLSRPT_REPORT_LIST_H
#define TLSRPT_REPORT_LIST_H

#include <jansson.h>
#include <stdint.h>

#include "lib/db.h"

struct report_row {
    int64_t id;                 /* reports.id, for joins with other tables */
    const char *report_id;
    const char *day;            /* YYYY-MM-DD */
    const char *domain;         /* the report domain (column reports.policy_domain) */
    long generation;
    int superseded;
    const char *filename;
    int64_t bytes;              /* gzip size */
    int64_t successful, failed;
    const char *created_at;
};

struct report_filter {
    const char *day;            /* NULL = every day kept */
    const char *domain;         /* NULL = every domain */
    int all;                    /* also superseded generations */
};

/* Called for each row in (day, report domain, generation) order; a non-zero return stops. */
typedef int report_row_fn(const struct report_row *r, void *arg);

/* 0, or -1 on a database error (logged). */
int report_list(struct db *db, const struct report_filter *f, report_row_fn *fn, void *arg);

/* The object describing one report in `reports --json`:
 * {"report-id","day","domain","generation","superseded","filename","bytes",
 *  "successful","failed","created-at"}. db is there for members kept in other tables. */
json_t *report_list_json(struct db *db, const struct report_row *r);

#endif
