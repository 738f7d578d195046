/* `tlsrpt import [--source NAME] FILE...`: merges other hosts' exports (collector/exchange.h,
 * collector/compact.h) into this database under the exporting host's name (or NAME). A file
 * may be gzip-compressed or not (zlib tells by its first bytes) and in either format (its
 * header says which); "-" reads stdin (ssh pipes).
 * Each file is streamed into one transaction that first deletes that source's counters of
 * that day, so importing the same source and day again replaces them, never doubles them;
 * a file that turns out bad or truncated is rolled back whole. Memory stays bounded whatever
 * the file's size: rows go to SQLite as they are read (its page cache is bounded); what is
 * kept is one database id per record, policy and failure detail a compact file defines. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/commands.h"
#include "collector/compact.h"
#include "collector/counters.h"
#include "collector/exchange.h"
#include "collector/store.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"

#define LINE_MAX_BYTES (64u << 20) /* one line; a policy of 200 mx lines is ~30 KB */
#define READ_BYTES (256u << 10)
#define BATCH_KEYS 20000           /* version 1: counters kept before they go to SQLite */
#define IMPORT_CACHE "PRAGMA cache_size = -32768" /* 32 MiB of SQLite pages */

static const char usage_text[] = "import [--source NAME] FILE... (\"-\": stdin)";

/* --- lines from a file, gzip-compressed or not ------------------------------------------- */
struct line_reader {
    gzFile gz;
    char *data;
    size_t start, len, cap; /* unread bytes: data[start, len) */
    int eof, error;
    unsigned long lineno;
};

static int lines_open(struct line_reader *lr, const char *path)
{
    memset(lr, 0, sizeof *lr);
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    lr->gz = gzdopen(fd, "rb"); /* reads a file without the gzip magic as it is */
    if (lr->gz == NULL) {
        close(fd);
        return -1;
    }
    gzbuffer(lr->gz, READ_BYTES);
    return 0;
}

static void lines_close(struct line_reader *lr)
{
    if (lr->gz != NULL)
        gzclose(lr->gz);
    free(lr->data);
}

/* The next line without its line end in *line, *n; 1, or 0 at the end, -1 on an error
 * (lr->error: 1 read error, 2 line too long). */
static int lines_next(struct line_reader *lr, char **line, size_t *n)
{
    for (;;) {
        char *nl = lr->data ? memchr(lr->data + lr->start, '\n', lr->len - lr->start) : NULL;
        if (nl != NULL || (lr->eof && lr->len > lr->start)) {
            char *s = lr->data + lr->start;
            size_t end = nl ? (size_t)(nl - lr->data) : lr->len;
            lr->start = nl ? end + 1 : lr->len;
            lr->lineno++;
            *line = s;
            *n = end - (size_t)(s - lr->data);
            while (*n > 0 && s[*n - 1] == '\r')
                (*n)--;
            return 1;
        }
        if (lr->eof)
            return 0;
        if (lr->len - lr->start > LINE_MAX_BYTES) {
            lr->error = 2;
            return -1;
        }
        if (lr->start > 0) { /* keep the partial line, drop what was read */
            memmove(lr->data, lr->data + lr->start, lr->len - lr->start);
            lr->len -= lr->start;
            lr->start = 0;
        }
        if (lr->cap - lr->len < READ_BYTES) {
            lr->cap = lr->cap ? lr->cap * 2 : 2 * READ_BYTES;
            lr->data = xrealloc(lr->data, lr->cap);
        }
        int got = gzread(lr->gz, lr->data + lr->len, READ_BYTES), zerr = Z_OK;
        if (got == 0)
            gzerror(lr->gz, &zerr); /* a stream cut short ends without its trailer */
        if (got < 0 || zerr != Z_OK) {
            lr->error = 1;
            return -1;
        }
        lr->len += (size_t)got;
        if (got == 0)
            lr->eof = 1;
    }
}

/* --- one file ---------------------------------------------------------------------------- */
struct import {
    struct store *store;
    const char *path;
    const char *source;           /* stored under */
    struct exchange_reader r;
    /* version 1 */
    struct counters batch;
    /* version 2: database ids of the file's numbered definitions, and the current key */
    struct compact_reader cr;
    int64_t *ids[3];              /* records, policies, details */
    size_t ids_cap[3];
    struct buf key_domain;
    int64_t key_record, key_policy;
};

static void set_id(struct import *im, int kind, size_t index, int64_t id)
{
    if (index >= im->ids_cap[kind]) {
        im->ids_cap[kind] = im->ids_cap[kind] ? im->ids_cap[kind] * 2 : 4096;
        im->ids[kind] = xrealloc(im->ids[kind], im->ids_cap[kind] * sizeof *im->ids[kind]);
    }
    im->ids[kind][index] = id;
}

