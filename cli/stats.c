/* `tlsrpt stats`: counted sessions and failure details per (day, policy domain, policy type),
 * as a table or as JSON. Reads the counters only; nothing is changed. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/bmap.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"
#include "reporter/deliveries.h"

static const char usage_text[] =
    "stats [--day YYYY-MM-DD | --since YYYY-MM-DD --until YYYY-MM-DD] [--domain D] [--json]";

struct stats_query {
    time_t since, until; /* [since, until) in Unix seconds */
    const char *domain;  /* NULL = all */
};

static const char sessions_sql[] =
    "SELECT date(s.hour, 'unixepoch'), s.report_domain, p.policy_type,"
    " sum(s.successful), sum(s.failed)"
    " FROM session_counts s JOIN policies p ON p.id = s.policy_id"
    " WHERE s.hour >= ?1 AND s.hour < ?2 AND (?3 IS NULL OR s.report_domain = ?3)"
    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";

static const char failures_sql[] =
    "SELECT date(f.hour, 'unixepoch'), f.report_domain, p.policy_type, d.result_type,"
    " sum(f.count)"
    " FROM failure_counts f JOIN policies p ON p.id = f.policy_id"
    " JOIN failure_details d ON d.id = f.detail_id"
    " WHERE f.hour >= ?1 AND f.hour < ?2 AND (?3 IS NULL OR f.report_domain = ?3)"
    " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 5 DESC, 4";

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

static void group_key(struct buf *b, sqlite3_stmt *st)
{
    buf_reset(b);
    for (int i = 0; i < 3; i++)
        buf_append(b, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i) + 1);
}

/* One JSON object per (day, policy domain, policy type), in that order. NULL on error. */
static json_t *stats_collect(struct db *db, const struct stats_query *q)
{
    json_t *rows = json_array();
    struct bmap index = BMAP_INIT; /* group key -> a = position in rows */
    struct buf key = BUF_INIT;
    sqlite3_stmt *st = bind_query(db, sessions_sql, q);
    int rc;
    if (st == NULL)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "day", json_string((const char *)sqlite3_column_text(st, 0)));
        json_object_set_new(o, "policy-domain",
                            json_string((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(o, "policy-type", json_string((const char *)sqlite3_column_text(st, 2)));
        json_object_set_new(o, "successful", json_integer(sqlite3_column_int64(st, 3)));
        json_object_set_new(o, "failed", json_integer(sqlite3_column_int64(st, 4)));
        json_object_set_new(o, "result-types", json_object());
        group_key(&key, st);
        bmap_upsert(&index, key.data, key.len, NULL)->a = (int64_t)json_array_size(rows);
        json_array_append_new(rows, o);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto fail;

    st = bind_query(db, failures_sql, q);
    if (st == NULL)
        goto fail;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        group_key(&key, st);
        struct bmap_entry *e = bmap_find(&index, key.data, key.len);
        if (e == NULL)
            continue; /* details without sessions cannot be written by the collector */
        json_t *types = json_object_get(json_array_get(rows, (size_t)e->a), "result-types");
        json_object_set_new(types, (const char *)sqlite3_column_text(st, 3),
                            json_integer(sqlite3_column_int64(st, 4)));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        goto fail;
    /* the delivery state of the day's report (reporter/README.md "States") */
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o) {
        const char *state =
            deliveries_day_state(db, json_string_value(json_object_get(o, "day")),
                                 json_string_value(json_object_get(o, "policy-domain")));
        if (state == NULL)
            goto fail;
        json_object_set_new(o, "delivery", json_string(state));
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

static void print_table(json_t *rows)
{
    size_t i;
    json_t *o;
    long long ok = 0, failed = 0;
    printf("%-10s  %-32s %-15s %10s %10s  %-9s  %s\n", "DAY", "POLICY DOMAIN", "TYPE",
           "SUCCESSFUL", "FAILED", "DELIVERY", "FAILURE DETAILS BY RESULT TYPE");
    json_array_foreach(rows, i, o) {
        struct buf types = BUF_INIT;
        const char *name;
        json_t *count;
        json_object_foreach(json_object_get(o, "result-types"), name, count) {
            buf_printf(&types, "%s%s=%lld", types.len ? " " : "", name,
                       (long long)json_integer_value(count));
        }
        long long s = json_integer_value(json_object_get(o, "successful"));
        long long f = json_integer_value(json_object_get(o, "failed"));
        ok += s;
        failed += f;
        printf("%-10s  %-32s %-15s %10lld %10lld  %-9s  %s\n",
               json_string_value(json_object_get(o, "day")),
               json_string_value(json_object_get(o, "policy-domain")),
               json_string_value(json_object_get(o, "policy-type")), s, f,
               json_string_value(json_object_get(o, "delivery")), types.len ? types.data : "-");
        buf_free(&types);
    }
    printf("%-10s  %-32s %-15s %10lld %10lld\n", "total", "", "", ok, failed);
}

int cmd_stats(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", required_argument, NULL, 'd'},   {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {"domain", required_argument, NULL, 'D'},
        {"json", no_argument, NULL, 'j'},        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    struct stats_query q = {0, (time_t)1 << 40, NULL};
    int json = 0, opt, have_day = 0, have_range = 0;
    time_t t;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
        case 's':
        case 'u':
            if (day_parse(optarg, &t) != 0)
                return cmd_usage(usage_text, "\"%s\" is not a day (YYYY-MM-DD)", optarg);
            if (opt == 'd') {
                q.since = t;
                q.until = t + SECONDS_PER_DAY;
                have_day = 1;
            } else if (opt == 's') {
                q.since = t;
                have_range = 1;
            } else {
                q.until = t + SECONDS_PER_DAY; /* --until is inclusive */
                have_range = 1;
            }
            break;
        case 'D':
            q.domain = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            printf("usage: tlsrpt [global options] %s\n", usage_text);
            return EXIT_OK;
        default:
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (have_day && have_range)
        return cmd_usage(usage_text, "--day cannot be combined with --since/--until");

    struct db *db = cmd_open_db(cfg);
    if (db == NULL)
        return EXIT_ERROR;
    json_t *rows = stats_collect(db, &q);
    db_close(db);
    if (rows == NULL)
        return EXIT_ERROR;
    if (json) {
        char *s = json_dumps(rows, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else {
        print_table(rows);
    }
    json_decref(rows);
    return EXIT_OK;
}
