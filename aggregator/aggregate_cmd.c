/* `tlsrpt aggregate [--day YYYY-MM-DD] [--domain D] [--force | --changed]`: builds the
 * reports of one finished UTC day (--day), or without --day of yesterday (by --now) and of
 * every earlier day within retention that has counters and no current report (missed runs,
 * oldest first), and prunes what is older than retention_days. Reports whose counters
 * changed after they were built are logged and counted (`changed=`); --changed rebuilds
 * only them. Each day is one transaction (the first one also prunes): a day is either
 * wholly stored or not at all. (Policies, failure details and records no longer referenced
 * are deleted afterwards in a housekeeping transaction.)
 * Exit: 0 done (also when there was nothing to do), 1 configuration or database error, or
 * a report that could not be built; 2 bad arguments; 75 database busy (run again later). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "aggregator/aggregate.h"
#include "aggregator/build_pool.h"
#include "aggregator/missed_days.h"
#include "aggregator/report_options.h"
#include "aggregator/retention.h"
#include "cli/commands.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/domain.h"
#include "lib/log.h"

static const char usage_text[] =
    "aggregate [--day YYYY-MM-DD] [--domain DOMAIN] [--force | --changed]";

/* The ids of one run share a random nonce; under --now runs are reproducible instead. */
static uint64_t run_nonce(void)
{
    uint64_t n = 0;
    if (clock_is_fixed())
        return 0;
    if (getrandom(&n, sizeof n, 0) != (ssize_t)sizeof n)
        n = (uint64_t)clock_now() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
    return n;
}

