/* Building reports on worker threads while the caller reads counters and stores reports.
 * A batch holds self-contained copies of the inputs of up to BUILD_BATCH_MAX domains; the
 * pool runs report_build() on each job (pure, so threads share nothing but the options)
 * and the caller consumes the results in the batch's order, so output and logs are the
 * same as with one thread. The caller builds too while it waits, so one worker thread
 * already uses two CPUs; with no worker thread the batch is built by the caller. */
#ifndef TLSRPT_BUILD_POOL_H
#define TLSRPT_BUILD_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "aggregator/report.h"
#include "aggregator/report_id.h"

#define BUILD_BATCH_MAX 512                 /* domains */
#define BUILD_BATCH_BYTES (4L * 1024 * 1024) /* input bytes copied, to bound memory */

struct build_job {
    struct report_input in;     /* copy owned by the batch */
    char id[REPORT_ID_SIZE];
    long generation;
    uint64_t digest;            /* of the input (report_digest.h), stored with the report */
    int changed;                /* a rebuild because the counters changed since generation-1 */
    int64_t was_successful, was_failed; /* when changed: that report's totals, */
    int64_t now_successful, now_failed; /* and the counters' now */
    enum report_status status;  /* results */
    struct report rep;
    char err[256];
};

struct build_batch;
struct build_pool;

struct build_batch *build_batch_new(void);
/* Adds a copy of in as the next job; returns it so the caller can set id and generation. */
struct build_job *build_batch_add(struct build_batch *b, const struct report_input *in);
/* 1 when another domain should not be added (count or bytes). */
int build_batch_full(const struct build_batch *b);
size_t build_batch_count(const struct build_batch *b);
struct build_job *build_batch_job(struct build_batch *b, size_t i);
/* Frees the jobs' copies and results; the batch can be filled again. */
void build_batch_clear(struct build_batch *b);
void build_batch_free(struct build_batch *b);

/* A pool of `threads` workers (0: build in build_pool_start itself). opt must outlive it. */
struct build_pool *build_pool_new(const struct report_options *opt, int threads);
/* Starts building b; returns at once. Only one batch is built at a time. */
void build_pool_start(struct build_pool *p, struct build_batch *b);
/* Builds jobs of the started batch alongside the workers until none is left, then waits
 * until the batch is complete. */
void build_pool_wait(struct build_pool *p);
void build_pool_free(struct build_pool *p);

/* Worker threads worth having on this machine: one per CPU beyond the caller's, at most 3. */
int build_pool_threads(void);

#endif