/* Stores what one compact line says. */
static int apply(struct import *im, const struct compact_event *ev)
{
    struct store *s = im->store;
    int64_t id;
    switch (ev->kind) {
    case COMPACT_RECORD:
        if (store_record_id(s, ev->record, &id) != 0)
            return -1;
        set_id(im, 0, ev->index, id);
        return 0;
    case COMPACT_POLICY:
        if (store_policy_id(s, ev->policy.type, ev->policy.domain, ev->policy.strings_json,
                            ev->policy.mx_json, &id) != 0)
            return -1;
        set_id(im, 1, ev->index, id);
        return 0;
    case COMPACT_DETAIL:
        if (store_detail_id(s, ev->result_type, ev->field, &id) != 0)
            return -1;
        set_id(im, 2, ev->index, id);
        return 0;
    case COMPACT_KEY:
        buf_reset(&im->key_domain);
        buf_puts(&im->key_domain, ev->report_domain);
        im->key_record = im->ids[0][ev->record_index];
        im->key_policy = im->ids[1][ev->policy_index];
        return 0;
    case COMPACT_SESSIONS:
        return store_add_sessions(s, ev->hour, im->key_domain.data, im->key_record,
                                  im->key_policy, im->source, ev->successful, ev->failed);
    case COMPACT_FAILURES:
        return store_add_failures(s, ev->hour, im->key_domain.data, im->key_record,
                                  im->key_policy, im->ids[2][ev->detail_index], im->source,
                                  ev->count);
    case COMPACT_END:
        return 0;
    }
    return -1;
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

/* After the header: checks the source, opens the transaction and deletes what it replaces. */
static int begin(struct import *im, const char *source_override, long long *replaced)
{
    char day[16];
    im->source = source_override ? source_override : im->r.source;
    day_format(im->r.day_start, day);
    if (is_own_name(im->source)) {
        log_error("import failed file=%s source=%s error=\"that is this host's name; its own "
                  "counters are already here (give the exporting host a distinct name with "
                  "export --source)\"", im->path, im->source);
        return -1;
    }
    if (store_import_begin(im->store, im->source, im->r.day_start,
                           im->r.day_start + SECONDS_PER_DAY, replaced) != 0) {
        log_error("import failed file=%s source=%s day=%s error=\"database write failed\"",
                  im->path, im->source, day);
        return -1;
    }
    compact_reader_init(&im->cr, &im->r);
    return 0;
}

/* One line after the header. 0, 1 when the database failed (logged), -1 with err. */
static int import_line(struct import *im, const char *line, size_t n, char *err, size_t errsize)
{
    if (im->r.version == EXCHANGE_VERSION_JSONL) {
        if (exchange_read_line(&im->r, line, n, &im->batch, err, errsize) != 0)
            return -1;
        if (im->batch.sessions.count + im->batch.details.count >= BATCH_KEYS) {
            if (store_add_batch(im->store, &im->batch, im->source) != 0)
                return 1;
            counters_free(&im->batch);
            counters_init(&im->batch);
        }
        return 0;
    }
    struct compact_event ev;
    if (compact_read_line(&im->cr, line, n, &ev, err, errsize) != 0)
        return -1;
    int rc = apply(im, &ev) != 0 ? 1 : 0;
    compact_event_free(&ev);
    return rc;
}

static int import_one(struct store *store, const char *path, const char *source_override)
{
    struct import im = {.store = store, .path = path, .key_domain = BUF_INIT};
    struct line_reader lr;
    char err[512], excerpt[1100], day[16];
    char *line;
    size_t n;
    long long replaced = 0;
    int rc = -1, open_tx = 0, got;

    exchange_reader_init(&im.r);
    counters_init(&im.batch);
    if (lines_open(&lr, path) != 0) {
        log_error("import failed file=%s error=\"%s\"", path, strerror(errno));
        return -1;
    }
    while ((got = lines_next(&lr, &line, &n)) == 1) {
        if (n == 0)
            continue;
        int lrc;
        if (!im.r.have_header) {
            lrc = exchange_read_line(&im.r, line, n, &im.batch, err, sizeof err);
            if (lrc == 0) {
                if (begin(&im, source_override, &replaced) != 0)
                    goto out;
                open_tx = 1;
            }
        } else {
            lrc = import_line(&im, line, n, err, sizeof err);
        }
        if (lrc > 0)
            goto out;
        if (lrc < 0) { /* err quotes the file's text (a type, a JSON error) */
            log_error("import failed file=%s line=%lu error=%s", path, lr.lineno,
                      str_excerpt(excerpt, sizeof excerpt, err, strlen(err), sizeof err));
            goto out;
        }
    }
    if (got < 0) {
        log_error("import failed file=%s line=%lu error=\"%s\"", path, lr.lineno + 1,
                  lr.error == 2 ? "line too long" : "read error (a damaged gzip stream?)");
        goto out;
    }
    if (exchange_read_end(&im.r, err, sizeof err) != 0) {
        log_error("import failed file=%s error=\"%s\"", path, err);
        goto out;
    }
    if (store_add_batch(store, &im.batch, im.source) != 0 || store_import_commit(store) != 0) {
        open_tx = 0; /* rolled back */
        log_error("import failed file=%s source=%s error=\"database write failed\"", path,
                  im.source);
        goto out;
    }
    open_tx = 0;
    log_info("imported file=%s source=%s day=%s format=%s rows=%lld sessions=%lld details=%lld "
             "replaced_rows=%lld", path, im.source, day_format(im.r.day_start, day),
             im.r.version == EXCHANGE_VERSION_JSONL ? "jsonl" : "compact", im.r.rows,
             im.r.sessions, im.r.details, replaced);
    rc = 0;
out:
    if (open_tx)
        store_import_abort(store);
    lines_close(&lr);
    counters_free(&im.batch);
    for (int i = 0; i < 3; i++)
        free(im.ids[i]);
    buf_free(&im.key_domain);
    return rc;
}

int cmd_import(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"source", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *source = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 's')
            source = optarg;
        else if (opt == 'h')
            return cmd_help(usage_text);
        else
            return cmd_usage(usage_text, NULL);
    }
    if (optind >= argc)
        return cmd_usage(usage_text, "no file to import");
    if (source != NULL && exchange_source_valid(source) != 0)
        return cmd_usage(usage_text, "--source: \"%s\" is not a host name (letters, digits, "
                                     "'.', '-', '_')", source);

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
    db_exec(db, IMPORT_CACHE);
    for (int i = optind; i < argc; i++)
        failed += import_one(store, argv[i], source) != 0;
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
