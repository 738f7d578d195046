/* Prepared statements over the reports table. */
#include "aggregator/report_store.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/log.h"

enum {
    SQL_GENERATIONS,
    SQL_GENERATIONS_DOMAIN,
    SQL_BUILT,
    SQL_SUPERSEDE,
    SQL_INSERT,
    SQL_COUNT
};

static const char *const sql_text[SQL_COUNT] = {
    [SQL_GENERATIONS] = "SELECT policy_domain, max(generation) FROM reports WHERE day = ?1"
                        " GROUP BY policy_domain",
    [SQL_GENERATIONS_DOMAIN] = "SELECT policy_domain, max(generation) FROM reports"
                               " WHERE day = ?1 AND policy_domain = ?2 GROUP BY policy_domain",
    /* From the index reports_current alone (schema/009), not the rows with their JSON. */
    [SQL_BUILT] = "SELECT policy_domain, input_digest, successful, failed FROM reports"
                  " INDEXED BY reports_current"
                  " WHERE day = ?1 AND superseded = 0 AND (?2 IS NULL OR policy_domain = ?2)",
    [SQL_SUPERSEDE] = "UPDATE reports SET superseded = 1"
                      " WHERE day = ?1 AND policy_domain = ?2 AND superseded = 0",
    [SQL_INSERT] = "INSERT INTO reports (report_id, day, policy_domain, generation, superseded,"
                   " filename, json, gzip, successful, failed, created_at, input_digest)"
                   " VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
};

struct report_store {
    struct db *db;
    sqlite3_stmt *st[SQL_COUNT];
};

struct report_store *report_store_open(struct db *db)
{
    struct report_store *s = xcalloc(1, sizeof *s);
    s->db = db;
    for (int i = 0; i < SQL_COUNT; i++) {
        s->st[i] = db_prepare(db, sql_text[i]);
        if (s->st[i] == NULL) {
            report_store_close(s);
            return NULL;
        }
    }
    return s;
}

void report_store_close(struct report_store *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < SQL_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    free(s);
}

static int db_fail(struct report_store *s, const char *what)
{
    log_error("cannot %s: database error db=%s error=\"%s\"", what, db_path(s->db),
              db_errmsg(s->db));
    return -1;
}

/* ?1 = day, ?2 = domain when one is given (left NULL otherwise: every domain). */
static void bind_day_domain(sqlite3_stmt *st, const char *day, const char *domain)
{
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    if (domain)
        sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
}

int report_store_generations(struct report_store *s, const char *day, const char *domain,
                             struct bmap *gens)
{
    sqlite3_stmt *st = s->st[domain ? SQL_GENERATIONS_DOMAIN : SQL_GENERATIONS];
    int rc;
    bind_day_domain(st, day, domain);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        bmap_upsert(gens, d, strlen(d), NULL)->a = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, "read report generations");
}

int report_store_built(struct report_store *s, const char *day, const char *domain,
                       struct bmap *gens, struct report_built **rows)
{
    sqlite3_stmt *st = s->st[SQL_BUILT];
    size_t n = 0, cap = 0;
    int rc;
    bind_day_domain(st, day, domain);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 0);
        struct bmap_entry *e = bmap_find(gens, d, strlen(d));
        if (e == NULL)
            continue; /* cannot be: gens holds every report of the day */
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *rows = xrealloc(*rows, cap * sizeof **rows);
        }
        struct report_built *b = &(*rows)[n];
        b->has_digest = sqlite3_column_type(st, 1) != SQLITE_NULL;
        b->digest = (uint64_t)sqlite3_column_int64(st, 1);
        b->successful = sqlite3_column_int64(st, 2);
        b->failed = sqlite3_column_int64(st, 3);
        e->b = (int64_t)++n;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, "read what the reports were built from");
}

static int step_done(struct report_store *s, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : db_fail(s, what);
}

int report_store_supersede(struct report_store *s, const char *day, const char *domain)
{
    sqlite3_stmt *st = s->st[SQL_SUPERSEDE];
    sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
    return step_done(s, st, "mark reports superseded");
}

int report_store_insert(struct report_store *s, const struct stored_report *r)
{
    sqlite3_stmt *st = s->st[SQL_INSERT];
    sqlite3_bind_text(st, 1, r->report_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->day, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->generation);
    sqlite3_bind_text(st, 5, r->filename, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->json, (int)r->json_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, r->gzip, (int)r->gzip_len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, r->successful);
    sqlite3_bind_int64(st, 9, r->failed);
    sqlite3_bind_text(st, 10, r->created_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)r->input_digest);
    return step_done(s, st, "store the report");
}
