/* Writing counter batches with prepared statements and id caches. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/detail_field.h"
#include "lib/log.h"
#include "lib/policy_type.h"

#define CACHE_MAX 16384 /* entries per id cache; cleared when full */
#define CACHE_MAX_BYTES (4u << 20) /* key bytes per id cache (records can be 100 KB); likewise */

enum {
    SQL_RECORD_GET, SQL_RECORD_ADD, SQL_POLICY_GET, SQL_POLICY_ADD, SQL_DETAIL_GET, SQL_DETAIL_ADD,
    SQL_SESSION_UPSERT, SQL_FAILURE_UPSERT, SQL_OUTCOME_UPSERT, SQL_PRUNE_GENERATION, SQL_COUNT
};

static const char *const sql_text[SQL_COUNT] = {
    [SQL_RECORD_GET] = "SELECT id FROM tlsrpt_records WHERE record = ?1",
    [SQL_RECORD_ADD] = "INSERT INTO tlsrpt_records (record) VALUES (?1)",
    [SQL_POLICY_GET] = "SELECT id FROM policies WHERE policy_type = ?1 AND policy_domain = ?2"
                       " AND policy_strings = ?3 AND mx_hosts = ?4",
    [SQL_POLICY_ADD] = "INSERT INTO policies (policy_type, policy_domain, policy_strings, mx_hosts)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [SQL_DETAIL_GET] = "SELECT id FROM failure_details WHERE detail_hash = ?8"
                       " AND result_type = ?1"
                       " AND sending_mta_ip = ?2 AND receiving_mx_hostname = ?3"
                       " AND receiving_mx_helo = ?4 AND receiving_ip = ?5"
                       " AND additional_information = ?6 AND failure_reason_code = ?7",
    [SQL_DETAIL_ADD] = "INSERT INTO failure_details (result_type, sending_mta_ip,"
                       " receiving_mx_hostname, receiving_mx_helo, receiving_ip,"
                       " additional_information, failure_reason_code, detail_hash)"
                       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [SQL_SESSION_UPSERT] =
        "INSERT INTO session_counts (hour, report_domain, record_id, policy_id, source,"
        " successful, failed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (hour, report_domain, record_id, policy_id, source) DO UPDATE SET"
        " successful = successful + excluded.successful, failed = failed + excluded.failed",
    [SQL_FAILURE_UPSERT] =
        "INSERT INTO failure_counts (hour, report_domain, record_id, policy_id, detail_id,"
        " source, count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (hour, report_domain, record_id, policy_id, detail_id, source)"
        " DO UPDATE SET count = count + excluded.count",
    [SQL_OUTCOME_UPSERT] = "INSERT INTO datagram_counts (hour, outcome, count, nodpv)"
                           " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hour, outcome) DO UPDATE SET"
                           " count = count + excluded.count, nodpv = nodpv + excluded.nodpv",
    [SQL_PRUNE_GENERATION] = "SELECT generation FROM prune_generation",
};

struct store {
    struct db *db;
    sqlite3_stmt *st[SQL_COUNT];
    struct bmap records, policies, details; /* key bytes -> a = id */
    int64_t generation; /* prune_generation the caches belong to (-1: none read yet) */
    struct buf key;
};

struct store *store_new(struct db *db)
{
    struct store *s = xcalloc(1, sizeof *s);
    s->db = db;
    s->generation = -1;
    /* Lookups of records, policies and details stay in memory; 8 MiB bounds it. */
    db_exec(db, "PRAGMA cache_size = -8192");
    for (int i = 0; i < SQL_COUNT; i++) {
        s->st[i] = db_prepare(db, sql_text[i]);
        if (s->st[i] == NULL) {
            store_free(s);
            return NULL;
        }
    }
    return s;
}

static void caches_clear(struct store *s)
{
    bmap_clear(&s->records);
    bmap_clear(&s->policies);
    bmap_clear(&s->details);
}

void store_free(struct store *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < SQL_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    caches_clear(s);
    buf_free(&s->key);
    free(s);
}

/* Binds the n strings (and the detail hash as ?8 when the statement has it) and runs a
 * SELECT id; 1 found, 0 not found, -1 error. */
