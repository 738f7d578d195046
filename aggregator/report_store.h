/* The reports table (schema/002-reports.sql): which generations exist for a day, adding a
 * report, and marking older generations superseded. Only the caller's transaction is used. */
#ifndef TLSRPT_REPORT_STORE_H
#define TLSRPT_REPORT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/bmap.h"
#include "lib/db.h"

struct stored_report {
    const char *report_id;
    const char *day;                /* YYYY-MM-DD */
    const char *domain;             /* the report domain (column reports.policy_domain) */
    long generation;
    const char *filename;
    const char *json;
    size_t json_len;
    const unsigned char *gzip;
    size_t gzip_len;
    int64_t successful, failed;
    const char *created_at;         /* RFC 3339 */
    uint64_t input_digest;          /* what it was built from (report_digest.h) */
};

/* What a current report was built from (schema/009). */
struct report_built {
    int has_digest;                 /* 0: built before 009; only the totals can be compared */
    uint64_t digest;
    int64_t successful, failed;     /* the report's session totals */
};

struct report_store;

struct report_store *report_store_open(struct db *db);
void report_store_close(struct report_store *s);

/* Fills gens with report domain -> a = newest generation, for every report of day (only
 * domain when not NULL). 0 or -1 (logged). */
int report_store_generations(struct report_store *s, const char *day, const char *domain,
                             struct bmap *gens);
/* For every current report of day (only domain when not NULL) in gens (filled by
 * report_store_generations), sets b = 1 + its index into *rows (grown with xrealloc, the
 * caller frees it) where what it was built from is; b stays 0 for a domain without a current
 * report. 0 or -1 (logged). */
int report_store_built(struct report_store *s, const char *day, const char *domain,
                       struct bmap *gens, struct report_built **rows);
/* Marks every current report of (day, domain) superseded. 0 or -1 (logged). */
int report_store_supersede(struct report_store *s, const char *day, const char *domain);
/* Adds a report as the current one. 0 or -1 (logged). */
int report_store_insert(struct report_store *s, const struct stored_report *r);

#endif
