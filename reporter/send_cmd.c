/* `tlsrpt send [--day D] [--domain D] [--report-id ID] [--dry-run] [--check]`: delivers every
 * current report (newest generation) that has a delivery due: looks up _smtp._tls.<domain>,
 * records what the record lists, and attempts each due destination, `concurrency` reports
 * at a time (threads sharing one database handle under a lock; the network work happens
 * outside it). Exit 0 when every due delivery was attempted (deferred retries included),
 * 75 when the run could not do its work (database trouble, every DNS lookup failed), 1 on
 * configuration errors (among them: no usable DKIM key while mail reports are due), 75 also
 * when SIGINT/SIGTERM stopped it (send_stop.h). Every claim and every outcome reads the
 * clock (a run may last hours); a claim holds for deliver_lease_seconds() and its token
 * decides whose outcome is recorded. On a terminal it shows its progress (count and rate);
 * the summary line is always logged. */
#include <curl/curl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/progress.h"
#include "reporter/deliver.h"
#include "reporter/deliveries.h"
#include "reporter/dkim.h"
#include "reporter/dns.h"
#include "reporter/outbox.h"
#include "reporter/rua.h"
#include "reporter/send.h"
#include "reporter/send_stop.h"

static const char usage_text[] =
    "send [--day YYYY-MM-DD] [--domain D] [--report-id ID] [--dry-run | --wait] [--check]";

struct run {
    const struct config *cfg;
    struct db *db;
    pthread_mutex_t lock; /* the database handle and the counters below */
    struct report_item *reports;
    size_t nreports, next;
    struct dkim_signer *signer;
    time_t now; /* the run's start: which reports are due; every claim and outcome reads the clock */
    int dry_run;
    /* outcome counters, under lock */
    unsigned long lookups, lookup_tempfail, no_record, sent, deferred, failed, gave_up,
        skipped_nokey, db_errors, released, claims_lost;
    double sign_seconds, net_seconds;
    struct progress *progress; /* count and rate on a terminal (lib/progress.h) */
};

static void log_outcome(const struct report_item *r, const char *rua, const char *transport,
                        const char *state, const struct attempt_result *res, time_t next)
{
    char ts[32];
    if (strcmp(state, "sent") == 0)
        log_info("report sent domain=%s rua=%s id=%s via=%s reply=\"%s\"", r->policy_domain, rua,
                 r->report_id, transport, res->reply);
    else if (strcmp(state, "retrying") == 0)
        log_warn("delivery deferred domain=%s rua=%s id=%s via=%s retry_at=%s error=\"%s\"",
                 r->policy_domain, rua, r->report_id, transport, rfc3339_format(next, ts),
                 res->reply);
    else
        log_warn("delivery %s domain=%s rua=%s id=%s via=%s error=\"%s\"", state,
                 r->policy_domain, rua, r->report_id, transport, res->reply);
}

/* Counts a recorded outcome (under lock). */
static void count_state(struct run *run, const char *state)
{
    if (strcmp(state, "sent") == 0)
        run->sent++;
    else if (strcmp(state, "retrying") == 0)
        run->deferred++;
    else if (strcmp(state, "failed") == 0)
        run->failed++;
    else
        run->gave_up++;
}

/* The claim ran out and another run holds the row now: its outcome stands, not ours. */
static void log_claim_lost(const struct report_item *r, const char *rua, const char *state)
{
    log_warn("delivery outcome dropped domain=%s rua=%s id=%s outcome=%s reason=\"the claim "
             "expired and another run claimed the delivery since\"",
             r->policy_domain, rua, r->report_id, state);
}

/* The lookup failed temporarily: every due row of the report counts one failed attempt. */
static void defer_all(struct run *run, struct deliver_ctx *ctx, const struct report_item *r,
                      const char *why)
{
    struct due_row *rows;
    size_t n;
    struct attempt_result res;
    attempt_set(&res, OUTCOME_TEMPFAIL, "DNS lookup of _smtp._tls.%s failed: %s",
                r->policy_domain, why);
    pthread_mutex_lock(&run->lock);
    run->lookup_tempfail++;
    if (deliveries_due_rows(run->db, r->report_id, clock_now(), &rows, &n) != 0) {
        run->db_errors++;
        pthread_mutex_unlock(&run->lock);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        time_t next = 0, now = clock_now();
        const char *state = NULL;
        long long token = 0;
        int claimed = deliveries_attempt_begin(run->db, rows[i].id, now,
                                               deliver_lease_seconds(ctx), &token);
        if (claimed == 0)
            continue; /* another run has it */
        int rc = claimed < 0 ? -1
                             : deliveries_attempt_end(run->db, rows[i].id, token, now, run->cfg,
                                                      &res, "dns", &state, &next);
        if (rc < 0) {
            run->db_errors++;
            continue;
        }
        if (rc == 0) {
            run->claims_lost++;
            continue;
        }
        count_state(run, state);
        log_outcome(r, rows[i].rua[0] ? rows[i].rua : "(lookup)", "dns", state, &res, next);
    }
    pthread_mutex_unlock(&run->lock);
    due_rows_free(rows, n);
}

