/* The deliveries table. */
#include "deliveries.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "reporter/backoff.h"

/* Current reports: newest generation of (day, policy_domain), not superseded, filtered. */
#define CURRENT_REPORTS                                                                            \
    " r.superseded = 0"                                                                            \
    " AND r.generation = (SELECT max(g.generation) FROM reports g"                                 \
    "   WHERE g.day = r.day AND g.policy_domain = r.policy_domain)"                                \
    " AND (?2 IS NULL OR r.day = ?2) AND (?3 IS NULL OR r.policy_domain = ?3)"                     \
    " AND (?4 IS NULL OR r.report_id = ?4)"

static void bind_filter(sqlite3_stmt *st, const struct delivery_filter *f)
{
    if (f->day)
        sqlite3_bind_text(st, 2, f->day, -1, SQLITE_STATIC);
    if (f->domain)
        sqlite3_bind_text(st, 3, f->domain, -1, SQLITE_STATIC);
    if (f->report_id)
        sqlite3_bind_text(st, 4, f->report_id, -1, SQLITE_STATIC);
}

static int step_done(struct db *db, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        log_error("database error db=%s error=\"%s\"", db_path(db), db_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

int deliveries_plan(struct db *db, time_t now, long spread_s, const struct delivery_filter *f,
                    unsigned int *seed)
{
    sqlite3_stmt *sel = db_prepare(db, "SELECT r.report_id FROM reports r WHERE" CURRENT_REPORTS
                                       " AND NOT EXISTS (SELECT 1 FROM deliveries d"
                                       "   WHERE d.report_id = r.report_id) AND ?1 = ?1");
    if (sel == NULL)
        return -1;
    sqlite3_bind_int64(sel, 1, now);
    bind_filter(sel, f);
    if (db_begin(db) != 0) {
        sqlite3_finalize(sel);
        return -1;
    }
    int count = 0, rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        long delay = spread_s > 0 ? (long)(rand_r(seed) % (spread_s + 1)) : 0;
        sqlite3_stmt *ins = db_prepare(db, "INSERT OR IGNORE INTO deliveries"
                                           " (report_id, rua, state, next_attempt)"
                                           " VALUES (?1, '', 'pending', ?2)");
        if (ins == NULL)
            goto fail;
        sqlite3_bind_text(ins, 1, (const char *)sqlite3_column_text(sel, 0), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 2, now + delay);
        if (step_done(db, ins) != 0)
            goto fail;
        count++;
    }
    if (rc != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(sel);
    if (db_commit(db) != 0)
        return -1;
    return count;
fail:
    log_error("cannot plan deliveries: %s", db_errmsg(db));
    sqlite3_finalize(sel);
    db_rollback(db);
    return -1;
}

int deliveries_due_reports(struct db *db, time_t now, const struct delivery_filter *f,
                           int include_new, struct report_item **out, size_t *n)
{
    sqlite3_stmt *st = db_prepare(
        db, "SELECT r.report_id, r.day, r.policy_domain, r.filename, r.successful, r.failed"
            " FROM reports r WHERE" CURRENT_REPORTS
            " AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.report_id = r.report_id"
            "   AND d.state IN ('pending', 'retrying') AND d.next_attempt <= ?1)"
            "  OR (?5 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.report_id = r.report_id)))"
            " ORDER BY r.day, r.policy_domain");
    *out = NULL;
    *n = 0;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, now);
    bind_filter(st, f);
    sqlite3_bind_int(st, 5, include_new);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = xrealloc(*out, (*n + 1) * sizeof **out);
        struct report_item *r = &(*out)[(*n)++];
        r->report_id = xstrdup((const char *)sqlite3_column_text(st, 0));
        r->day = xstrdup((const char *)sqlite3_column_text(st, 1));
        r->policy_domain = xstrdup((const char *)sqlite3_column_text(st, 2));
        r->filename = xstrdup((const char *)sqlite3_column_text(st, 3));
        r->successful = sqlite3_column_int64(st, 4);
        r->failed = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        log_error("cannot select due reports: %s", db_errmsg(db));
        return -1;
    }
    return 0;
}