static void bind_values(sqlite3_stmt *st, const char **v, int n)
{
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(st) == 1 + DF_COUNT + 1)
        sqlite3_bind_int64(st, 1 + DF_COUNT + 1, detail_hash(v[0], v + 1));
}

static int run_get(sqlite3_stmt *st, const char **v, int n, int64_t *id)
{
    sqlite3_reset(st);
    bind_values(st, v, n);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return 1;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int run_add(struct store *s, sqlite3_stmt *st, const char **v, int n, int64_t *id)
{
    sqlite3_reset(st);
    bind_values(st, v, n);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return -1;
    *id = sqlite3_last_insert_rowid(db_sqlite(s->db));
    return 0;
}

/* The id of the row with these n values, through the cache, created when missing. */
static int lookup_id(struct store *s, struct bmap *cache, int get, int add, const char **v, int n,
                     int64_t *id)
{
    buf_reset(&s->key);
    for (int i = 0; i < n; i++)
        buf_append(&s->key, v[i], strlen(v[i]) + 1);
    struct bmap_entry *e = bmap_find(cache, s->key.data, s->key.len);
    if (e != NULL) {
        *id = e->a;
        return 0;
    }
    int rc = run_get(s->st[get], v, n, id);
    if (rc < 0 || (rc == 0 && run_add(s, s->st[add], v, n, id) != 0))
        return -1;
    if (cache->count >= CACHE_MAX || cache->key_bytes + s->key.len > CACHE_MAX_BYTES)
        bmap_clear(cache);
    bmap_upsert(cache, s->key.data, s->key.len, NULL)->a = *id;
    return 0;
}

/* Retention deletes unreferenced records, policies and details (and bumps the generation)
 * between two transactions of a long-running writer: its cached ids may then name rows that
 * are gone. Called first in each write transaction, under its lock. 0, or -1. */
static int caches_check(struct store *s)
{
    sqlite3_stmt *st = s->st[SQL_PRUNE_GENERATION];
    int rc = sqlite3_step(st);
    int64_t generation = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return -1;
    if (generation != s->generation) {
        if (s->generation >= 0)
            log_debug("id caches cleared after pruning db=%s generation=%lld", db_path(s->db),
                      (long long)generation);
        caches_clear(s);
        s->generation = generation;
    }
    return 0;
}

/* A policy's id. Only what the report shows of the policy is stored: look-alikes (sessions
 * that differ in what a report of that type does not carry) are one policy, one block. */
static int policy_id(struct store *s, const char *type, const char *domain,
                     const char *strings_json, const char *mx_json, int64_t *id)
{
    const char *pv[] = {type, domain, policy_type_has_strings(type) ? strings_json : "[]",
                        policy_type_has_mx(type) ? mx_json : "[]"};
    return lookup_id(s, &s->policies, SQL_POLICY_GET, SQL_POLICY_ADD, pv, 4, id);
}

static int session_ids_lookup(struct store *s, const struct counter_key *k, int64_t *record_id,
                              int64_t *policy_id_out)
{
    const char *rv[] = {k->record};
    if (lookup_id(s, &s->records, SQL_RECORD_GET, SQL_RECORD_ADD, rv, 1, record_id) != 0)
        return -1;
    return policy_id(s, k->policy_type, k->policy_domain, k->strings_json, k->mx_json,
                     policy_id_out);
}

/* Within a batch the strings of a key are interned (equal strings, equal pointers: see
 * counters.h), so the ids of a session are remembered by its pointers: the thousand details of
 * one session do not each copy and hash its (up to 100 KB) record and policy again. */
static int session_ids(struct store *s, struct bmap *batch_ids, const struct counter_key *k,
                       int64_t *record_id, int64_t *policy_id)
{
    const char *ptrs[] = {k->report_domain, k->record, k->policy_type, k->policy_domain,
                          k->strings_json, k->mx_json};
    int created;
    struct bmap_entry *e = bmap_upsert(batch_ids, ptrs, sizeof ptrs, &created);
    if (created && session_ids_lookup(s, k, &e->a, &e->b) != 0)
        return -1;
    *record_id = e->a;
    *policy_id = e->b;
    return 0;
}

static int step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int store_batch_ids(struct store *s, const struct counters *c, const char *source,
                           struct bmap *batch_ids);

static int store_batch(struct store *s, const struct counters *c, const char *source)
{
    struct bmap batch_ids = BMAP_INIT;
    int rc = store_batch_ids(s, c, source, &batch_ids);
    bmap_clear(&batch_ids);
    return rc;
}

static int store_batch_ids(struct store *s, const struct counters *c, const char *source,
                           struct bmap *batch_ids)
{
    struct counter_key k;
    struct bmap_entry *e;
    size_t pos;
    int64_t record_id, policy_id, detail_id;

    pos = 0;
    while ((e = bmap_next(&c->sessions, &pos)) != NULL) {
        if (counters_session_key(e, &k) != 0 ||
            session_ids(s, batch_ids, &k, &record_id, &policy_id) != 0)
            return -1;
        sqlite3_stmt *st = s->st[SQL_SESSION_UPSERT];
        sqlite3_bind_int64(st, 1, k.hour);
        sqlite3_bind_text(st, 2, k.report_domain, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, record_id);
        sqlite3_bind_int64(st, 4, policy_id);
        sqlite3_bind_text(st, 5, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, e->a);
        sqlite3_bind_int64(st, 7, e->b);
        if (step_done(st) != 0)
            return -1;
    }
    pos = 0;
    while ((e = bmap_next(&c->details, &pos)) != NULL) {
        if (counters_detail_key(e, &k) != 0 ||
            session_ids(s, batch_ids, &k, &record_id, &policy_id) != 0)
            return -1;
        const char *dv[1 + DF_COUNT] = {k.result_type};
        for (int f = 0; f < DF_COUNT; f++)
            dv[1 + f] = k.field[f];
        if (lookup_id(s, &s->details, SQL_DETAIL_GET, SQL_DETAIL_ADD, dv, 1 + DF_COUNT,
                      &detail_id) != 0)
            return -1;
        sqlite3_stmt *st = s->st[SQL_FAILURE_UPSERT];
        sqlite3_bind_int64(st, 1, k.hour);
        sqlite3_bind_text(st, 2, k.report_domain, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, record_id);
        sqlite3_bind_int64(st, 4, policy_id);
        sqlite3_bind_int64(st, 5, detail_id);
        sqlite3_bind_text(st, 6, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, e->a);
        if (step_done(st) != 0)
            return -1;
    }
    pos = 0;
    while ((e = bmap_next(&c->outcomes, &pos)) != NULL) {
        int64_t hour;
        const char *outcome;
        if (counters_outcome_key(e, &hour, &outcome) != 0)
            return -1;
        sqlite3_stmt *st = s->st[SQL_OUTCOME_UPSERT];
        sqlite3_bind_int64(st, 1, hour);
        sqlite3_bind_text(st, 2, outcome, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, e->a);
        sqlite3_bind_int64(st, 4, e->b);
        if (step_done(st) != 0)
            return -1;
    }
    return 0;
}

int store_counters(struct store *s, const struct counters *c, const char *source)
{
    if (counters_empty(c))
        return 0;
    if (db_begin(s->db) != 0)
        goto fail;
    if (caches_check(s) != 0 || store_batch(s, c, source) != 0) {
        log_error("database write failed db=%s error=\"%s\"", db_path(s->db), db_errmsg(s->db));
        goto fail;
    }
    if (db_commit(s->db) != 0)
        goto fail;
    return 0;
fail:
    db_rollback(s->db);
    caches_clear(s); /* ids created in the rolled-back transaction no longer exist */
    return -1;
}

/* --- import: one transaction per file ------------------------------------------------- */

int store_import_begin(struct store *s, const char *source, int64_t since, int64_t until,
                       long long *replaced)
{
    /* Both deletes walk the primary key's (hour, ...) range of the day. */
    static const char *const deletes[] = {
        "DELETE FROM failure_counts WHERE hour >= ?2 AND hour < ?3 AND source = ?1",
        "DELETE FROM session_counts WHERE hour >= ?2 AND hour < ?3 AND source = ?1",
    };
    *replaced = 0;
    if (source[0] == '\0') {
        log_error("refusing to replace the local collector's counters");
        return -1;
    }
    /* Every id the import writes comes from a lookup in this same transaction, so SQLite's
     * per-row parent checks prove nothing here, and they cost more than the rows themselves
     * (3.5 times the CPU of deleting a 100,000-domain day). On again at commit or abort;
     * the pragma is a no-op inside a transaction, hence before BEGIN. */
    if (db_exec(s->db, "PRAGMA foreign_keys = OFF") != 0 || db_begin(s->db) != 0)
        goto fail;
    if (caches_check(s) != 0) {
        log_error("database read failed db=%s error=\"%s\"", db_path(s->db), db_errmsg(s->db));
        goto fail;
    }
    for (size_t i = 0; i < sizeof deletes / sizeof deletes[0]; i++) {
        sqlite3_stmt *st = db_prepare(s->db, deletes[i]);
        if (st == NULL)
            goto fail;
        sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, since);
        sqlite3_bind_int64(st, 3, until);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            log_error("database write failed db=%s error=\"%s\"", db_path(s->db),
                      db_errmsg(s->db));
            goto fail;
        }
        *replaced += sqlite3_changes(db_sqlite(s->db));
    }
    return 0;