static const struct rua_entry *find_entry(const struct rua_list *l, const char *uri)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].uri, uri) == 0)
            return &l->v[i];
    return NULL;
}

/* A dry run: every destination of the record, every check of a real attempt, no transfer. */
static void dry_run_rows(struct run *run, struct deliver_ctx *ctx, const struct report_item *r,
                         const unsigned char *gz, size_t gzlen, const struct rua_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct attempt_result res;
        const struct rua_entry *e = &l->v[i];
        deliver_one(ctx, r, gz, gzlen, e, clock_now(), 1, &res);
        const char *action = res.outcome == OUTCOME_SENT       ? "would-send"
                             : res.outcome == OUTCOME_PERMFAIL ? "refused"
                                                               : "would-retry";
        printf("report-id=%s domain=%s rua=%s via=%s action=%s detail=\"%s\"\n", r->report_id,
               r->policy_domain, e->uri, deliver_transport(run->cfg, e), action, res.reply);
    }
}

static void deliver_rows(struct run *run, struct deliver_ctx *ctx, const struct report_item *r,
                         const unsigned char *gz, size_t gzlen, const struct rua_list *l)
{
    const struct config *cfg = run->cfg;
    struct due_row *rows = NULL;
    size_t n = 0;
    pthread_mutex_lock(&run->lock);
    int rc = deliveries_due_rows(run->db, r->report_id, clock_now(), &rows, &n);
    if (rc != 0)
        run->db_errors++;
    pthread_mutex_unlock(&run->lock);
    if (rc != 0)
        return;

    for (size_t i = 0; i < n && !send_stop_signal; i++) {
        const struct rua_entry *e = find_entry(l, rows[i].rua);
        if (e == NULL || e->kind == RUA_INVALID)
            continue; /* reconcile already failed rows that left the record */
        if (e->kind == RUA_MAILTO && run->signer == NULL) {
            pthread_mutex_lock(&run->lock);
            run->skipped_nokey++;
            pthread_mutex_unlock(&run->lock);
            continue; /* left due: sent once a key is configured */
        }
        const char *transport = deliver_transport(cfg, e);
        long long token = 0;
        pthread_mutex_lock(&run->lock);
        rc = deliveries_attempt_begin(run->db, rows[i].id, clock_now(),
                                      deliver_lease_seconds(ctx), &token);
        if (rc < 0)
            run->db_errors++;
        pthread_mutex_unlock(&run->lock);
        if (rc < 0)
            break; /* never send what could not be marked first */
        if (rc == 0)
            continue; /* another `send` running at the same time took it */

        struct attempt_result res;
        deliver_one(ctx, r, gz, gzlen, e, clock_now(), 0, &res);

        time_t next = 0;
        const char *state = NULL;
        pthread_mutex_lock(&run->lock);
        if (res.outcome == OUTCOME_INTERRUPTED) {
            rc = deliveries_attempt_release(run->db, rows[i].id, token, clock_now(), res.reply);
            if (rc > 0)
                run->released++;
        } else {
            rc = deliveries_attempt_end(run->db, rows[i].id, token, clock_now(), cfg, &res,
                                        transport, &state, &next);
            if (rc > 0)
                count_state(run, state);
        }
        if (rc < 0)
            run->db_errors++;
        else if (rc == 0)
            run->claims_lost++;
        pthread_mutex_unlock(&run->lock);
        if (rc > 0 && state)
            log_outcome(r, e->uri, transport, state, &res, next);
        else if (rc > 0)
            log_info("delivery released domain=%s rua=%s id=%s reason=\"%s\"", r->policy_domain,
                     e->uri, r->report_id, res.reply);
        else if (rc == 0)
            log_claim_lost(r, e->uri,
                           res.outcome == OUTCOME_INTERRUPTED ? "interrupted"
                                                              : outcome_name(res.outcome));
    }
    due_rows_free(rows, n);
}

