/* `tlsrpt import FILE...`: merges other hosts' exports (collector/exchange.h) into this
 * database under the exporting host's name. Each file is checked whole first, then stored in
 * one transaction that first deletes that source's counters of that day: importing the same
 * source and day again replaces them, never doubles them. "-" reads stdin (ssh pipes). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "collector/counters.h"
#include "collector/exchange.h"
#include "collector/store.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"

#define LINE_MAX_BYTES (64u << 20) /* one counts line; a policy of 200 mx lines is ~30 KB */

static const char usage_text[] = "import FILE... (\"-\": stdin)";

/* Reads and checks the whole file into c; 0, or -1 after logging file:line and the reason. */
static int read_file(const char *path, struct exchange_reader *r, struct counters *c)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char err[512];
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int rc = -1;
    if (fp == NULL) {
        log_error("import failed file=%s error=\"%s\"", path, strerror(errno));
        return -1;
    }
    exchange_reader_init(r);
    while ((n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if ((size_t)n > LINE_MAX_BYTES) {
            log_error("import failed file=%s line=%lu error=\"line too long\"", path, lineno);
            goto out;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        if (exchange_read_line(r, line, (size_t)n, c, err, sizeof err) != 0) {
            char excerpt[1100]; /* err quotes the file's text (a type, a JSON error) */
            log_error("import failed file=%s line=%lu error=%s", path, lineno,
                      str_excerpt(excerpt, sizeof excerpt, err, strlen(err), sizeof err));
            goto out;
        }
    }
    if (ferror(fp)) {
        log_error("import failed file=%s error=\"read error\"", path);
        goto out;
    }
    if (exchange_read_end(r, err, sizeof err) != 0) {
        log_error("import failed file=%s error=\"%s\"", path, err);
        goto out;
    }
    rc = 0;
out:
    free(line);
    if (fp != stdin)
        fclose(fp);
    return rc;
}

/* A file from this host itself would count its sessions twice (as '' and as its name). */
static int is_own_name(const char *source)
{
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        return 0;
    size_t short_len = strcspn(host, ".");
    return strcmp(source, host) == 0 ||
           (strlen(source) == short_len && strncmp(source, host, short_len) == 0);
}

static int import_one(struct store *store, const char *path)
{
    struct exchange_reader r;
    struct counters c;
    char day[16];
    long long replaced = 0;
    int rc = -1;
    counters_init(&c);
    if (read_file(path, &r, &c) != 0)
        goto out;
    day_format(r.day_start, day);
    if (is_own_name(r.source)) {
        log_error("import failed file=%s source=%s error=\"that is this host's name; its own "
                  "counters are already here (give the exporting host a distinct name with "
                  "export --source)\"", path, r.source);
        goto out;
    }
    if (store_replace(store, &c, r.source, r.day_start, r.day_start + SECONDS_PER_DAY,
                      &replaced) != 0) {
        log_error("import failed file=%s source=%s day=%s error=\"database write failed\"", path,
                  r.source, day);
        goto out;
    }
    log_info("imported file=%s source=%s day=%s rows=%lld sessions=%lld details=%lld "
             "replaced_rows=%lld", path, r.source, day, r.rows, r.sessions, r.details, replaced);
    rc = 0;
out:
    counters_free(&c);
    return rc;
}

int cmd_import(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'h') {
            return cmd_help(usage_text);
        }
        return cmd_usage(usage_text, NULL);
    }
    if (optind >= argc)
        return cmd_usage(usage_text, "no file to import");

    int rc;
    struct db *db = cmd_open_db(cfg, &rc);
    if (db == NULL)
        return rc;
    struct store *store = store_new(db);
    int failed = 0, files = argc - optind;
    if (store == NULL) {
        db_close(db);
        return EXIT_ERROR;
    }
    for (int i = optind; i < argc; i++)
        failed += import_one(store, argv[i]) != 0;
    /* A file refused for its content needs an operator; one not stored because another
     * process held the database can be imported again later. */
    rc = failed ? cmd_db_error(db) : EXIT_OK;
    store_free(store);
    db_close(db);
    counters_thread_done();
    if (files > 1)
        log_info("import done files=%d failed=%d", files, failed);
    return rc;
}
