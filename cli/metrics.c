/* `tlsrpt metrics [--output FILE] [--hours N]`: the database's numbers in the Prometheus text
 * format, on stdout or written atomically to FILE (a temporary file in the same directory,
 * then rename: node_exporter's textfile collector never sees half a file).
 *
 * Counts are gauges over a window of the last N hours (default 24: the current UTC hour and
 * the 23 before), not counters: retention prunes old rows, so a total over the database would
 * go down, which Prometheus would read as a counter reset. Alert on them directly, e.g.
 * tlsrpt_sessions{result="failed"} / ignoring(result) sum(tlsrpt_sessions) > 0.1.
 *
 * The exceptions, which describe the database as it is now: the newest hour imported from
 * each source, reports by day and delivery state, deliveries by state.
 *
 * Each metric family is one function of the table `families`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/prom.h"
#include "collector/datagram.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"
#include "reporter/deliveries.h"

static const char usage_text[] = "metrics [--output FILE] [--hours N]";

struct metrics_window {
    time_t since, until; /* [since, until), whole hours */
    time_t now;
};

/* Writes one or more metric families; 0 or -1 on a database error. */
typedef int metrics_fn(struct db *db, const struct metrics_window *w, struct buf *out);

/* Runs sql (?1 since, ?2 until, when it uses them) and hands each row to fn; 0 or -1. */
static int each_row(struct db *db, const struct metrics_window *w, const char *sql,
                    void (*fn)(sqlite3_stmt *st, void *arg), void *arg)
{
    sqlite3_stmt *st = db_prepare(db, sql);
    int rc;
    if (st == NULL)
        return -1;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, w->since);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, w->until);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(st, arg);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* --- sessions by policy type and result ---------------------------------------------------- */
struct session_sums {
    long long ok[POLICY_TYPE_COUNT], failed[POLICY_TYPE_COUNT];
};

static void add_sessions(sqlite3_stmt *st, void *arg)
{
    struct session_sums *s = arg;
    const char *type = (const char *)sqlite3_column_text(st, 0);
    for (int i = 0; i < POLICY_TYPE_COUNT; i++) {
        if (strcmp(policy_types[i].name, type) == 0) {
            s->ok[i] += sqlite3_column_int64(st, 1);
            s->failed[i] += sqlite3_column_int64(st, 2);
        }
    }
}

static int metrics_sessions(struct db *db, const struct metrics_window *w, struct buf *out)
{
    struct session_sums s = {{0}, {0}};
    if (each_row(db, w,
                 "SELECT p.policy_type, sum(s.successful), sum(s.failed)"
                 " FROM session_counts s JOIN policies p ON p.id = s.policy_id"
                 " WHERE s.hour >= ?1 AND s.hour < ?2 GROUP BY 1",
                 add_sessions, &s) != 0)
        return -1;
    prom_family(out, "tlsrpt_sessions", "gauge",
                "TLS sessions counted in the window, by policy type and result (all sources).");
    for (int i = 0; i < POLICY_TYPE_COUNT; i++) {
        prom_sample(out, "tlsrpt_sessions", s.ok[i], "policy_type", policy_types[i].name,
                    "result", "successful", NULL);
        prom_sample(out, "tlsrpt_sessions", s.failed[i], "policy_type", policy_types[i].name,
                    "result", "failed", NULL);
    }
    return 0;
}

/* --- failure details by result type, and failing report domains ---------------------------------- */
static void add_failures(sqlite3_stmt *st, void *arg)
{
    long long *counts = arg;
    int code = result_type_code((const char *)sqlite3_column_text(st, 0));
    for (int i = 0; i < RESULT_TYPE_COUNT; i++)
        if (result_types[i].code == code)
            counts[i] += sqlite3_column_int64(st, 1);
}

static void take_two(sqlite3_stmt *st, void *arg)
{
    long long *v = arg;
    v[0] = sqlite3_column_int64(st, 0);
    v[1] = sqlite3_column_int64(st, 1);
}

static int metrics_failures(struct db *db, const struct metrics_window *w, struct buf *out)
{
    long long counts[RESULT_TYPE_COUNT] = {0}, domains[2] = {0, 0};
    if (each_row(db, w,
                 "SELECT d.result_type, sum(f.count) FROM failure_counts f"
                 " JOIN failure_details d ON d.id = f.detail_id"
                 " WHERE f.hour >= ?1 AND f.hour < ?2 GROUP BY 1",
                 add_failures, counts) != 0 ||
        each_row(db, w,
                 "SELECT count(*), coalesce(sum(failed > 0), 0) FROM"
                 " (SELECT report_domain, sum(failed) AS failed FROM session_counts"
                 "  WHERE hour >= ?1 AND hour < ?2 GROUP BY 1)",
                 take_two, domains) != 0)
        return -1;
    prom_family(out, "tlsrpt_failure_details", "gauge",
                "Failure details counted in the window, by RFC 8460 result type.");
    for (int i = 0; i < RESULT_TYPE_COUNT; i++)
        prom_sample(out, "tlsrpt_failure_details", counts[i], "result_type", result_types[i].name,
                    NULL);
    prom_family(out, "tlsrpt_report_domains", "gauge",
                "Report domains (d) with sessions in the window.");
    prom_sample(out, "tlsrpt_report_domains", domains[0], NULL);
    prom_family(out, "tlsrpt_report_domains_failing", "gauge",
                "Report domains (d) with at least one failed session in the window.");
    prom_sample(out, "tlsrpt_report_domains_failing", domains[1], NULL);
    return 0;
}