static void process_report(struct run *run, struct deliver_ctx *ctx, const struct report_item *r)
{
    char name[300], err[512];
    unsigned char *gz = NULL;
    size_t gzlen = 0;

    pthread_mutex_lock(&run->lock);
    int rc = deliveries_load_gzip(run->db, r->report_id, &gz, &gzlen);
    if (rc != 0)
        run->db_errors++;
    run->lookups++;
    pthread_mutex_unlock(&run->lock);
    if (rc != 0)
        return;

    snprintf(name, sizeof name, "_smtp._tls.%s", r->policy_domain);
    struct dns_txt txt;
    enum dns_status s = dns_txt_lookup(ctx->dns, name, &txt, err, sizeof err);
    struct rua_list l = {0};
    char why[512] = "";
    if (s == DNS_TEMPFAIL) {
        if (run->dry_run)
            printf("report-id=%s domain=%s action=retry-later detail=\"DNS: %s\"\n", r->report_id,
                   r->policy_domain, err);
        else
            defer_all(run, ctx, r, err);
        goto out;
    }
    if (s == DNS_OK &&
        rua_from_txt((const char *const *)txt.rec, txt.len, txt.n, (size_t)run->cfg->max_rua, &l,
                     why, sizeof why) == 0) {
        if (l.dropped)
            log_warn("record lists more rua than max_rua domain=%s listed=%zu used=%zu dropped=%zu",
                     r->policy_domain, l.listed, l.n, l.dropped);
        for (size_t i = 0; i < l.n; i++)
            if (l.v[i].kind == RUA_INVALID)
                log_warn("rua refused domain=%s id=%s rua=%s reason=\"%s\"", r->policy_domain,
                         r->report_id, l.v[i].uri, l.v[i].error);
        if (!run->dry_run) {
            pthread_mutex_lock(&run->lock);
            if (deliveries_reconcile(run->db, r->report_id, clock_now(), &l) != 0)
                run->db_errors++;
            pthread_mutex_unlock(&run->lock);
            deliver_outbox_report(run->cfg, r, gz, gzlen);
            deliver_rows(run, ctx, r, gz, gzlen, &l);
        } else {
            dry_run_rows(run, ctx, r, gz, gzlen, &l);
        }
        rua_free(&l);
    } else {
        char reason[1024], ex[300];
        if (s != DNS_OK)
            snprintf(reason, sizeof reason, "%s: %s", name, err);
        else
            snprintf(reason, sizeof reason, "%s: %s", name,
                     str_excerpt(ex, sizeof ex, why, strlen(why), 250));
        if (run->dry_run) {
            printf("report-id=%s domain=%s action=no-record detail=\"%s\"\n", r->report_id,
                   r->policy_domain, reason);
        } else {
            pthread_mutex_lock(&run->lock);
            if (deliveries_no_record(run->db, r->report_id, clock_now(), reason) != 0)
                run->db_errors++;
            run->no_record++;
            pthread_mutex_unlock(&run->lock);
            log_info("no tlsrpt record domain=%s id=%s reason=\"%s\"", r->policy_domain,
                     r->report_id, reason);
        }
    }
out:
    if (s == DNS_OK)
        dns_txt_free(&txt);
    free(gz);
}

static void *worker(void *arg)
{
    struct run *run = arg;
    struct deliver_ctx ctx;
    char err[512];
    if (deliver_ctx_init(&ctx, run->cfg, run->signer, err, sizeof err) != 0) {
        log_error("cannot start a delivery worker: %s", err);
        pthread_mutex_lock(&run->lock);
        run->db_errors++;
        pthread_mutex_unlock(&run->lock);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&run->lock);
        size_t i = run->next < run->nreports && !send_stop_signal ? run->next++ : run->nreports;
        pthread_mutex_unlock(&run->lock);
        if (i >= run->nreports)
            break;
        process_report(run, &ctx, &run->reports[i]);
        pthread_mutex_lock(&run->lock);
        progress_add(run->progress, 1);
        pthread_mutex_unlock(&run->lock);
    }
    pthread_mutex_lock(&run->lock);
    run->sign_seconds += ctx.sign_seconds;
    run->net_seconds += ctx.net_seconds;
    pthread_mutex_unlock(&run->lock);
    deliver_ctx_free(&ctx);
    return NULL;
}

int send_preflight(const struct config *cfg, struct dkim_signer **signer)
{
    char err[512];
    int rc = 0;
    if (dns_servers_check(cfg->dns_servers, err, sizeof err) != 0) {
        log_error("%s", err);
        rc = -1;
    }
    if (outbox_check(cfg->transport, cfg->outbox, err, sizeof err) != 0) {
        log_error("%s", err);
        rc = -1;
    }
    *signer = dkim_signer_new(cfg, clock_now(), err, sizeof err);
    if (*signer == NULL)
        log_warn("mail reports cannot be sent: %s", err);
    return rc;
}

