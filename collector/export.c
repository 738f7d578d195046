/* `tlsrpt export --day D [--source NAME] [--no-gzip]`: this host's counters of one UTC day on
 * stdout in the compact format (collector/compact.h), gzip-compressed unless --no-gzip, for
 * `tlsrpt import` on the reporting host. Only the local collector's counters (source '') are
 * exported, labelled NAME (default: the host name). Datagram counts stay local: they describe
 * this collector, not the sessions.
 * The session and failure rows are read in the same key order (report domain, record, policy)
 * and merged, so each key is written once with its hours below it; a record, policy or
 * failure detail is written the first time a row uses it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/commands.h"
#include "collector/compact.h"
#include "collector/exchange.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"

static const char usage_text[] = "export --day YYYY-MM-DD [--source NAME] [--no-gzip]";

#define FLUSH_BYTES (256u << 10)
#define GZIP_MODE "wb6" /* zlib's default level: a 100,000-domain day in ~1/10 of its size */

static const char sessions_sql[] =
    "SELECT report_domain, record_id, policy_id, hour, successful, failed FROM session_counts"
    " WHERE source = '' AND hour >= ?1 AND hour < ?2 ORDER BY 1, 2, 3, 4";
static const char failures_sql[] =
    "SELECT report_domain, record_id, policy_id, hour, detail_id, count FROM failure_counts"
    " WHERE source = '' AND hour >= ?1 AND hour < ?2 ORDER BY 1, 2, 3, 4, 5";
static const char record_sql[] = "SELECT record FROM tlsrpt_records WHERE id = ?1";
static const char policy_sql[] =
    "SELECT policy_type, policy_domain, policy_strings, mx_hosts FROM policies WHERE id = ?1";
static const char detail_sql[] =
    "SELECT result_type, sending_mta_ip, receiving_mx_hostname, receiving_mx_helo,"
    " receiving_ip, additional_information, failure_reason_code FROM failure_details"
    " WHERE id = ?1";

/* Database id -> number in the file (open addressing; 0 = empty slot). */
struct id_numbers {
    int64_t *ids;
    size_t *numbers; /* number + 1 */
    size_t cap, count;
};

static size_t *id_slot(struct id_numbers *m, int64_t id)
{
    if (2 * (m->count + 1) > m->cap) {
        struct id_numbers old = *m;
        m->cap = m->cap ? m->cap * 2 : 4096;
        m->ids = xcalloc(m->cap, sizeof *m->ids);
        m->numbers = xcalloc(m->cap, sizeof *m->numbers);
        for (size_t i = 0; i < old.cap; i++)
            if (old.numbers[i])
                *id_slot(m, old.ids[i]) = old.numbers[i];
        free(old.ids);
        free(old.numbers);
    }
    size_t i = ((uint64_t)id * 0x9E3779B97F4A7C15ull) & (m->cap - 1);
    while (m->numbers[i] && m->ids[i] != id)
        i = (i + 1) & (m->cap - 1);
    m->ids[i] = id;
    return &m->numbers[i];
}

struct exporter {
    struct db *db;
    sqlite3_stmt *sessions, *failures, *record, *policy, *detail;
    struct id_numbers records, policies, details;
    struct buf out;
    gzFile gz;
    time_t day;
    long long s_lines, f_lines, sessions_sum, detail_sum;
};

static const char *col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? s : "";
}

static int flush_out(struct exporter *x, size_t min)
{
    if (x->out.len < min || x->out.len == 0)
        return 0;
    int rc = gzwrite(x->gz, x->out.data, (unsigned)x->out.len) == (int)x->out.len ? 0 : -1;
    buf_reset(&x->out);
    return rc;
}

/* Runs a lookup by id; its row stays readable until the next reset. */
static int lookup(sqlite3_stmt *st, int64_t id)
{
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    return sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
}