int deliveries_next_due(struct db *db, const struct delivery_filter *f, time_t *next)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT min(d.next_attempt) FROM deliveries d"
                                      " JOIN reports r ON r.report_id = d.report_id"
                                      " WHERE d.state IN ('pending', 'retrying') AND ?1 = ?1"
                                      " AND" CURRENT_REPORTS);
    if (st == NULL)
        return -1;
    sqlite3_bind_int(st, 1, 0);
    bind_filter(st, f);
    int rc = sqlite3_step(st);
    int found = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    if (found)
        *next = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? found : -1;
}

void report_items_free(struct report_item *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].report_id);
        free(v[i].day);
        free(v[i].policy_domain);
        free(v[i].filename);
    }
    free(v);
}

int deliveries_load_gzip(struct db *db, const char *report_id, unsigned char **data, size_t *len)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT gzip FROM reports WHERE report_id = ?1");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return -1;
    }
    *len = (size_t)sqlite3_column_bytes(st, 0);
    *data = xmalloc(*len ? *len : 1);
    if (*len)
        memcpy(*data, sqlite3_column_blob(st, 0), *len);
    sqlite3_finalize(st);
    return 0;
}

int deliveries_due_rows(struct db *db, const char *report_id, time_t now, struct due_row **rows,
                        size_t *n)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT id, rua FROM deliveries WHERE report_id = ?1"
                                      " AND state IN ('pending', 'retrying')"
                                      " AND next_attempt <= ?2 ORDER BY id");
    *rows = NULL;
    *n = 0;
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
        (*rows)[*n].id = sqlite3_column_int64(st, 0);
        (*rows)[*n].rua = xstrdup((const char *)sqlite3_column_text(st, 1));
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

void due_rows_free(struct due_row *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].rua);
    free(v);
}

static int exec_bound(struct db *db, const char *sql, const char *report_id, time_t now,
                      const char *text)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    if (text)
        sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
    return step_done(db, st);
}

int deliveries_reconcile(struct db *db, const char *report_id, time_t now,
                         const struct rua_list *l)
{
    if (db_begin(db) != 0)
        return -1;
    /* the report's first attempt: the lookup row's, else the earliest, else now */
    sqlite3_stmt *st = db_prepare(db, "SELECT coalesce(min(first_attempt), ?2) FROM deliveries"
                                      " WHERE report_id = ?1");
    if (st == NULL)
        goto fail;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    time_t first = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : now;
    sqlite3_finalize(st);

    /* rows whose rua left the record */
    json_t *listed = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(listed, json_string(l->v[i].uri));
    char *listed_text = json_dumps(listed, JSON_COMPACT);
    json_decref(listed);
    int gone = exec_bound(db, "UPDATE deliveries SET state = 'failed', next_attempt = NULL,"
                              " last_error = 'no longer listed in the _smtp._tls record'"
                              " WHERE report_id = ?1 AND rua <> '' AND ?2 = ?2"
                              " AND state IN ('pending', 'retrying')"
                              " AND rua NOT IN (SELECT value FROM json_each(?3))",
                          report_id, now, listed_text ? listed_text : "[]");
    free(listed_text);
    if (gone != 0)
        goto fail;
    for (size_t i = 0; i < l->n; i++) {
        const struct rua_entry *e = &l->v[i];
        int ok = e->kind != RUA_INVALID;
        st = db_prepare(db, "INSERT OR IGNORE INTO deliveries (report_id, rua, state,"
                            " first_attempt, next_attempt, last_error)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        if (st == NULL)
            goto fail;
        sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, e->uri, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, ok ? "pending" : "failed", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, first);
        if (ok)
            sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_text(st, 6, ok ? "" : e->error, -1, SQLITE_STATIC);
        if (step_done(db, st) != 0)
            goto fail;
    }
    if (exec_bound(db, "DELETE FROM deliveries WHERE report_id = ?1 AND rua = '' AND ?2 = ?2",
                   report_id, now, NULL) != 0)
        goto fail;
    return db_commit(db);
fail:
    db_rollback(db);
    return -1;
}

