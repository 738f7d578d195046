/* build_pool: batches of copied inputs built by 0, 1 or 3 worker threads (plus the caller)
 * give exactly the reports report_build() gives directly, in the batch's order; the copies
 * do not depend on the caller's memory; a batch is full at BUILD_BATCH_MAX domains. */
#include <stdlib.h>

#include "aggregator/build_pool.h"
#include "lib/buf.h"
#include "tests/unit/unit.h"

#define DAY 1793491200
#define N 300

static struct report_options opt = {"Org", "tlsrpt@reporter.example", 7u, 0, 0, 0, 5L << 20,
                                    REPORT_JSON_LIMIT};

/* Domain i: one sts policy, i % 4 details. Strings live in scratch (overwritten later). */
static void make_input(size_t i, struct buf *scratch, struct report_input *in,
                       struct report_policy *pol, struct report_detail *det)
{
    buf_reset(scratch);
    buf_printf(scratch, "d%zu.example", i);
    in->domain = scratch->data;
    in->day = DAY;
    in->policies = pol;
    in->npolicies = 1;
    *pol = (struct report_policy){"sts", scratch->data, "[\"version: STSv1\"]", "[]",
                                  (int64_t)i, (int64_t)(i % 4), det, i % 4};
    for (size_t k = 0; k < i % 4; k++)
        det[k] = (struct report_detail){"certificate-expired", {"192.0.2.1", "", "", "", "", ""},
                                        (int64_t)k + 1};
    det[0].field[DF_RECEIVING_MX_HOSTNAME] = scratch->data;
}

static char *expected[N];

static void check_threads(int threads)
{
    struct build_pool *pool = build_pool_new(&opt, threads);
    struct build_batch *b = build_batch_new();
    struct buf scratch = BUF_INIT;
    struct report_input in;
    struct report_policy pol;
    struct report_detail det[4];
    size_t done = 0, bad = 0;
    char name[100];
    while (done < N) {
        size_t first = done;
        while (!build_batch_full(b) && done < N) {
            make_input(done, &scratch, &in, &pol, det);
            struct build_job *j = build_batch_add(b, &in);
            snprintf(j->id, sizeof j->id, "id%zu", done);
            memset(det, 0, sizeof det); /* the batch must not point into the caller's memory */
            buf_printf(&scratch, "-overwritten");
            done++;
        }
        build_pool_start(pool, b);
        build_pool_wait(pool);
        for (size_t i = 0; i < build_batch_count(b); i++) {
            struct build_job *j = build_batch_job(b, i);
            if (j->status != REPORT_BUILT || strcmp(j->rep.json, expected[first + i]) != 0)
                bad++;
        }
        build_batch_clear(b);
    }
    snprintf(name, sizeof name, "%d worker threads: every report as built directly, in order",
             threads);
    UNIT_CHECK(name, bad == 0, "%zu of %d differ", bad, N);
    buf_free(&scratch);
    build_batch_free(b);
    build_pool_free(pool);
}

int main(void)
{
    struct buf scratch = BUF_INIT;
    struct report_input in;
    struct report_policy pol;
    struct report_detail det[4];
    for (size_t i = 0; i < N; i++) {
        struct report rep;
        char err[256], id[32];
        make_input(i, &scratch, &in, &pol, det);
        snprintf(id, sizeof id, "id%zu", i);
        report_build(&in, id, &opt, &rep, err, sizeof err);
        expected[i] = strdup(rep.json);
        report_free(&rep);
    }
    check_threads(0);
    check_threads(1);
    check_threads(3);

    struct build_batch *b = build_batch_new();
    make_input(1, &scratch, &in, &pol, det);
    for (int i = 0; i < BUILD_BATCH_MAX - 1; i++)
        build_batch_add(b, &in);
    UNIT_CHECK("batch not full below BUILD_BATCH_MAX", !build_batch_full(b), "full");
    build_batch_add(b, &in);
    UNIT_CHECK("batch full at BUILD_BATCH_MAX", build_batch_full(b), "not full");
    build_batch_free(b);
    for (size_t i = 0; i < N; i++)
        free(expected[i]);
    buf_free(&scratch);
    return unit_status();
}
