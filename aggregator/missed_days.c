/* Missed days by index lookups: session_counts' key starts with the hour, so "the next hour
 * with sessions" is one seek (days without any are skipped: the cost grows with the days
 * that have counters, not with retention_days), "any session of this day for a domain" is
 * 24, and reports has an index of current reports by (day, policy_domain). */
#include "aggregator/missed_days.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"

static const char next_sql[] = "SELECT min(hour) FROM session_counts WHERE hour >= ?1";
static const char sessions_sql[] =
    "WITH RECURSIVE h(x) AS (SELECT ?1 UNION ALL SELECT x + 3600 FROM h WHERE x < ?1 + 82800)"
    " SELECT 1 FROM session_counts WHERE hour IN (SELECT x FROM h)"
    " AND (?2 IS NULL OR report_domain = ?2) LIMIT 1";
static const char report_sql[] =
    "SELECT 1 FROM reports WHERE day = ?1 AND superseded = 0"
    " AND (?2 IS NULL OR policy_domain = ?2) LIMIT 1";

/* 1 when the statement has a row for (day, domain), 0 when not, -1 on error. */
static int exists(sqlite3_stmt *st, int by_text, time_t day, const char *domain)
{
    char d[16];
    sqlite3_reset(st);
    if (by_text)
        sqlite3_bind_text(st, 1, day_format(day, d), -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_int64(st, 1, (sqlite3_int64)day);
    if (domain)
        sqlite3_bind_text(st, 2, domain, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int missed_days_find(struct db *db, time_t from, time_t until, const char *domain,
                     struct missed_days *m)
{
    sqlite3_stmt *next = NULL, *sessions = NULL, *report = NULL;
    size_t cap = 0;
    int rc = -1;
    memset(m, 0, sizeof *m);
    if (sqlite3_prepare_v2(db_sqlite(db), next_sql, -1, &next, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db_sqlite(db), sessions_sql, -1, &sessions, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db_sqlite(db), report_sql, -1, &report, NULL) != SQLITE_OK)
        goto out;
    for (time_t day = day_floor(from); day < until; day += SECONDS_PER_DAY) {
        sqlite3_reset(next);
        sqlite3_bind_int64(next, 1, (sqlite3_int64)day);
        int step = sqlite3_step(next);
        if (step != SQLITE_ROW)
            goto out;
        if (sqlite3_column_type(next, 0) == SQLITE_NULL)
            break; /* no sessions from here on */
        day = day_floor((time_t)sqlite3_column_int64(next, 0));
        if (day >= until)
            break;
        int has = domain ? exists(sessions, 0, day, domain) : 1;
        int reported = has == 1 ? exists(report, 1, day, domain) : 0;
        if (has < 0 || reported < 0)
            goto out;
        if (has && !reported) {
            if (m->count == cap) {
                cap = cap ? 2 * cap : 8;
                m->day = xrealloc(m->day, cap * sizeof *m->day);
            }
            m->day[m->count++] = day;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        log_error("database error db=%s error=\"%s\"", db_path(db), db_errmsg(db));
    sqlite3_finalize(next);
    sqlite3_finalize(sessions);
    sqlite3_finalize(report);
    return rc;
}

void missed_days_free(struct missed_days *m)
{
    free(m->day);
    memset(m, 0, sizeof *m);
}

char *missed_days_format(const struct missed_days *m, const char *sep, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < m->count; i++) {
        char d[16];
        int n = snprintf(out + len, size - len, "%s%s", i ? sep : "", day_format(m->day[i], d));
        if (n < 0 || (size_t)n >= size - len) {
            snprintf(out + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
            break;
        }
        len += (size_t)n;
    }
    return out;
}
