/* The SQL of each `tlsrpt stats` grouping, and the code that turns its results into rows.
 * Every query takes ?1 since and ?2 until (hours, [since, until)), ?3 a report domain (d) or NULL,
 * and returns every row: --top is the printers' (the table sums the rest and the total over all
 * rows). Counters of every source are summed. */
#include "stats.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bmap.h"
#include "lib/buf.h"
#include "lib/log.h"

#define RANGE_S " s.hour >= ?1 AND s.hour < ?2 AND (?3 IS NULL OR s.report_domain = ?3)"
#define RANGE_F " f.hour >= ?1 AND f.hour < ?2 AND (?3 IS NULL OR f.report_domain = ?3)"
#define SESSIONS_FROM " FROM session_counts s JOIN policies p ON p.id = s.policy_id WHERE" RANGE_S
#define FAILURES_FROM                                                                              \
    " FROM failure_counts f JOIN policies p ON p.id = f.policy_id"                                 \
    " JOIN failure_details d ON d.id = f.detail_id WHERE" RANGE_F
#define DAY(t) "date(" t ".hour, 'unixepoch')"
#define HOUR(t) "strftime('%Y-%m-%dT%H:00:00Z', " t ".hour, 'unixepoch')"

static const struct stats_grouping groupings[] = {
    {"policy",
     {"day", "domain", "policy-type"},
     {"successful", "failed"},
     "SELECT " DAY("s") ", s.report_domain, p.policy_type, sum(s.successful), sum(s.failed)"
     SESSIONS_FROM " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
     "SELECT " DAY("f") ", f.report_domain, p.policy_type, d.result_type, sum(f.count)"
     FAILURES_FROM " GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 4",
     1},
    {"day",
     {"day"},
     {"successful", "failed"},
     "SELECT " DAY("s") ", sum(s.successful), sum(s.failed)" SESSIONS_FROM
     " GROUP BY 1 ORDER BY 1",
     "SELECT " DAY("f") ", d.result_type, sum(f.count)" FAILURES_FROM
     " GROUP BY 1, 2 ORDER BY 3 DESC, 2",
     1},
    {"hour",
     {"hour"},
     {"successful", "failed"},
     "SELECT " HOUR("s") ", sum(s.successful), sum(s.failed)" SESSIONS_FROM
     " GROUP BY s.hour ORDER BY s.hour",
     "SELECT " HOUR("f") ", d.result_type, sum(f.count)" FAILURES_FROM
     " GROUP BY f.hour, 2 ORDER BY 3 DESC, 2",
     1},
    /* The most failed sessions first: --top N gives the top failing domains. */
    {"domain",
     {"domain"},
     {"successful", "failed"},
     "SELECT s.report_domain, sum(s.successful), sum(s.failed)" SESSIONS_FROM
     " GROUP BY 1 ORDER BY sum(s.failed) DESC,"
     " 1.0 * sum(s.failed) / max(sum(s.successful) + sum(s.failed), 1) DESC, 1",
     "SELECT f.report_domain, d.result_type, sum(f.count)" FAILURES_FROM
     " GROUP BY 1, 2 ORDER BY 3 DESC, 2",
     1},
    {"result-type",
     {"result-type"},
     {"failure-details", "domains"},
     "SELECT d.result_type, sum(f.count), count(DISTINCT f.report_domain)" FAILURES_FROM
     " GROUP BY 1 ORDER BY 2 DESC, 1",
     NULL,
     0},
    /* Failure details by receiving MX host ('' = not reported): the top failing MX hosts. */
    {"mx",
     {"receiving-mx-hostname"},
     {"failure-details", "domains"},
     "SELECT d.receiving_mx_hostname, sum(f.count), count(DISTINCT f.report_domain)"
     FAILURES_FROM " GROUP BY 1 ORDER BY 2 DESC, 1",
     "SELECT d.receiving_mx_hostname, d.result_type, sum(f.count)" FAILURES_FROM
     " GROUP BY 1, 2 ORDER BY 3 DESC, 2",
     0, "(not reported)"},
    /* '' is this host's collector; other names are hosts whose counters were imported. */
    {"source",
     {"source"},
     {"successful", "failed"},
     "SELECT s.source, sum(s.successful), sum(s.failed)" SESSIONS_FROM
     " GROUP BY 1 ORDER BY 1",
     "SELECT f.source, d.result_type, sum(f.count)" FAILURES_FROM
     " GROUP BY 1, 2 ORDER BY 3 DESC, 2",
     1, "(this host)"},
    /* The delivery state of each day's current report (reporter/README.md "States"), with
     * its destinations: sent, still open (pending/retrying), failed or given up. */
    {"delivery",
     {"day", "domain", "delivery"},
     {"destinations", "sent", "open", "failed"},
     "SELECT v.day, v.policy_domain, v.state, v.destinations, v.sent, v.open, v.failed"
     " FROM report_states v WHERE v.superseded = 0"
     " AND v.day >= date(?1, 'unixepoch')"
     " AND v.day < date(min(?2, 253402300799), 'unixepoch')"
     " AND (?3 IS NULL OR v.policy_domain = ?3) ORDER BY 1, 2",
     NULL,
     0},
    /* What the collector (and `record`) rejected, per day and reason (datagram_counts): those
     * datagrams counted nothing, so they carry no report domain. */
    {STATS_REJECTIONS,
     {"day", "reason"},
     {"datagrams"},
     "SELECT date(c.hour, 'unixepoch'), c.outcome, sum(c.count) FROM datagram_counts c"
     " WHERE c.hour >= ?1 AND c.hour < ?2 AND c.outcome <> 'accepted' AND ?3 IS NULL"
     " GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2",
     NULL,
     0},
};

