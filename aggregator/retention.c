/* Retention pruning with a handful of set-wise statements. The orphan step reads each
 * counter table once (into a temporary table of the ids still in use); it runs only after
 * counters were deleted, i.e. about once a day. */
#include "aggregator/retention.h"

#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"

static const char *const counter_sql[] = {
    "DELETE FROM failure_counts WHERE hour < ?1",
    "DELETE FROM session_counts WHERE hour < ?1",
    "DELETE FROM datagram_counts WHERE hour < ?1",
};

static const char reports_sql[] = "DELETE FROM reports WHERE day < ?1";

static const char live_sql[] =
    "CREATE TEMP TABLE retention_live AS"
    " SELECT DISTINCT policy_id, record_id FROM session_counts"
    " UNION SELECT DISTINCT policy_id, record_id FROM failure_counts";
static const char details_sql[] =
    "DELETE FROM failure_details WHERE NOT EXISTS"
    " (SELECT 1 FROM failure_counts f WHERE f.detail_id = failure_details.id)";
static const char policies_sql[] =
    "DELETE FROM policies WHERE id NOT IN (SELECT policy_id FROM temp.retention_live)";
static const char records_sql[] =
    "DELETE FROM tlsrpt_records WHERE id NOT IN (SELECT record_id FROM temp.retention_live)";
static const char drop_live_sql[] = "DROP TABLE IF EXISTS temp.retention_live";
/* Writers holding cached ids see this and drop their caches (collector/store.c). */
static const char generation_sql[] =
    "UPDATE prune_generation SET generation = generation + 1";

time_t retention_cutoff(time_t now, long retention_days)
{
    return day_floor(now) - (time_t)retention_days * SECONDS_PER_DAY;
}

/* Runs one statement with an optional integer or text ?1; the rows changed, or -1. */
static long long run(struct db *db, const char *sql, const long long *num, const char *text)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL) != SQLITE_OK) {
        log_error("retention: database error db=%s error=\"%s\"", db_path(db), db_errmsg(db));
        return -1;
    }
    if (num)
        sqlite3_bind_int64(st, 1, *num);
    else if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        log_error("retention: database error db=%s error=\"%s\"", db_path(db), db_errmsg(db));
        return -1;
    }
    return sqlite3_changes(db_sqlite(db));
}

int retention_prune(struct db *db, time_t cutoff, struct retention_result *r)
{
    long long c = (long long)cutoff, n;
    char day[16];
    memset(r, 0, sizeof *r);
    day_format(cutoff, day);

    for (size_t i = 0; i < sizeof counter_sql / sizeof counter_sql[0]; i++) {
        if ((n = run(db, counter_sql[i], &c, NULL)) < 0)
            return -1;
        r->counter_rows += n;
    }
    if ((r->reports = run(db, reports_sql, NULL, day)) < 0)
        return -1;
    if (r->counter_rows || r->reports)
        log_info("pruned before=%s counter_rows=%lld reports=%lld", day, r->counter_rows,
                 r->reports);
    return 0;
}

int retention_prune_orphans(struct db *db, struct retention_result *r)
{
    int rc = -1;
    if (db_exec(db, "PRAGMA foreign_keys = OFF") != 0)
        return -1;
    if (db_begin(db) != 0)
        goto out;
    if (run(db, drop_live_sql, NULL, NULL) < 0 || run(db, live_sql, NULL, NULL) < 0 ||
        (r->details = run(db, details_sql, NULL, NULL)) < 0 ||
        (r->policies = run(db, policies_sql, NULL, NULL)) < 0 ||
        (r->records = run(db, records_sql, NULL, NULL)) < 0 ||
        run(db, drop_live_sql, NULL, NULL) < 0 ||
        (r->policies + r->details + r->records > 0 && run(db, generation_sql, NULL, NULL) < 0) ||
        db_commit(db) != 0) {
        db_rollback(db);
        goto out;
    }
    log_info("pruned unreferenced policies=%lld details=%lld records=%lld", r->policies,
             r->details, r->records);
    rc = 0;
out:
    db_exec(db, "PRAGMA foreign_keys = ON");
    return rc;
}
