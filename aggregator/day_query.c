/* Streaming a day's counters per report domain: two grouped, ordered queries merged in step.
 * Strings of the current domain live in an arena that is reset for the next domain. */
#include "aggregator/day_query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"

/* Sessions per (domain, policy) of the day, summed over hours, records and sources. The
 * grouping is done before joining the policy so its (possibly long) strings are not sorted.
 * The SQL is put together from pieces: [0] + optional domain condition + [1]. */
static const char *const sessions_sql[2] = {
    "SELECT g.report_domain, g.policy_id, p.policy_type, p.policy_domain, p.policy_strings,"
    " p.mx_hosts, g.ok, g.bad"
    " FROM (SELECT report_domain, policy_id, sum(successful) AS ok, sum(failed) AS bad"
    "       FROM session_counts WHERE hour >= ?1 AND hour < ?2",
    "       GROUP BY report_domain, policy_id) AS g"
    " JOIN policies p ON p.id = g.policy_id"
    " ORDER BY g.report_domain, g.policy_id",
};

/* Failure-detail counts per (domain, policy, detail) of the day: [0] + the detail columns
 * + [1] + optional domain condition + [2]; the detail's id comes last. */
static const char *const failures_sql[3] = {
    "SELECT g.report_domain, g.policy_id, g.n, d.result_type",
    ", g.detail_id FROM (SELECT report_domain, policy_id, detail_id, sum(count) AS n"
    "       FROM failure_counts WHERE hour >= ?1 AND hour < ?2",
    "       GROUP BY report_domain, policy_id, detail_id) AS g"
    " JOIN failure_details d ON d.id = g.detail_id"
    " ORDER BY g.report_domain, g.policy_id",
};

static const char domain_cond[] = " AND report_domain = ?3";

#define ARENA_BLOCK 65536

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
};

struct day_query {
    sqlite3_stmt *sess, *fail;
    int sess_rc, fail_rc;           /* last step result: SQLITE_ROW = a row is waiting */
    struct arena_block *arena;
    struct report_input in;
    struct report_policy *pol;
    int64_t *pol_id;
    size_t *pol_first;              /* index of the policy's first detail in det */
    size_t npol, cap_pol;
    struct report_detail *det;
    size_t ndet, cap_det;
    unsigned long orphans;          /* failure rows without a session row (ignored) */
};

static char *arena_strdup(struct day_query *q, const unsigned char *s, size_t len)
{
    struct arena_block *b = q->arena;
    if (b == NULL || b->cap - b->used < len + 1) {
        size_t cap = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
        b = xmalloc(sizeof *b + cap);
        b->next = q->arena;
        b->used = 0;
        b->cap = cap;
        q->arena = b;
    }
    char *p = b->data + b->used;
    if (len)
        memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

/* Keeps the newest block (the common case: one block per domain is enough). */
static void arena_reset(struct day_query *q)
{
    if (q->arena == NULL)
        return;
    struct arena_block *b = q->arena->next;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    q->arena->next = NULL;
    q->arena->used = 0;
}

static char *col_str(struct day_query *q, sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return arena_strdup(q, s ? s : (const unsigned char *)"", (size_t)sqlite3_column_bytes(st, col));
}

static sqlite3_stmt *prepare(struct db *db, time_t day, const char *domain, const char *sql)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)day);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)day + SECONDS_PER_DAY);
    if (domain)
        sqlite3_bind_text(st, 3, domain, -1, SQLITE_TRANSIENT);
    return st;
}

struct day_query *day_query_open(struct db *db, time_t day, const char *domain)
{
    struct day_query *q = xcalloc(1, sizeof *q);
    struct buf sess = BUF_INIT, fail = BUF_INIT;
    const char *cond = domain ? domain_cond : "";
    buf_puts(&sess, sessions_sql[0]);
    buf_puts(&sess, cond);
    buf_puts(&sess, sessions_sql[1]);
    buf_puts(&fail, failures_sql[0]);
    for (int f = 0; f < DF_COUNT; f++)
        buf_printf(&fail, ", d.%s", detail_fields[f].column);
    buf_puts(&fail, failures_sql[1]);
    buf_puts(&fail, cond);
    buf_puts(&fail, failures_sql[2]);
    q->in.day = day;
    q->sess = prepare(db, day, domain, sess.data);
    q->fail = prepare(db, day, domain, fail.data);
    buf_free(&sess);
    buf_free(&fail);
    if (q->sess == NULL || q->fail == NULL) {
        day_query_close(q);
        return NULL;
    }
    q->sess_rc = sqlite3_step(q->sess);
    q->fail_rc = sqlite3_step(q->fail);
    return q;
}