/* The file number of a record, policy or detail, written first when this is its first use. */
static int number_of(struct exporter *x, char kind, int64_t id, size_t *number)
{
    struct id_numbers *m = kind == 'r' ? &x->records : kind == 'p' ? &x->policies : &x->details;
    size_t *slot = id_slot(m, id);
    if (*slot) {
        *number = *slot - 1;
        return 0;
    }
    if (kind == 'r') {
        if (lookup(x->record, id) != 0)
            return -1;
        compact_put_record(&x->out, col(x->record, 0));
    } else if (kind == 'p') {
        if (lookup(x->policy, id) != 0 ||
            compact_put_policy(&x->out, col(x->policy, 0), col(x->policy, 1), col(x->policy, 2),
                               col(x->policy, 3)) != 0)
            return -1;
    } else {
        const char *field[DF_COUNT];
        if (lookup(x->detail, id) != 0)
            return -1;
        for (int f = 0; f < DF_COUNT; f++)
            field[f] = col(x->detail, 1 + f);
        compact_put_detail(&x->out, col(x->detail, 0), field);
    }
    *slot = ++m->count;
    *number = m->count - 1;
    return 0;
}

/* Row st's key compared with (domain, record_id, policy_id). */
static int key_cmp(sqlite3_stmt *st, const char *domain, int64_t record_id, int64_t policy_id)
{
    int c = strcmp(col(st, 0), domain);
    if (c != 0)
        return c;
    int64_t r = sqlite3_column_int64(st, 1), p = sqlite3_column_int64(st, 2);
    if (r != record_id)
        return r < record_id ? -1 : 1;
    return p == policy_id ? 0 : p < policy_id ? -1 : 1;
}

/* The hour of row st as 0-23 of the day; -1 when it is not the start of one. */
static int hour_of(const struct exporter *x, sqlite3_stmt *st)
{
    int64_t h = sqlite3_column_int64(st, 3) - x->day;
    return h >= 0 && h < SECONDS_PER_DAY && h % SECONDS_PER_HOUR == 0 ? (int)(h / SECONDS_PER_HOUR)
                                                                       : -1;
}

static int export_rows(struct exporter *x)
{
    struct buf domain = BUF_INIT;
    int ss = sqlite3_step(x->sessions), fs = sqlite3_step(x->failures), rc = -1;
    while (ss == SQLITE_ROW || fs == SQLITE_ROW) {
        /* The next key is the smaller of the two rows' keys. */
        sqlite3_stmt *from = x->sessions;
        if (ss != SQLITE_ROW ||
            (fs == SQLITE_ROW && key_cmp(x->failures, col(x->sessions, 0),
                                         sqlite3_column_int64(x->sessions, 1),
                                         sqlite3_column_int64(x->sessions, 2)) < 0))
            from = x->failures;
        int64_t record_id = sqlite3_column_int64(from, 1), policy_id = sqlite3_column_int64(from, 2);
        size_t rn, pn;
        buf_reset(&domain);
        buf_puts(&domain, col(from, 0));
        if (number_of(x, 'r', record_id, &rn) != 0 || number_of(x, 'p', policy_id, &pn) != 0)
            goto out;
        compact_put_key(&x->out, rn, pn, domain.data);
        for (; ss == SQLITE_ROW && key_cmp(x->sessions, domain.data, record_id, policy_id) == 0;
             ss = sqlite3_step(x->sessions)) {
            int h = hour_of(x, x->sessions);
            long long ok = sqlite3_column_int64(x->sessions, 4);
            long long failed = sqlite3_column_int64(x->sessions, 5);
            if (h < 0)
                goto out;
            compact_put_sessions(&x->out, h, ok, failed);
            x->s_lines++;
            x->sessions_sum += ok + failed;
        }
        for (; fs == SQLITE_ROW && key_cmp(x->failures, domain.data, record_id, policy_id) == 0;
             fs = sqlite3_step(x->failures)) {
            int h = hour_of(x, x->failures);
            size_t dn;
            if (h < 0 || number_of(x, 'd', sqlite3_column_int64(x->failures, 4), &dn) != 0)
                goto out;
            long long n = sqlite3_column_int64(x->failures, 5);
            compact_put_failures(&x->out, h, dn, n);
            x->f_lines++;
            x->detail_sum += n;
        }
        if (flush_out(x, FLUSH_BYTES) != 0)
            goto out;
    }
    rc = ss == SQLITE_DONE && fs == SQLITE_DONE ? 0 : -1;
out:
    buf_free(&domain);
    return rc;
}