fail:
    store_import_abort(s);
    return -1;
}

int store_import_commit(struct store *s)
{
    if (db_commit(s->db) == 0)
        return db_exec(s->db, "PRAGMA foreign_keys = ON");
    store_import_abort(s);
    return -1;
}

void store_import_abort(struct store *s)
{
    db_rollback(s->db);
    db_exec(s->db, "PRAGMA foreign_keys = ON");
    caches_clear(s); /* ids created in the rolled-back transaction no longer exist */
}

static int logged(struct store *s, int rc)
{
    if (rc != 0)
        log_error("database write failed db=%s error=\"%s\"", db_path(s->db), db_errmsg(s->db));
    return rc;
}

int store_add_batch(struct store *s, const struct counters *c, const char *source)
{
    return logged(s, store_batch(s, c, source));
}

int store_record_id(struct store *s, const char *record, int64_t *id)
{
    const char *rv[] = {record};
    return logged(s, lookup_id(s, &s->records, SQL_RECORD_GET, SQL_RECORD_ADD, rv, 1, id));
}

int store_policy_id(struct store *s, const char *type, const char *domain,
                    const char *strings_json, const char *mx_json, int64_t *id)
{
    return logged(s, policy_id(s, type, domain, strings_json, mx_json, id));
}

int store_detail_id(struct store *s, const char *result_type, const char *const field[DF_COUNT],
                    int64_t *id)
{
    const char *dv[1 + DF_COUNT] = {result_type};
    for (int f = 0; f < DF_COUNT; f++)
        dv[1 + f] = field[f];
    return logged(s, lookup_id(s, &s->details, SQL_DETAIL_GET, SQL_DETAIL_ADD, dv, 1 + DF_COUNT,
                               id));
}

int store_add_sessions(struct store *s, int64_t hour, const char *report_domain,
                       int64_t record_id, int64_t policy_id, const char *source,
                       int64_t successful, int64_t failed)
{
    sqlite3_stmt *st = s->st[SQL_SESSION_UPSERT];
    sqlite3_bind_int64(st, 1, hour);
    sqlite3_bind_text(st, 2, report_domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, record_id);
    sqlite3_bind_int64(st, 4, policy_id);
    sqlite3_bind_text(st, 5, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, successful);
    sqlite3_bind_int64(st, 7, failed);
    return logged(s, step_done(st));
}

int store_add_failures(struct store *s, int64_t hour, const char *report_domain,
                       int64_t record_id, int64_t policy_id, int64_t detail_id,
                       const char *source, int64_t count)
{
    sqlite3_stmt *st = s->st[SQL_FAILURE_UPSERT];
    sqlite3_bind_int64(st, 1, hour);
    sqlite3_bind_text(st, 2, report_domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, record_id);
    sqlite3_bind_int64(st, 4, policy_id);
    sqlite3_bind_int64(st, 5, detail_id);
    sqlite3_bind_text(st, 6, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, count);
    return logged(s, step_done(st));
}