int send_run(struct config *cfg, const struct delivery_filter *filter, int dry_run)
{
    struct run run;
    memset(&run, 0, sizeof run);
    run.cfg = cfg;
    run.now = clock_now();
    run.dry_run = dry_run;
    pthread_mutex_init(&run.lock, NULL);
    signal(SIGPIPE, SIG_IGN);
    send_stop_install();
    if (send_preflight(cfg, &run.signer) != 0) {
        dkim_signer_free(run.signer);
        pthread_mutex_destroy(&run.lock);
        return EXIT_ERROR;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        log_error("curl_global_init failed");
        dkim_signer_free(run.signer);
        return EXIT_TEMPFAIL;
    }
    int open_rc;
    run.db = cmd_open_db(cfg, &open_rc);
    if (run.db == NULL) {
        dkim_signer_free(run.signer);
        curl_global_cleanup();
        return open_rc; /* 75 when locked; 1 (an operator) for a newer schema or no access */
    }
    int rc = EXIT_OK;
    unsigned int seed = (unsigned int)run.now ^ (unsigned int)getpid();
    if (!dry_run && deliveries_plan(run.db, run.now, cfg->spread_ms / 1000, filter, &seed) < 0) {
        rc = cmd_db_error(run.db);
        goto out;
    }
    if (deliveries_due_reports(run.db, run.now, filter, dry_run, &run.reports, &run.nreports) != 0) {
        rc = cmd_db_error(run.db);
        goto out;
    }
    run.progress = progress_begin("send", run.nreports);
    size_t nthreads = (size_t)cfg->concurrency;
    if (nthreads > run.nreports)
        nthreads = run.nreports;
    pthread_t *th = xcalloc(nthreads ? nthreads : 1, sizeof *th);
    size_t started = 0;
    for (size_t i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker, &run) == 0)
            started++;
        else
            break;
    if (nthreads > 0 && started == 0)
        worker(&run); /* could not start threads: do the work here */
    for (size_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
    progress_end(run.progress);

    if (send_stop_signal)
        log_warn("send interrupted by %s: no attempt started after it; %lu in flight released "
                 "(due again); %zu of %zu reports not looked at",
                 send_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", run.released,
                 run.nreports - run.next, run.nreports);
    log_info("send finished reports=%zu sent=%lu deferred=%lu failed=%lu gave_up=%lu "
             "no_record=%lu dns_tempfail=%lu skipped_no_dkim_key=%lu released=%lu "
             "claims_lost=%lu interrupted=%s sign_seconds=%.3f network_seconds=%.3f",
             run.nreports, run.sent, run.deferred, run.failed, run.gave_up, run.no_record,
             run.lookup_tempfail, run.skipped_nokey, run.released, run.claims_lost,
             send_stop_signal ? "yes" : "no", run.sign_seconds, run.net_seconds);
    if (run.db_errors)
        rc = EXIT_TEMPFAIL;
    else if (run.lookups > 0 && run.lookup_tempfail == run.lookups)
        rc = EXIT_TEMPFAIL; /* the resolver is unusable: nothing could be done */
    else if (run.skipped_nokey)
        rc = EXIT_ERROR;
    if (send_stop_signal && rc != EXIT_ERROR)
        rc = EXIT_TEMPFAIL; /* interrupted: the rest is for a later run */
    if (run.skipped_nokey)
        log_error("%lu mail deliveries not attempted: no usable DKIM key (see `tlsrpt send "
                  "--check`); they stay pending", run.skipped_nokey);
out:
    report_items_free(run.reports, run.nreports);
    db_close(run.db);
    dkim_signer_free(run.signer);
    curl_global_cleanup();
    pthread_mutex_destroy(&run.lock);
    return rc;
}

int cmd_send(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", required_argument, NULL, 'd'},   {"domain", required_argument, NULL, 'D'},
        {"report-id", required_argument, NULL, 'r'}, {"dry-run", no_argument, NULL, 'n'},
        {"check", no_argument, NULL, 'c'},       {"wait", no_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    struct delivery_filter f = {NULL, NULL, NULL};
    char domain[DOMAIN_MAX];
    int dry_run = 0, check = 0, wait = 0, opt;
    time_t t;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (cmd_opt_day(usage_text, "--day", optarg, &t) != 0)
                return EXIT_USAGE;
            f.day = optarg;
            break;
        case 'D':
            if (cmd_opt_domain(usage_text, "--domain", optarg, domain) != 0)
                return EXIT_USAGE;
            f.domain = domain;
            break;
        case 'r':
            f.report_id = optarg;
            break;
        case 'n':
            dry_run = 1;
            break;
        case 'c':
            check = 1;
            break;
        case 'w':
            wait = 1;
            break;
        case 'h':
            return cmd_help(usage_text);
        default:
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (check)
        return check_config_send(cfg);
    if (wait && dry_run)
        return cmd_usage(usage_text, "--wait and --dry-run exclude each other");
    if (wait && clock_is_fixed())
        return cmd_usage(usage_text, "--wait needs the real clock: drop --now");
    int rc = send_run(cfg, &f, dry_run);
    return wait ? send_wait_run(cfg, &f, rc) : rc;
}