int deliveries_no_record(struct db *db, const char *report_id, time_t now, const char *reason)
{
    if (db_begin(db) != 0)
        return -1;
    if (exec_bound(db, "UPDATE deliveries SET state = 'no-record', attempts = attempts + 1,"
                       " first_attempt = coalesce(first_attempt, ?2), last_attempt = ?2,"
                       " next_attempt = NULL, last_error = ?3"
                       " WHERE report_id = ?1 AND rua = ''",
                   report_id, now, reason) != 0 ||
        exec_bound(db, "UPDATE deliveries SET state = 'failed', next_attempt = NULL,"
                       " last_attempt = ?2, last_error = 'the _smtp._tls record is gone: ' || ?3"
                       " WHERE report_id = ?1 AND rua <> '' AND state IN ('pending', 'retrying')",
                   report_id, now, reason) != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db);
}

/* A claim token: random, so that no two claims (of any run, any host sharing the file) meet. */
static long long claim_token_new(void)
{
    unsigned long long v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        v = ((unsigned long long)t.tv_nsec << 32) ^ (unsigned long long)t.tv_sec ^
            ((unsigned long long)getpid() << 16);
    }
    v &= 0x7fffffffffffffffULL; /* a positive SQLite integer */
    return v ? (long long)v : 1;
}

int deliveries_attempt_begin(struct db *db, long long id, time_t now, long lease_s,
                             long long *token)
{
    /* The claim: only a row that is still due is taken, and taking it moves next_attempt to
     * the end of the lease, so another `send` cannot take it while the attempt may still be
     * running; the token says whose outcome counts. */
    sqlite3_stmt *st = db_prepare(
        db, "UPDATE deliveries SET attempts = attempts + 1, state = 'retrying',"
            " first_attempt = coalesce(first_attempt, ?2), last_attempt = ?2,"
            " next_attempt = ?3, claim_token = ?4,"
            " last_error = 'attempt started, no outcome recorded (interrupted)'"
            " WHERE id = ?1 AND state IN ('pending', 'retrying') AND next_attempt <= ?2");
    if (st == NULL)
        return -1;
    *token = claim_token_new();
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, now + (lease_s > 0 ? lease_s : 1));
    sqlite3_bind_int64(st, 4, *token);
    if (step_done(db, st) != 0)
        return -1;
    return sqlite3_changes(db_sqlite(db)) == 1 ? 1 : 0;
}

int deliveries_attempt_end(struct db *db, long long id, long long token, time_t now,
                           const struct config *cfg, const struct attempt_result *res,
                           const char *transport, const char **state_out, time_t *next_attempt)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT attempts, coalesce(first_attempt, ?2)"
                                      " FROM deliveries WHERE id = ?1 AND claim_token = ?3");
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, token);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : -1; /* DONE: the claim is someone else's now */
    }
    int attempts = sqlite3_column_int(st, 0);
    time_t first = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);

    const char *state;
    time_t next = 0;
    if (res->outcome == OUTCOME_SENT)
        state = "sent";
    else if (res->outcome == OUTCOME_PERMFAIL)
        state = "failed";
    else if (backoff_next(attempts < 1 ? 1 : attempts, first, now, cfg->retry_initial_ms / 1000,
                          cfg->retry_hours, &next))
        state = "retrying";
    else
        state = "gave-up";

    /* the token again: another run may have claimed the row since the SELECT */
    st = db_prepare(db, "UPDATE deliveries SET state = ?2, next_attempt = ?3,"
                        " sent_at = CASE WHEN ?2 = 'sent' THEN ?4 ELSE sent_at END,"
                        " transport = ?5,"
                        " reply = CASE WHEN ?2 = 'sent' THEN ?6 ELSE reply END,"
                        " last_error = CASE WHEN ?2 = 'sent' THEN '' ELSE ?6 END,"
                        " claim_token = NULL"
                        " WHERE id = ?1 AND claim_token = ?7");
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    if (strcmp(state, "retrying") == 0)
        sqlite3_bind_int64(st, 3, next);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_text(st, 5, transport, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, res->reply, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, token);
    if (step_done(db, st) != 0)
        return -1;
    if (sqlite3_changes(db_sqlite(db)) != 1)
        return 0;
    *state_out = state;
    *next_attempt = next;
    return 1;
}

