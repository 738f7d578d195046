/* The deliveries table (schema/003-deliveries.sql): which reports are due, what each rua
 * destination came to, and the retry schedule. Every function is one short statement or
 * transaction; callers that share the database handle between threads hold their own lock.
 *
 * Crash safety: deliveries_attempt_begin() commits "attempt started" (state retrying, next
 * attempt when the claim's lease ends) before anything is sent, deliveries_attempt_end()
 * commits the outcome if the claim is still ours. A crash in between re-sends at most the
 * attempts that were in flight. */
#ifndef TLSRPT_DELIVERIES_H
#define TLSRPT_DELIVERIES_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "lib/config.h"
#include "lib/db.h"
#include "reporter/rua.h"
#include "reporter/transport.h"

struct report_item {
    char *report_id, *day, *policy_domain, *filename;
    long long successful, failed;
};

struct delivery_filter {
    const char *day, *domain, *report_id; /* NULL = any */
};

/* Gives every current report (newest generation, not superseded) that has no delivery row yet
 * its lookup row: pending, due at now + a random delay up to spread_s. Returns the number of
 * new rows, or -1. */
int deliveries_plan(struct db *db, time_t now, long spread_s, const struct delivery_filter *f,
                    unsigned int *seed);

/* Current reports with a row due at `now` (pending or retrying, next_attempt <= now). With
 * include_new, also reports without any row (dry runs, which write nothing). */
int deliveries_due_reports(struct db *db, time_t now, const struct delivery_filter *f,
                           int include_new, struct report_item **out, size_t *n);
void report_items_free(struct report_item *v, size_t n);

/* The earliest next_attempt of an open row (pending or retrying) of a current report, in
 * *next. Returns 1 when there is one, 0 when every current report is done, -1 on error. */
int deliveries_next_due(struct db *db, const struct delivery_filter *f, time_t *next);

/* The gzip bytes of a report (caller frees). */
int deliveries_load_gzip(struct db *db, const char *report_id, unsigned char **data,
                         size_t *len);

struct due_row {
    long long id;
    char *rua; /* '' for the lookup row */
};

/* Rows of a report due at now. */
int deliveries_due_rows(struct db *db, const char *report_id, time_t now, struct due_row **rows,
                        size_t *n);
void due_rows_free(struct due_row *v, size_t n);

/* After a successful lookup: one row per rua entry (pending when usable, failed with the
 * reason otherwise); rows no longer in the record fail; the lookup row goes. */
int deliveries_reconcile(struct db *db, const char *report_id, time_t now,
                         const struct rua_list *l);

/* No valid record: the lookup row becomes no-record, unfinished rua rows fail. */
int deliveries_no_record(struct db *db, const char *report_id, time_t now, const char *reason);

/* Claims a due row for one attempt and commits that before anything is sent: state retrying,
 * one more attempt, next_attempt = now + lease_s (the claim expires then: a crashed run's row
 * becomes due again), and a fresh random claim token in *token. `now` is the clock at the
 * claim, not the run's start. Returns 1 when claimed, 0 when the row is no longer due
 * (another run holds it or finished it), -1 on database error. */
int deliveries_attempt_begin(struct db *db, long long id, time_t now, long lease_s,
                             long long *token);
/* Records the outcome of the claim `token` at `now` (the clock when the outcome came; backoff
 * and give-up count from it). Only the holder of the claim records: returns 1 with *state
 * (static name) and *next_attempt set, 0 when the claim was lost (it expired and another run
 * claimed the row since: the newer claim's outcome stands), -1 on database error. */
int deliveries_attempt_end(struct db *db, long long id, long long token, time_t now,
                           const struct config *cfg, const struct attempt_result *res,
                           const char *transport, const char **state, time_t *next_attempt);
/* Gives an interrupted attempt back (SIGINT/SIGTERM): the attempt is not counted, the row is
 * due again at now (pending when it had no attempt before). Same return values as _end. */
int deliveries_attempt_release(struct db *db, long long id, long long token, time_t now,
                               const char *why);

/* Every state, NULL-terminated: of a report (the report_states view of schema/003) and of
 * one delivery row (deliveries.state). */
extern const char *const deliveries_report_states[];
extern const char *const deliveries_states[];

/* The report's state from its rows: "new" (no row yet), pending, sent, no-record, failed,
 * gave-up. NULL on database error. */
const char *deliveries_report_state(struct db *db, const char *report_id);
/* The state of the current report (newest generation) of a day and report domain, as above,
 * or "none" when no report was built for it. NULL on database error. */
const char *deliveries_day_state(struct db *db, const char *day, const char *policy_domain);
/* The report's rows as a JSON array (times in RFC 3339), NULL on error. */
json_t *deliveries_json(struct db *db, const char *report_id);

#endif