long day_query_domains(struct db *db, time_t day, const char *domain)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(DISTINCT report_domain) FROM session_counts"
             " WHERE hour >= ?1 AND hour < ?2%s", domain ? domain_cond : "");
    sqlite3_stmt *st = prepare(db, day, domain, sql);
    if (st == NULL)
        return -1;
    long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

static void add_policy(struct day_query *q)
{
    sqlite3_stmt *st = q->sess;
    if (q->npol == q->cap_pol) {
        q->cap_pol = q->cap_pol ? q->cap_pol * 2 : 8;
        q->pol = xrealloc(q->pol, q->cap_pol * sizeof *q->pol);
        q->pol_id = xrealloc(q->pol_id, q->cap_pol * sizeof *q->pol_id);
        q->pol_first = xrealloc(q->pol_first, q->cap_pol * sizeof *q->pol_first);
    }
    struct report_policy *p = &q->pol[q->npol];
    memset(p, 0, sizeof *p);
    q->pol_id[q->npol] = p->id = sqlite3_column_int64(st, 1);
    p->type = col_str(q, st, 2);
    p->domain = col_str(q, st, 3);
    p->strings_json = col_str(q, st, 4);
    p->mx_json = col_str(q, st, 5);
    p->successful = sqlite3_column_int64(st, 6);
    p->failed = sqlite3_column_int64(st, 7);
    q->npol++;
}

static void add_detail(struct day_query *q, size_t pol)
{
    sqlite3_stmt *st = q->fail;
    if (q->ndet == q->cap_det) {
        q->cap_det = q->cap_det ? q->cap_det * 2 : 16;
        q->det = xrealloc(q->det, q->cap_det * sizeof *q->det);
    }
    if (q->pol[pol].ndetails++ == 0)
        q->pol_first[pol] = q->ndet;
    struct report_detail *d = &q->det[q->ndet++];
    d->count = sqlite3_column_int64(st, 2);
    d->result_type = col_str(q, st, 3);
    for (int f = 0; f < DF_COUNT; f++)
        d->field[f] = col_str(q, st, 4 + f);
    d->id = sqlite3_column_int64(st, 4 + DF_COUNT);
}

/* Adds the failure rows of the current domain; rows of domains or policies without
 * sessions (the collector never writes them) are skipped and counted. */
static void add_details(struct day_query *q)
{
    size_t k = 0;
    while (q->fail_rc == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(q->fail, 0);
        int c = strcmp(d ? d : "", q->in.domain);
        if (c > 0)
            break;
        if (c == 0) {
            int64_t id = sqlite3_column_int64(q->fail, 1);
            while (k < q->npol && q->pol_id[k] < id)
                k++;
            if (k < q->npol && q->pol_id[k] == id)
                add_detail(q, k);
            else
                q->orphans++;
        } else {
            q->orphans++;
        }
        q->fail_rc = sqlite3_step(q->fail);
    }
}

int day_query_next(struct day_query *q, const struct report_input **out)
{
    arena_reset(q);
    q->npol = q->ndet = 0;
    if (q->sess_rc != SQLITE_ROW)
        goto end;
    q->in.domain = col_str(q, q->sess, 0);
    while (q->sess_rc == SQLITE_ROW &&
           strcmp((const char *)sqlite3_column_text(q->sess, 0), q->in.domain) == 0) {
        add_policy(q);
        q->sess_rc = sqlite3_step(q->sess);
    }
    if (q->sess_rc != SQLITE_ROW && q->sess_rc != SQLITE_DONE)
        goto end;
    add_details(q);
    if (q->fail_rc != SQLITE_ROW && q->fail_rc != SQLITE_DONE)
        goto end;
    for (size_t i = 0; i < q->npol; i++)
        q->pol[i].details = q->pol[i].ndetails ? q->det + q->pol_first[i] : NULL;
    q->in.policies = q->pol;
    q->in.npolicies = q->npol;
    *out = &q->in;
    return 1;
end:
    if (q->sess_rc == SQLITE_DONE && (q->fail_rc == SQLITE_DONE || q->fail_rc == SQLITE_ROW))
        return 0;
    log_error("cannot read the day's counters: %s",
              sqlite3_errmsg(sqlite3_db_handle(q->sess_rc == SQLITE_DONE ? q->fail : q->sess)));
    return -1;
}

void day_query_close(struct day_query *q)
{
    if (q == NULL)
        return;
    if (q->orphans)
        log_warn("failure counts without session counts ignored rows=%lu", q->orphans);
    sqlite3_finalize(q->sess);
    sqlite3_finalize(q->fail);
    arena_reset(q);
    free(q->arena);
    free(q->pol);
    free(q->pol_id);
    free(q->pol_first);
    free(q->det);
    free(q);
}