/* --- datagrams received and rejected by reason -------------------------------------------- */
struct outcomes {
    long long received, accepted, nodpv;
    struct buf other; /* samples for reasons outside datagram_reasons */
    long long reasons[32];
};

static void add_outcome(sqlite3_stmt *st, void *arg)
{
    struct outcomes *o = arg;
    const char *outcome = (const char *)sqlite3_column_text(st, 0);
    long long n = sqlite3_column_int64(st, 1);
    o->received += n;
    if (strcmp(outcome, "accepted") == 0) {
        o->accepted += n;
        o->nodpv += sqlite3_column_int64(st, 2);
        return;
    }
    for (int i = 0; datagram_reasons[i] != NULL && i < 32; i++) {
        if (strcmp(datagram_reasons[i], outcome) == 0) {
            o->reasons[i] += n;
            return;
        }
    }
    prom_sample(&o->other, "tlsrpt_datagrams_rejected", n, "reason", outcome, NULL);
}

static int metrics_datagrams(struct db *db, const struct metrics_window *w, struct buf *out)
{
    struct outcomes o;
    memset(&o, 0, sizeof o);
    if (each_row(db, w,
                 "SELECT outcome, sum(count), sum(nodpv) FROM datagram_counts"
                 " WHERE hour >= ?1 AND hour < ?2 GROUP BY 1",
                 add_outcome, &o) != 0) {
        buf_free(&o.other);
        return -1;
    }
    prom_family(out, "tlsrpt_datagrams_received", "gauge",
                "Datagrams the collector received in the window (accepted or rejected).");
    prom_sample(out, "tlsrpt_datagrams_received", o.received, NULL);
    prom_family(out, "tlsrpt_datagrams_accepted", "gauge",
                "Datagrams the collector accepted and counted in the window.");
    prom_sample(out, "tlsrpt_datagrams_accepted", o.accepted, NULL);
    prom_family(out, "tlsrpt_datagrams_nodpv", "gauge",
                "Accepted datagrams without dpv (libtlsrpt before 0.5.0), read as version 1.");
    prom_sample(out, "tlsrpt_datagrams_nodpv", o.nodpv, NULL);
    prom_family(out, "tlsrpt_datagrams_rejected", "gauge",
                "Datagrams the collector rejected in the window, by reason.");
    for (int i = 0; datagram_reasons[i] != NULL && i < 32; i++)
        prom_sample(out, "tlsrpt_datagrams_rejected", o.reasons[i], "reason", datagram_reasons[i],
                    NULL);
    if (o.other.len)
        buf_append(out, o.other.data, o.other.len);
    buf_free(&o.other);
    return 0;
}

/* --- several MTA hosts: the newest hour each imported source has counters for ------------- */
static void add_import(sqlite3_stmt *st, void *arg)
{
    struct buf *out = arg;
    prom_sample(out, "tlsrpt_import_last_hour_timestamp_seconds", sqlite3_column_int64(st, 1),
                "source", (const char *)sqlite3_column_text(st, 0), NULL);
}

static int metrics_imports(struct db *db, const struct metrics_window *w, struct buf *out)
{
    prom_family(out, "tlsrpt_import_last_hour_timestamp_seconds", "gauge",
                "Start of the newest hour with counters imported from each source host "
                "(whole database, not only the window).");
    return each_row(db, w,
                    "SELECT source, max(hour) FROM session_counts WHERE source <> ''"
                    " GROUP BY 1 ORDER BY 1",
                    add_import, out);
}

/* --- reports by day and delivery state, deliveries by state (whole database) -------------- */
#define NSTATES 8 /* room for deliveries_report_states and deliveries_states */

static int state_index(const char *const *names, const char *state)
{
    for (int i = 0; names[i] != NULL && i < NSTATES; i++)
        if (strcmp(names[i], state) == 0)
            return i;
    return -1;
}

/* Rows (day, state, count) ordered by day; one sample per state of each day, zeros too. */
struct report_days {
    struct buf *out;
    char day[16];
    long long n[NSTATES];
};

static void flush_day(struct report_days *r)
{
    if (r->day[0] == '\0')
        return;
    for (int i = 0; deliveries_report_states[i] != NULL && i < NSTATES; i++)
        prom_sample(r->out, "tlsrpt_reports", r->n[i], "day", r->day, "state",
                    deliveries_report_states[i], NULL);
    memset(r->n, 0, sizeof r->n);
}

