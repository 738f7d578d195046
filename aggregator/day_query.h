/* Reading one UTC day of counters, one report domain at a time. Two statements stream the
 * day's rows already summed (over hours, `pr` records and sources) and ordered by policy
 * domain and policy: sessions per policy, failure-detail counts per policy and detail. They
 * are merged here into one report_input per domain, so memory stays that of one domain. */
#ifndef TLSRPT_DAY_QUERY_H
#define TLSRPT_DAY_QUERY_H

#include <time.h>

#include "aggregator/report.h"
#include "lib/db.h"

struct day_query;

/* Starts reading the day that begins at day (UTC midnight); domain NULL = every domain.
 * NULL on a database error (logged). */
struct day_query *day_query_open(struct db *db, time_t day, const char *domain);
/* Reads the next domain: 1 with *out valid until the next call, 0 at the end, -1 on a
 * database error (logged). Domains come in byte order. */
int day_query_next(struct day_query *q, const struct report_input **out);
void day_query_close(struct day_query *q);
/* How many report domains (or 0/1 for domain) have counted sessions that day; -1 on a
 * database error. For the progress line. */
long day_query_domains(struct db *db, time_t day, const char *domain);

#endif
