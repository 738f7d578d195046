/* `tlsrpt export --day D [--source NAME]`: this host's counters of one UTC day as JSON lines on
 * stdout (format: collector/exchange.h), for `tlsrpt import` on the reporting host. Only the
 * local collector's counters (source '') are exported, labelled NAME (default: the host name).
 * Datagram counts stay local: they describe this collector, not the sessions. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "collector/exchange.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"

static const char usage_text[] = "export --day YYYY-MM-DD [--source NAME]";

static const char sessions_sql[] =
    "SELECT s.hour, s.report_domain, r.record, p.policy_type, p.policy_strings, p.mx_hosts,"
    " s.successful, s.failed, s.record_id, s.policy_id, p.policy_domain"
    " FROM session_counts s JOIN tlsrpt_records r ON r.id = s.record_id"
    " JOIN policies p ON p.id = s.policy_id"
    " WHERE s.source = '' AND s.hour >= ?1 AND s.hour < ?2"
    " ORDER BY s.hour, s.report_domain, r.record, p.policy_type, p.policy_domain,"
    " p.policy_strings, p.mx_hosts";

static const char details_sql[] =
    "SELECT d.result_type, d.sending_mta_ip, d.receiving_mx_hostname, d.receiving_mx_helo,"
    " d.receiving_ip, d.additional_information, d.failure_reason_code, f.count"
    " FROM failure_counts f JOIN failure_details d ON d.id = f.detail_id"
    " WHERE f.hour = ?1 AND f.report_domain = ?2 AND f.record_id = ?3 AND f.policy_id = ?4"
    " AND f.source = ''"
    " ORDER BY 1, 2, 3, 4, 5, 6, 7";

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Writes the line and a newline; -1 when stdout fails (a closed pipe, a full disk). */
static int emit(char *line)
{
    int rc = line != NULL && printf("%s\n", line) > 0 ? 0 : -1;
    free(line);
    return rc;
}

/* One "counts" line for the session row st, with its failure details. */
static int export_row(sqlite3_stmt *st, sqlite3_stmt *dst, const char *source)
{
    struct counter_key k = {
        .hour = sqlite3_column_int64(st, 0),
        .report_domain = col(st, 1),
        .record = col(st, 2),
        .policy_type = col(st, 3),
        .policy_domain = col(st, 10),
        .strings_json = col(st, 4),
        .mx_json = col(st, 5),
    };
    size_t n = 0, cap = 0;
    struct exchange_detail *details = NULL;
    int rc;

    sqlite3_reset(dst);
    sqlite3_bind_int64(dst, 1, k.hour);
    sqlite3_bind_text(dst, 2, k.report_domain, -1, SQLITE_STATIC);
    sqlite3_bind_int64(dst, 3, sqlite3_column_int64(st, 8));
    sqlite3_bind_int64(dst, 4, sqlite3_column_int64(st, 9));
    while ((rc = sqlite3_step(dst)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            details = xrealloc(details, cap * sizeof *details);
        }
        struct exchange_detail *d = &details[n++];
        d->result_type = xstrdup(col(dst, 0));
        for (int f = 0; f < DF_COUNT; f++)
            d->field[f] = xstrdup(col(dst, 1 + f));
        d->count = sqlite3_column_int64(dst, 7);
    }
    if (rc == SQLITE_DONE)
        rc = emit(exchange_counts_line(source, &k, sqlite3_column_int64(st, 6),
                                       sqlite3_column_int64(st, 7), details, n));
    else
        rc = -1;
    for (size_t i = 0; i < n; i++) {
        free((char *)details[i].result_type);
        for (int f = 0; f < DF_COUNT; f++)
            free((char *)details[i].field[f]);
    }
    free(details);
    return rc;
}

int cmd_export(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"day", required_argument, NULL, 'd'},
                                         {"source", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    char host[256] = "";
    const char *source = NULL;
    time_t day = -1;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'd') {
            if (cmd_opt_day(usage_text, "--day", optarg, &day) != 0)
                return EXIT_USAGE;
        } else if (opt == 's') {
            source = optarg;
        } else if (opt == 'h') {
            return cmd_help(usage_text);
        } else {
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (day < 0)
        return cmd_usage(usage_text, "--day is required");
    if (source == NULL) {
        if (gethostname(host, sizeof host - 1) != 0)
            host[0] = '\0';
        source = host;
    }
    if (exchange_source_valid(source) != 0)
        return cmd_usage(usage_text, "--source: \"%s\" is not a host name (letters, digits, "
                                     "'.', '-', '_')", source);

    struct db *db = cmd_open_db(cfg);
    if (db == NULL)
        return EXIT_ERROR;
    sqlite3_stmt *st = db_prepare(db, sessions_sql), *dst = db_prepare(db, details_sql);
    long long rows = 0;
    int rc = EXIT_ERROR, step = SQLITE_ERROR;
    char d[16];
    /* One read transaction: the collector may commit meanwhile; the export stays consistent. */
    if (st == NULL || dst == NULL || db_exec(db, "BEGIN") != 0)
        goto out;
    if (emit(exchange_header_line(source, day, clock_now())) != 0)
        goto out_write;
    sqlite3_bind_int64(st, 1, day);
    sqlite3_bind_int64(st, 2, day + SECONDS_PER_DAY);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (export_row(st, dst, source) != 0)
            goto out_write;
        rows++;
    }
    if (step != SQLITE_DONE) {
        log_error("cannot read counters: %s", db_errmsg(db));
        goto out;
    }
    if (emit(exchange_end_line(rows)) != 0 || fflush(stdout) != 0)
        goto out_write;
    log_info("exported day=%s source=%s rows=%lld", day_format(day, d), source, rows);
    rc = EXIT_OK;
    goto out;
out_write:
    log_error("cannot write the export: %s", ferror(stdout) ? "write error" : db_errmsg(db));
out:
    sqlite3_finalize(st);
    sqlite3_finalize(dst);
    db_rollback(db);
    db_close(db);
    return rc;
}