static void add_report_day(sqlite3_stmt *st, void *arg)
{
    struct report_days *r = arg;
    const char *day = (const char *)sqlite3_column_text(st, 0);
    if (strcmp(day, r->day) != 0) {
        flush_day(r);
        snprintf(r->day, sizeof r->day, "%s", day);
    }
    int i = state_index(deliveries_report_states, (const char *)sqlite3_column_text(st, 1));
    if (i >= 0)
        r->n[i] += sqlite3_column_int64(st, 2);
}

static int metrics_reports(struct db *db, const struct metrics_window *w, struct buf *out)
{
    struct report_days r = {out, "", {0}};
    prom_family(out, "tlsrpt_reports", "gauge",
                "Current (newest-generation) reports of each day still kept, by delivery state "
                "(whole database, not only the window).");
    if (each_row(db, w,
                 "SELECT day, state, count(*) FROM report_states WHERE superseded = 0"
                 " GROUP BY 1, 2 ORDER BY 1",
                 add_report_day, &r) != 0)
        return -1;
    flush_day(&r);
    return 0;
}

static void add_delivery_state(sqlite3_stmt *st, void *arg)
{
    long long *n = arg;
    int i = state_index(deliveries_states, (const char *)sqlite3_column_text(st, 0));
    if (i >= 0)
        n[i] += sqlite3_column_int64(st, 1);
}

static int metrics_deliveries(struct db *db, const struct metrics_window *w, struct buf *out)
{
    long long n[NSTATES] = {0};
    if (each_row(db, w,
                 "SELECT d.state, count(*) FROM deliveries d"
                 " JOIN reports r ON r.report_id = d.report_id WHERE r.superseded = 0 GROUP BY 1",
                 add_delivery_state, n) != 0)
        return -1;
    prom_family(out, "tlsrpt_deliveries", "gauge",
                "Deliveries of the current reports (one per report and rua; a report's record "
                "lookup until it finds the rua, or no-record) by state (whole database).");
    for (int i = 0; deliveries_states[i] != NULL && i < NSTATES; i++)
        prom_sample(out, "tlsrpt_deliveries", n[i], "state", deliveries_states[i], NULL);
    return 0;
}

/* --- the table of families ------------------------------------------------------------------- */
static metrics_fn *const families[] = {
    metrics_sessions,
    metrics_failures,
    metrics_datagrams,
    metrics_imports,
    metrics_reports,
    metrics_deliveries,
};

static int metrics_build(struct db *db, const struct metrics_window *w, struct buf *out)
{
    prom_family(out, "tlsrpt_window_seconds", "gauge",
                "Length of the window the tlsrpt gauges count over, ending with the current hour.");
    prom_sample(out, "tlsrpt_window_seconds", (long long)(w->until - w->since), NULL);
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (families[i](db, w, out) != 0)
            return -1;
    prom_family(out, "tlsrpt_metrics_timestamp_seconds", "gauge",
                "When these metrics were computed.");
    prom_sample(out, "tlsrpt_metrics_timestamp_seconds", (long long)w->now, NULL);
    return 0;
}

/* Writes data to path through a temporary file in the same directory and rename(2). */
static int write_atomic(const char *path, const char *data, size_t len)
{
    struct buf tmp = BUF_INIT;
    buf_printf(&tmp, "%s.tmp.XXXXXX", path); /* not *.prom: node_exporter skips it */
    int fd = mkstemp(tmp.data);
    if (fd < 0) {
        log_error("cannot create a temporary file next to %s error=\"%m\"", path);
        buf_free(&tmp);
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    int ok = done == len && fchmod(fd, 0644) == 0 && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp.data, path) != 0) {
        log_error("cannot write metrics file=%s error=\"%m\"", path);
        unlink(tmp.data);
        buf_free(&tmp);
        return -1;
    }
    buf_free(&tmp);
    return 0;
}

int cmd_metrics(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"hours", required_argument, NULL, 'H'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    const char *output = NULL;
    long hours = 24;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'o') {
            output = optarg;
        } else if (opt == 'H') {
            char *end;
            hours = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end || hours < 1 || hours > 24 * 366)
                return cmd_usage(usage_text, "--hours: \"%s\" is not 1 to 8784", optarg);
        } else if (opt == 'h') {
            return cmd_help(usage_text);
        } else {
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);

    struct metrics_window w;
    w.now = clock_now();
    w.until = hour_floor(w.now) + SECONDS_PER_HOUR;
    w.since = w.until - hours * SECONDS_PER_HOUR;

    struct db *db = cmd_open_db(cfg);
    if (db == NULL)
        return EXIT_ERROR;
    struct buf out = BUF_INIT;
    int rc = metrics_build(db, &w, &out);
    db_close(db);
    if (rc != 0) {
        log_error("cannot read metrics: database error");
        buf_free(&out);
        return EXIT_ERROR;
    }
    if (output == NULL) {
        rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : -1;
    } else {
        rc = write_atomic(output, out.data, out.len);
    }
    buf_free(&out);
    return rc == 0 ? EXIT_OK : EXIT_ERROR;
}
