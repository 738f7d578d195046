/* Reading the reports table for listings. */
#include "aggregator/report_list.h"

#include "lib/log.h"
#include "reporter/deliveries.h"

static const char list_sql[] =
    "SELECT id, report_id, day, policy_domain, generation, superseded, filename, length(gzip),"
    " successful, failed, created_at FROM reports"
    " WHERE (?1 IS NULL OR day = ?1) AND (?2 IS NULL OR policy_domain = ?2)"
    " AND (?3 OR superseded = 0)"
    " ORDER BY day, policy_domain, generation";

static const char *text(sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    return s ? s : "";
}

int report_list(struct db *db, const struct report_filter *f, report_row_fn *fn, void *arg)
{
    sqlite3_stmt *st = db_prepare(db, list_sql);
    int rc;
    if (st == NULL)
        return -1;
    if (f->day)
        sqlite3_bind_text(st, 1, f->day, -1, SQLITE_STATIC);
    if (f->domain)
        sqlite3_bind_text(st, 2, f->domain, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, f->all ? 1 : 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct report_row r = {
            .id = sqlite3_column_int64(st, 0),
            .report_id = text(st, 1),
            .day = text(st, 2),
            .domain = text(st, 3),
            .generation = (long)sqlite3_column_int64(st, 4),
            .superseded = sqlite3_column_int(st, 5) != 0,
            .filename = text(st, 6),
            .bytes = sqlite3_column_int64(st, 7),
            .successful = sqlite3_column_int64(st, 8),
            .failed = sqlite3_column_int64(st, 9),
            .created_at = text(st, 10),
        };
        if (fn(&r, arg) != 0) {
            rc = SQLITE_DONE;
            break;
        }
    }
    if (rc != SQLITE_DONE)
        log_error("cannot list reports: database error db=%s error=\"%s\"", db_path(db),
                  db_errmsg(db));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

json_t *report_list_json(struct db *db, const struct report_row *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "report-id", json_string(r->report_id));
    json_object_set_new(o, "day", json_string(r->day));
    json_object_set_new(o, "domain", json_string(r->domain));
    json_object_set_new(o, "generation", json_integer(r->generation));
    json_object_set_new(o, "superseded", json_boolean(r->superseded));
    json_object_set_new(o, "filename", json_string(r->filename));
    json_object_set_new(o, "bytes", json_integer(r->bytes));
    json_object_set_new(o, "successful", json_integer(r->successful));
    json_object_set_new(o, "failed", json_integer(r->failed));
    json_object_set_new(o, "created-at", json_string(r->created_at));
    /* the reporter's part (reporter/README.md "States") */
    const char *state = deliveries_report_state(db, r->report_id);
    json_t *deliveries = deliveries_json(db, r->report_id);
    json_object_set_new(o, "state", json_string(state ? state : "unknown"));
    json_object_set_new(o, "deliveries", deliveries ? deliveries : json_array());
    return o;
}
