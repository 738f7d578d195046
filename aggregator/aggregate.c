/* The aggregation loop: stream domains, build, store, log one line per report. */
#include "aggregator/aggregate.h"

#include <string.h>

#include "aggregator/day_query.h"
#include "aggregator/gzip.h"
#include "aggregator/report_id.h"
#include "aggregator/report_store.h"
#include "lib/bmap.h"
#include "lib/clock.h"
#include "lib/log.h"

struct run {
    const struct aggregate_params *p;
    struct aggregate_stats *st;
    struct report_store *store;
    struct bmap gens;               /* policy domain -> a = newest generation that day */
    char day[16];
    char created[32];
};

static void log_trimmed(const struct run *r, const char *domain, const char *id,
                        const struct report *rep)
{
    r->st->trimmed++;
    log_warn("report trimmed day=%s domain=%s id=%s details_kept=%zu details_trimmed=%zu "
             "trimmed_failed_session_count=%lld json_bytes=%zu gzip_bytes=%zu "
             "max_report_size=%ld",
             r->day, domain, id, rep->details, rep->details_trimmed,
             (long long)rep->trimmed_count, rep->json_len, rep->gzip_len,
             r->p->opt->max_gzip_bytes);
}

/* Builds and stores one domain's report. 0, or -1 on a database error. */
static int one_domain(struct run *r, const struct report_input *in)
{
    struct bmap_entry *e = bmap_find(&r->gens, in->domain, strlen(in->domain));
    long prev = e ? (long)e->a : 0;
    if (prev > 0 && !r->p->force) {
        r->st->existing++;
        return 0;
    }
    char id[REPORT_ID_SIZE], filename[REPORT_FILENAME_SIZE], err[256];
    struct report rep;
    report_id_make(r->p->submitter, in->domain, r->p->day, prev + 1, r->p->now, r->p->nonce, id);
    enum report_status status = report_build(in, id, r->p->opt, &rep, err, sizeof err);
    switch (status) {
    case REPORT_BUILT:
        break;
    case REPORT_NOTHING:
        r->st->not_reported++;
        log_debug("not reported day=%s domain=%s successful=%lld failed=%lld", r->day,
                  in->domain, (long long)rep.successful, (long long)rep.failed);
        return 0;
    case REPORT_TOO_BIG:
    case REPORT_ERROR:
        r->st->failed++;
        log_error("report not created day=%s domain=%s reason=\"%s\"", r->day, in->domain, err);
        return 0;
    }
    if (report_filename(r->p->submitter, in->domain, r->p->day, id, filename,
                        sizeof filename) != 0) {
        r->st->failed++;
        log_error("report not created day=%s domain=%s reason=\"file name too long\"", r->day,
                  in->domain);
        report_free(&rep);
        return 0;
    }
    struct stored_report row = {
        id, r->day, in->domain, prev + 1, filename, rep.json, rep.json_len, rep.gzip,
        rep.gzip_len, rep.successful, rep.failed, r->created,
    };
    int rc = 0;
    if ((prev > 0 && report_store_supersede(r->store, r->day, in->domain) != 0) ||
        report_store_insert(r->store, &row) != 0) {
        rc = -1;
    } else {
        r->st->created++;
        log_info("report created day=%s domain=%s id=%s generation=%ld policies=%zu "
                 "successful=%lld failed=%lld details=%zu capped=%zu bytes=%zu",
                 r->day, in->domain, id, prev + 1, rep.npolicies, (long long)rep.successful,
                 (long long)rep.failed, rep.details, rep.details_capped, rep.gzip_len);
        if (rep.details_trimmed)
            log_trimmed(r, in->domain, id, &rep);
    }
    report_free(&rep);
    return rc;
}

int aggregate_day(struct db *db, const struct aggregate_params *p, struct aggregate_stats *st)
{
    struct run r = {p, st, NULL, BMAP_INIT, "", ""};
    struct day_query *q = NULL;
    const struct report_input *in;
    int rc = -1, more;
    memset(st, 0, sizeof *st);
    day_format(p->day, r.day);
    rfc3339_format(p->now, r.created);

    r.store = report_store_open(db);
    if (r.store == NULL || report_store_generations(r.store, r.day, p->domain, &r.gens) != 0)
        goto out;
    q = day_query_open(db, p->day, p->domain);
    if (q == NULL)
        goto out;
    while ((more = day_query_next(q, &in)) == 1) {
        st->domains++;
        if (one_domain(&r, in) != 0)
            goto out;
    }
    rc = more == 0 ? 0 : -1;
out:
    day_query_close(q);
    gzip_release();
    report_store_close(r.store);
    bmap_clear(&r.gens);
    return rc;
}