static int busy(struct db *db)
{
    int rc = sqlite3_errcode(db_sqlite(db)) & 0xff;
    return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Retention deletes data for good: it goes by --now only when that is not in the future
 * (replays of the past), otherwise by the real clock, so a mistyped year prunes nothing
 * current. */
static time_t retention_now(time_t now)
{
    time_t real = clock_real();
    if (now <= real)
        return now;
    char n[32], r[32];
    log_warn("--now %s is in the future; retention prunes by the real clock (%s)",
             rfc3339_format(now, n), rfc3339_format(real, r));
    return real;
}

/* One day in its own transaction (the first also prunes): a long catch-up does not hold the
 * write lock for all days at once, and a day that fails does not undo the days before it.
 * *failed counts reports that could not be built. An exit status (EXIT_OK to go on). */
static int run_day(struct db *db, struct aggregate_params *p, time_t cutoff,
                   struct retention_result *pruned, unsigned long *failed)
{
    struct aggregate_stats st;
    char day[16];
    if (db_begin(db) != 0)
        return busy(db) ? EXIT_TEMPFAIL : EXIT_ERROR;
    if ((cutoff && retention_prune(db, cutoff, pruned) != 0) || aggregate_day(db, p, &st) != 0) {
        int tempfail = busy(db);
        db_rollback(db);
        log_error("aggregation rolled back; nothing was stored day=%s", day_format(p->day, day));
        return tempfail ? EXIT_TEMPFAIL : EXIT_ERROR;
    }
    if (db_commit(db) != 0) {
        int tempfail = busy(db);
        db_rollback(db);
        return tempfail ? EXIT_TEMPFAIL : EXIT_ERROR;
    }
    log_info("aggregated day=%s domains=%lu created=%lu existing=%lu not_reported=%lu "
             "trimmed=%lu failed=%lu changed=%lu",
             day_format(p->day, day), st.domains, st.created, st.existing, st.not_reported,
             st.trimmed, st.failed, st.changed);
    if (st.changed && !p->changed && !p->force)
        log_warn("reports older than their counters day=%s count=%lu; `tlsrpt aggregate --day "
                 "%s --changed` rebuilds them and `send` delivers the new reports",
                 day, st.changed, day);
    if (p->domain && st.domains == 0)
        log_info("no counted sessions day=%s domain=%s", day, p->domain);
    *failed += st.failed;
    return EXIT_OK;
}

/* The days of the run, oldest first: the missed days (finished, within retention, with
 * counters and no current report) before `day`, then `day` itself. */
static int run(struct db *db, const struct config *cfg, struct aggregate_params *p,
               int catch_up)
{
    struct retention_result pruned = {0};
    struct missed_days missed = {0};
    unsigned long failed = 0;
    time_t cutoff = retention_cutoff(retention_now(p->now), cfg->retention_days);
    time_t last = p->day;
    int rc = EXIT_OK;
    size_t done = 0;

    if (catch_up && missed_days_find(db, retention_cutoff(p->now, cfg->retention_days), last,
                                     p->domain, &missed) != 0) {
        missed_days_free(&missed);
        return busy(db) ? EXIT_TEMPFAIL : EXIT_ERROR;
    }
    char list[512];
    if (missed.count > 0)
        log_info("catching up days with counters and no report days=%s",
                 missed_days_format(&missed, ",", list, sizeof list));
    for (size_t i = 0; i <= missed.count && rc == EXIT_OK; i++) {
        p->day = i < missed.count ? missed.day[i] : last;
        rc = run_day(db, p, i == 0 ? cutoff : 0, &pruned, &failed);
        if (rc == EXIT_OK && i < missed.count)
            done++;
    }
    p->day = last;
    if (missed.count > 0) {
        size_t total = missed.count;
        missed.count = done;
        log_info("caught up count=%zu of=%zu days=%s", done, total,
                 done ? missed_days_format(&missed, ",", list, sizeof list) : "-");
    }
    missed_days_free(&missed);
    /* Housekeeping after the reports are safe: a failure here is retried by the next run
     * that prunes counters, and changes nothing that is reported. */
    if (pruned.counter_rows > 0 && retention_prune_orphans(db, &pruned) != 0)
        log_warn("unreferenced policies, details and records not pruned; the next run retries");
    if (rc != EXIT_OK)
        return rc;
    return failed ? EXIT_ERROR : EXIT_OK;
}

int cmd_aggregate(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", required_argument, NULL, 'd'}, {"domain", required_argument, NULL, 'D'},
        {"force", no_argument, NULL, 'f'},     {"changed", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    struct aggregate_params p = {0};
    char domain[DOMAIN_MAX], submitter[DOMAIN_MAX], err[512];
    int opt, have_day = 0;

    p.now = clock_now();
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (cmd_opt_day(usage_text, "--day", optarg, &p.day) != 0)
                return EXIT_USAGE;
            have_day = 1;
            break;
        case 'D':
            if (cmd_opt_domain(usage_text, "--domain", optarg, domain) != 0)
                return EXIT_USAGE;
            p.domain = domain;
            break;
        case 'f':
            p.force = 1;
            break;
        case 'c':
            p.changed = 1;
            break;
        case 'h':
            return cmd_help(usage_text);
        default:
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (p.force && p.changed)
        return cmd_usage(usage_text, "--force and --changed: choose one (--force rebuilds every "
                         "report, --changed those whose counters changed)");
    if (!have_day)
        p.day = day_floor(p.now) - SECONDS_PER_DAY;
    if (p.day + SECONDS_PER_DAY > p.now) {
        char d[16], now[32];
        return cmd_usage(usage_text, "--day: %s has not ended yet (now is %s)",
                         day_format(p.day, d), rfc3339_format(p.now, now));
    }
    if (p.day < retention_cutoff(p.now, cfg->retention_days))
        return cmd_usage(usage_text, "--day: older than retention_days (%ld): its counters are "
                         "no longer kept", cfg->retention_days);

    struct report_options ropt;
    if (report_options_load(cfg, &ropt, submitter, err, sizeof err) != 0) {
        log_error("%s", err);
        return EXIT_ERROR;
    }
    p.submitter = submitter;
    p.opt = &ropt;
    p.nonce = run_nonce();
    p.threads = build_pool_threads();

    int rc;
    struct db *db = cmd_open_db(cfg, &rc);
    if (db == NULL)
        return rc;
    rc = run(db, cfg, &p, !have_day);
    db_close(db);
    return rc;
}
