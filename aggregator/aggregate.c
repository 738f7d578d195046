/* The aggregation loop, pipelined: the main thread reads the next batch of domains and
 * stores the previous batch's reports (all SQLite work stays on it), while the build pool
 * turns the current batch into reports on the other CPUs. Results are stored and logged in
 * domain order, so a run gives the same rows and log lines with any number of threads. */
#include "aggregator/aggregate.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregator/build_pool.h"
#include "aggregator/day_query.h"
#include "aggregator/gzip.h"
#include "aggregator/report_digest.h"
#include "aggregator/report_id.h"
#include "aggregator/report_store.h"
#include "lib/bmap.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/progress.h"

struct run {
    const struct aggregate_params *p;
    struct aggregate_stats *st;
    struct report_store *store;
    struct day_query *q;
    int more;                       /* 1 while the query has domains, 0 at the end, -1 error */
    struct bmap gens;               /* report domain -> a = newest generation that day,
                                     * b = 1 + index in rows of its current report, or 0 */
    struct report_built *rows;      /* what the current reports were built from */
    struct progress *progress;      /* domains done (stored or left alone), lib/progress.h */
    char day[16];
    char created[32];
};

/* 1 when the counters now differ from what the current report of e (gens) was built from: the
 * digest, or for a report built before schema 009 the session totals. */
static int counters_changed(const struct run *r, const struct bmap_entry *e,
                            const struct report_digest *now, const struct report_built **was)
{
    if (e == NULL || e->b == 0)
        return 0; /* no current report to compare with */
    *was = &r->rows[e->b - 1];
    if ((*was)->has_digest)
        return (*was)->digest != now->digest;
    return (*was)->successful != now->successful || (*was)->failed != now->failed;
}

static void log_changed(const struct run *r, const char *domain, long generation,
                        int64_t was_ok, int64_t was_bad, int64_t ok, int64_t bad)
{
    log_info("counters changed since the report day=%s domain=%s generation=%ld "
             "reported_successful=%lld reported_failed=%lld successful=%lld failed=%lld",
             r->day, domain, generation, (long long)was_ok, (long long)was_bad, (long long)ok,
             (long long)bad);
}

/* Reads domains into b until it is full or the day is done; skips those already reported
 * unless forced or (with --changed) their counters changed since. */
static void fill(struct run *r, struct build_batch *b)
{
    const struct report_input *in;
    while (!build_batch_full(b) && r->more == 1 && (r->more = day_query_next(r->q, &in)) == 1) {
        r->st->domains++;
        struct bmap_entry *e = bmap_find(&r->gens, in->domain, strlen(in->domain));
        long prev = e ? (long)e->a : 0;
        struct report_digest dg;
        const struct report_built *was = NULL;
        report_digest_of(in, r->p->opt, &dg);
        int changed = counters_changed(r, e, &dg, &was);
        r->st->changed += (unsigned long)changed;
        if (prev > 0 && !r->p->force && !(r->p->changed && changed)) {
            if (changed) /* rebuilt ones are logged with their new report, in store() */
                log_changed(r, in->domain, prev, was->successful, was->failed, dg.successful,
                            dg.failed);
            r->st->existing++;
            progress_add(r->progress, 1);
            continue;
        }
        struct build_job *j = build_batch_add(b, in);
        j->generation = prev + 1;
        j->digest = dg.digest;
        j->changed = changed;
        if (changed) {
            j->was_successful = was->successful;
            j->was_failed = was->failed;
            j->now_successful = dg.successful;
            j->now_failed = dg.failed;
        }
        report_id_make(r->p->submitter, in->domain, r->p->day, j->generation, r->p->now,
                       r->p->nonce, j->id);
    }
}

static void log_trimmed(const struct run *r, const struct build_job *j)
{
    r->st->trimmed++;
    log_warn("report trimmed day=%s domain=%s id=%s details_kept=%zu details_trimmed=%zu "
             "trimmed_failed_session_count=%lld json_bytes=%zu gzip_bytes=%zu "
             "max_report_size=%ld",
             r->day, j->in.domain, j->id, j->rep.details, j->rep.details_trimmed,
             (long long)j->rep.trimmed_count, j->rep.json_len, j->rep.gzip_len,
             r->p->opt->max_gzip_bytes);
}

