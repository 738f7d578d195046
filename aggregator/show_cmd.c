/* `tlsrpt show REPORT-ID [--gzip]`: one stored report, as pretty JSON or as the exact gzip
 * bytes that are mailed and POSTed (refused on a terminal). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "aggregator/report_id.h"
#include "cli/commands.h"
#include "lib/db.h"
#include "lib/log.h"

static const char usage_text[] = "show REPORT-ID [--gzip]";

static const char show_sql[] = "SELECT json, gzip FROM reports WHERE report_id = ?1";

static int print_report(sqlite3_stmt *st, int gzip)
{
    if (gzip) {
        const void *p = sqlite3_column_blob(st, 1);
        size_t n = (size_t)sqlite3_column_bytes(st, 1);
        if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0) {
            log_error("cannot write the report to stdout");
            return EXIT_ERROR;
        }
        return EXIT_OK;
    }
    json_error_t jerr;
    json_t *j = json_loadb((const char *)sqlite3_column_text(st, 0),
                           (size_t)sqlite3_column_bytes(st, 0), 0, &jerr);
    if (j == NULL) {
        log_error("stored report is not JSON: %s", jerr.text);
        return EXIT_ERROR;
    }
    char *s = json_dumps(j, JSON_INDENT(2));
    printf("%s\n", s);
    free(s);
    json_decref(j);
    return EXIT_OK;
}

int cmd_show(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"gzip", no_argument, NULL, 'z'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int opt, gzip = 0;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'z') {
            gzip = 1;
        } else if (opt == 'h') {
            return cmd_help(usage_text);
        } else {
            return cmd_usage(usage_text, NULL);
        }
    }
    if (argc - optind != 1)
        return cmd_usage(usage_text, argc == optind ? "a REPORT-ID is required"
                                                    : "only one REPORT-ID is accepted");
    const char *id = argv[optind];
    if (!report_id_valid(id))
        return cmd_usage(usage_text, "\"%.80s\" is not a report id (letters and digits)", id);
    if (gzip && isatty(STDOUT_FILENO)) {
        log_error("not writing gzip bytes to a terminal; redirect the output");
        return EXIT_USAGE;
    }

    int rc;
    struct db *db = cmd_open_db_readonly(cfg, &rc);
    if (db == NULL)
        return rc;
    rc = EXIT_ERROR;
    sqlite3_stmt *st = db_prepare(db, show_sql);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW)
            rc = print_report(st, gzip);
        else if (step == SQLITE_DONE)
            log_error("no report with id %s", id);
        else {
            log_error("cannot read the report: %s", db_errmsg(db));
            rc = cmd_db_error(db);
        }
        sqlite3_finalize(st);
    }
    db_close(db);
    return rc;
}