#define N_GROUPINGS (sizeof groupings / sizeof groupings[0])

const struct stats_grouping *stats_grouping_find(const char *name)
{
    if (name == NULL)
        return &groupings[0];
    for (size_t i = 0; i < N_GROUPINGS; i++)
        if (strcmp(groupings[i].name, name) == 0)
            return &groupings[i];
    return NULL;
}

const char *stats_grouping_names(void)
{
    return "policy|day|hour|domain|result-type|mx|source|delivery|" STATS_REJECTIONS;
}

static int count_of(const char *const *names)
{
    int n = 0;
    while (n < STATS_MAX_COLUMNS && names[n] != NULL)
        n++;
    return n;
}

static sqlite3_stmt *bind_query(struct db *db, const char *sql, const struct stats_query *q)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, q->since);
    sqlite3_bind_int64(st, 2, q->until);
    if (q->domain)
        sqlite3_bind_text(st, 3, q->domain, -1, SQLITE_STATIC);
    return st;
}

/* The key columns as one byte string, to find a row again. */
static void group_key(struct buf *b, sqlite3_stmt *st, int nkeys)
{
    buf_reset(b);
    for (int i = 0; i < nkeys; i++)
        buf_append(b, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i) + 1);
}

double stats_failure_rate(long long successful, long long failed)
{
    long long sessions = successful + failed;
    double r = sessions > 0 ? (double)failed / (double)sessions : 0.0;
    return (double)(long long)(r * 10000.0 + 0.5) / 10000.0;
}

json_t *stats_query_run(struct db *db, const struct stats_grouping *g, const struct stats_query *q)
{
    int nkeys = count_of(g->keys), nmeasures = count_of(g->measures), rc;
    json_t *rows = json_array();
    struct bmap index = BMAP_INIT; /* key columns -> a = position in rows */
    struct buf key = BUF_INIT;
    sqlite3_stmt *st = bind_query(db, g->rows_sql, q);
    if (st == NULL)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < nkeys; i++)
            json_object_set_new(o, g->keys[i],
                                json_string((const char *)sqlite3_column_text(st, i)));
        for (int i = 0; i < nmeasures; i++)
            json_object_set_new(o, g->measures[i], json_integer(sqlite3_column_int64(st, nkeys + i)));
        if (g->rate)
            json_object_set_new(o, "failure-rate",
                                json_real(stats_failure_rate(sqlite3_column_int64(st, nkeys),
                                                             sqlite3_column_int64(st, nkeys + 1))));
        if (g->types_sql != NULL)
            json_object_set_new(o, "result-types", json_object());
        group_key(&key, st, nkeys);
        bmap_upsert(&index, key.data, key.len, NULL)->a = (int64_t)json_array_size(rows);
        json_array_append_new(rows, o);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto fail;

    if (g->types_sql != NULL) {
        if ((st = bind_query(db, g->types_sql, q)) == NULL)
            goto fail;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            group_key(&key, st, nkeys);
            struct bmap_entry *e = bmap_find(&index, key.data, key.len);
            if (e == NULL)
                continue; /* details without sessions */
            json_t *types = json_object_get(json_array_get(rows, (size_t)e->a), "result-types");
            json_object_set_new(types, (const char *)sqlite3_column_text(st, nkeys),
                                json_integer(sqlite3_column_int64(st, nkeys + 1)));
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            goto fail;
    }
    bmap_clear(&index);
    buf_free(&key);
    return rows;
fail:
    log_error("cannot read statistics: %s", db_errmsg(db));
    bmap_clear(&index);
    buf_free(&key);
    json_decref(rows);
    return NULL;
}

struct type_count {
    const char *name;
    long long count;
};

/* The order of each row's result types (the queries' ORDER BY count DESC, result_type). */
static int most_first(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

static json_t *sorted_types(json_t *sums)
{
    size_t n = json_object_size(sums), i = 0;
    struct type_count *v = calloc(n ? n : 1, sizeof *v);
    json_t *out = json_object();
    const char *name;
    json_t *count;
    if (v == NULL)
        return out;
    json_object_foreach(sums, name, count) {
        v[i].name = name;
        v[i++].count = json_integer_value(count);
    }
    qsort(v, n, sizeof *v, most_first);
    for (i = 0; i < n; i++)
        json_object_set_new(out, v[i].name, json_integer(v[i].count));
    free(v);
    return out;
}

json_t *stats_sum_rows(const struct stats_grouping *g, json_t *rows, size_t from, size_t to)
{
    int nmeasures = count_of(g->measures);
    long long sum[STATS_MAX_COLUMNS] = {0};
    json_t *types = json_object(), *out = json_object();
    for (size_t r = from; r < to && r < json_array_size(rows); r++) {
        json_t *o = json_array_get(rows, r), *count;
        const char *name;
        for (int i = 0; i < nmeasures; i++)
            sum[i] += json_integer_value(json_object_get(o, g->measures[i]));
        json_object_foreach(json_object_get(o, "result-types"), name, count) {
            json_int_t before = json_integer_value(json_object_get(types, name));
            json_object_set_new(types, name, json_integer(before + json_integer_value(count)));
        }
    }
    for (int i = 0; i < nmeasures; i++)
        if (strcmp(g->measures[i], "domains") != 0) /* distinct domains do not add up */
            json_object_set_new(out, g->measures[i], json_integer(sum[i]));
    if (g->rate)
        json_object_set_new(out, "failure-rate", json_real(stats_failure_rate(sum[0], sum[1])));
    if (g->types_sql != NULL)
        json_object_set_new(out, "result-types", sorted_types(types));
    json_decref(types);
    return out;
}