/* Stores one built job. 0, or -1 on a database error. */
static int store(struct run *r, const struct build_job *j)
{
    const struct report *rep = &j->rep;
    const char *domain = j->in.domain;
    char filename[REPORT_FILENAME_SIZE];
    if (j->changed)
        log_changed(r, domain, j->generation - 1, j->was_successful, j->was_failed,
                    j->now_successful, j->now_failed);
    switch (j->status) {
    case REPORT_BUILT:
        break;
    case REPORT_NOTHING:
        r->st->not_reported++;
        if (j->generation > 1) /* forced, but policy_types or skip_success_only leave it out */
            log_info("not reported day=%s domain=%s; generation %ld stays current", r->day,
                     domain, j->generation - 1);
        else
            log_debug("not reported day=%s domain=%s successful=%lld failed=%lld", r->day,
                      domain, (long long)rep->successful, (long long)rep->failed);
        return 0;
    case REPORT_TOO_BIG:
    case REPORT_ERROR:
        r->st->failed++;
        log_error("report not created day=%s domain=%s reason=\"%s\"", r->day, domain, j->err);
        return 0;
    }
    if (report_filename(r->p->submitter, domain, r->p->day, j->id, filename,
                        sizeof filename) != 0) {
        r->st->failed++;
        log_error("report not created day=%s domain=%s reason=\"file name too long\"", r->day,
                  domain);
        return 0;
    }
    struct stored_report row = {
        j->id, r->day, domain, j->generation, filename, rep->json, rep->json_len, rep->gzip,
        rep->gzip_len, rep->successful, rep->failed, r->created, j->digest,
    };
    if ((j->generation > 1 && report_store_supersede(r->store, r->day, domain) != 0) ||
        report_store_insert(r->store, &row) != 0)
        return -1;
    r->st->created++;
    log_info("report created day=%s domain=%s id=%s generation=%ld policies=%zu "
             "successful=%lld failed=%lld details=%zu capped=%zu bytes=%zu",
             r->day, domain, j->id, j->generation, rep->npolicies, (long long)rep->successful,
             (long long)rep->failed, rep->details, rep->details_capped, rep->gzip_len);
    if (rep->details_trimmed)
        log_trimmed(r, j);
    return 0;
}

static int store_batch(struct run *r, struct build_batch *b)
{
    for (size_t i = 0; i < build_batch_count(b); i++) {
        if (store(r, build_batch_job(b, i)) != 0)
            return -1;
        progress_add(r->progress, 1);
    }
    build_batch_clear(b);
    return 0;
}

/* The pipeline over two batches: while batch `cur` is being built, the next one is read;
 * while that one is being built, `cur` is stored. */
static int pipeline(struct run *r, struct build_pool *pool, struct build_batch *slot[2])
{
    int cur = 0;
    fill(r, slot[cur]);
    if (build_batch_count(slot[cur]) > 0)
        build_pool_start(pool, slot[cur]);
    while (build_batch_count(slot[cur]) > 0) {
        fill(r, slot[!cur]);
        build_pool_wait(pool);
        if (build_batch_count(slot[!cur]) > 0)
            build_pool_start(pool, slot[!cur]);
        if (store_batch(r, slot[cur]) != 0) {
            build_pool_wait(pool);
            return -1;
        }
        cur = !cur;
    }
    return r->more < 0 ? -1 : 0;
}

int aggregate_day(struct db *db, const struct aggregate_params *p, struct aggregate_stats *st)
{
    struct run r = {p, st, NULL, NULL, 1, BMAP_INIT, NULL, NULL, "", ""};
    struct build_batch *slot[2] = {build_batch_new(), build_batch_new()};
    struct build_pool *pool = NULL;
    int rc = -1;
    memset(st, 0, sizeof *st);
    day_format(p->day, r.day);
    rfc3339_format(p->now, r.created);

    r.store = report_store_open(db);
    if (r.store == NULL || report_store_generations(r.store, r.day, p->domain, &r.gens) != 0 ||
        report_store_built(r.store, r.day, p->domain, &r.gens, &r.rows) != 0)
        goto out;
    r.q = day_query_open(db, p->day, p->domain);
    if (r.q == NULL)
        goto out;
    pool = build_pool_new(p->opt, p->threads);
    /* On a terminal: domains done of the day's total, and the rate; the summary line is
     * logged either way (the total costs a query, so only when it is shown). */
    long total = isatty(STDERR_FILENO) ? day_query_domains(db, p->day, p->domain) : 0;
    r.progress = progress_begin("aggregate", total > 0 ? (uint64_t)total : 0);
    rc = pipeline(&r, pool, slot);
    progress_end(r.progress);
out:
    build_pool_free(pool);
    build_batch_free(slot[0]);
    build_batch_free(slot[1]);
    day_query_close(r.q);
    gzip_release();
    report_store_close(r.store);
    bmap_clear(&r.gens);
    free(r.rows);
    return rc;
}