static void exporter_free(struct exporter *x)
{
    sqlite3_finalize(x->sessions);
    sqlite3_finalize(x->failures);
    sqlite3_finalize(x->record);
    sqlite3_finalize(x->policy);
    sqlite3_finalize(x->detail);
    struct id_numbers *maps[] = {&x->records, &x->policies, &x->details};
    for (size_t i = 0; i < 3; i++) {
        free(maps[i]->ids);
        free(maps[i]->numbers);
    }
    buf_free(&x->out);
}

int cmd_export(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"day", required_argument, NULL, 'd'},
                                         {"source", required_argument, NULL, 's'},
                                         {"no-gzip", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    char host[256] = "";
    const char *source = NULL;
    time_t day = -1;
    int opt, gzip = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'd') {
            if (cmd_opt_day(usage_text, "--day", optarg, &day) != 0)
                return EXIT_USAGE;
        } else if (opt == 's') {
            source = optarg;
        } else if (opt == 'n') {
            gzip = 0;
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

    int rc;
    struct db *db = cmd_open_db_readonly(cfg, &rc);
    if (db == NULL)
        return rc;
    struct exporter x = {.db = db, .day = day};
    int fd = -1;
    rc = EXIT_ERROR;
    char d[16];
    char *header = NULL;
    x.sessions = db_prepare(db, sessions_sql);
    x.failures = db_prepare(db, failures_sql);
    x.record = db_prepare(db, record_sql);
    x.policy = db_prepare(db, policy_sql);
    x.detail = db_prepare(db, detail_sql);
    /* One read transaction: the collector may commit meanwhile; the export stays consistent. */
    if (!x.sessions || !x.failures || !x.record || !x.policy || !x.detail ||
        db_exec(db, "BEGIN") != 0)
        goto out;
    fd = dup(STDOUT_FILENO);
    x.gz = fd < 0 ? NULL : gzdopen(fd, gzip ? GZIP_MODE : "wT");
    if (x.gz == NULL) {
        if (fd >= 0)
            close(fd);
        log_error("cannot write the export: cannot open stdout");
        goto out;
    }
    gzbuffer(x.gz, FLUSH_BYTES);
    header = exchange_header_line(EXCHANGE_VERSION_COMPACT, source, day, clock_now());
    if (header == NULL)
        goto out_write;
    buf_puts(&x.out, header);
    buf_putc(&x.out, '\n');
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = i ? x.failures : x.sessions;
        sqlite3_bind_int64(st, 1, day);
        sqlite3_bind_int64(st, 2, day + SECONDS_PER_DAY);
    }
    if (export_rows(&x) != 0) {
        log_error("cannot read counters: %s", db_errmsg(db));
        rc = cmd_db_error(db);
        goto out;
    }
    compact_put_end(&x.out, x.s_lines, x.f_lines, x.sessions_sum, x.detail_sum);
    if (flush_out(&x, 0) != 0)
        goto out_write;
    int zrc = gzclose(x.gz);
    x.gz = NULL;
    if (zrc != Z_OK)
        goto out_write;
    log_info("exported day=%s source=%s rows=%lld details=%lld sessions=%lld", day_format(day, d),
             source, x.s_lines, x.f_lines, x.sessions_sum);
    rc = EXIT_OK;
    goto out;
out_write:
    log_error("cannot write the export: write error");
out:
    free(header);
    if (x.gz != NULL)
        gzclose(x.gz);
    exporter_free(&x);
    db_rollback(db);
    db_close(db);
    return rc;
}