int deliveries_attempt_release(struct db *db, long long id, long long token, time_t now,
                               const char *why)
{
    sqlite3_stmt *st = db_prepare(
        db, "UPDATE deliveries SET attempts = max(attempts - 1, 0),"
            " state = CASE WHEN attempts <= 1 THEN 'pending' ELSE 'retrying' END,"
            " next_attempt = ?3, last_error = ?4, claim_token = NULL"
            " WHERE id = ?1 AND claim_token = ?2");
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, token);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_text(st, 4, why, -1, SQLITE_STATIC);
    if (step_done(db, st) != 0)
        return -1;
    return sqlite3_changes(db_sqlite(db)) == 1 ? 1 : 0;
}

/* The states are spelled here (and in schema/003) so that callers get static strings. */
const char *const deliveries_report_states[] = {"new",    "pending", "sent", "no-record",
                                                "failed", "gave-up", NULL};
const char *const deliveries_states[] = {"pending", "retrying", "sent", "failed",
                                         "gave-up", "no-record", NULL};

static const char *static_state(const unsigned char *s)
{
    for (size_t i = 0; deliveries_report_states[i] != NULL; i++)
        if (s && strcmp((const char *)s, deliveries_report_states[i]) == 0)
            return deliveries_report_states[i];
    return NULL;
}

const char *deliveries_report_state(struct db *db, const char *report_id)
{
    /* the rule lives in the report_states view (schema/003-deliveries.sql) */
    sqlite3_stmt *st = db_prepare(db, "SELECT state FROM report_states WHERE report_id = ?1");
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    const char *state = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        state = static_state(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return state;
}

const char *deliveries_day_state(struct db *db, const char *day, const char *policy_domain)
{
    sqlite3_stmt *st = db_prepare(db, "SELECT report_id FROM reports WHERE day = ?1"
                                      " AND policy_domain = ?2 AND superseded = 0"
                                      " ORDER BY generation DESC LIMIT 1");
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, policy_domain, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    const char *state = rc == SQLITE_DONE ? "none" : NULL;
    if (rc == SQLITE_ROW) {
        char *id = xstrdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        state = deliveries_report_state(db, id);
        free(id);
        return state;
    }
    sqlite3_finalize(st);
    return state;
}

static void set_time(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return;
    char ts[32];
    json_object_set_new(o, key, json_string(rfc3339_format(sqlite3_column_int64(st, col), ts)));
}

json_t *deliveries_json(struct db *db, const char *report_id)
{
    sqlite3_stmt *st = db_prepare(
        db, "SELECT rua, state, attempts, first_attempt, last_attempt, next_attempt, sent_at,"
            " transport, last_error, reply FROM deliveries WHERE report_id = ?1 ORDER BY id");
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, report_id, -1, SQLITE_STATIC);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        const char *rua = (const char *)sqlite3_column_text(st, 0);
        json_object_set_new(o, "rua", rua[0] ? json_string(rua) : json_null());
        json_object_set_new(o, "state", json_string((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(o, "attempts", json_integer(sqlite3_column_int(st, 2)));
        set_time(o, "first-attempt", st, 3);
        set_time(o, "last-attempt", st, 4);
        set_time(o, "next-attempt", st, 5);
        set_time(o, "sent-at", st, 6);
        const char *tr = (const char *)sqlite3_column_text(st, 7);
        if (tr[0])
            json_object_set_new(o, "transport", json_string(tr));
        const char *e = (const char *)sqlite3_column_text(st, 8);
        if (e[0])
            json_object_set_new(o, "last-error", json_string(e));
        const char *r = (const char *)sqlite3_column_text(st, 9);
        if (r[0])
            json_object_set_new(o, "reply", json_string(r));
        json_array_append_new(arr, o);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}
