/* Batches of report inputs (copied into one arena per batch) and the worker threads that
 * build them: workers take the next job index under a mutex and signal when the batch is
 * complete. */
#include "aggregator/build_pool.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregator/gzip.h"
#include "lib/buf.h"
#include "lib/log.h"

#define ARENA_BLOCK 65536
#define ALIGN(n) (((n) + 15) & ~(size_t)15)

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    char data[];
};

struct build_batch {
    struct build_job *jobs;
    size_t n, cap;
    size_t bytes;               /* copied so far */
    struct arena_block *arena;
};

static void *arena_alloc(struct build_batch *b, size_t n)
{
    n = ALIGN(n ? n : 1);
    struct arena_block *a = b->arena;
    if (a == NULL || a->cap - a->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        a = xmalloc(sizeof *a + cap);
        a->next = b->arena;
        a->used = 0;
        a->cap = cap;
        b->arena = a;
    }
    void *p = a->data + a->used;
    a->used += n;
    b->bytes += n;
    return p;
}

static const char *arena_str(struct build_batch *b, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(arena_alloc(b, n), s, n);
}

struct build_batch *build_batch_new(void)
{
    return xcalloc(1, sizeof(struct build_batch));
}

struct build_job *build_batch_add(struct build_batch *b, const struct report_input *in)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->jobs = xrealloc(b->jobs, b->cap * sizeof *b->jobs);
    }
    struct build_job *j = &b->jobs[b->n++];
    memset(j, 0, sizeof *j);
    j->in.domain = arena_str(b, in->domain);
    j->in.day = in->day;
    j->in.npolicies = in->npolicies;
    struct report_policy *pol = arena_alloc(b, in->npolicies * sizeof *pol);
    for (size_t i = 0; i < in->npolicies; i++) {
        const struct report_policy *src = &in->policies[i];
        struct report_policy *dst = &pol[i];
        *dst = *src;
        dst->type = arena_str(b, src->type);
        dst->domain = arena_str(b, src->domain);
        dst->strings_json = arena_str(b, src->strings_json);
        dst->mx_json = arena_str(b, src->mx_json);
        dst->details = arena_alloc(b, src->ndetails * sizeof *dst->details);
        for (size_t k = 0; k < src->ndetails; k++) {
            dst->details[k] = src->details[k];
            dst->details[k].result_type = arena_str(b, src->details[k].result_type);
            for (int f = 0; f < DF_COUNT; f++)
                dst->details[k].field[f] = arena_str(b, src->details[k].field[f]);
        }
    }
    j->in.policies = pol;
    return j;
}

int build_batch_full(const struct build_batch *b)
{
    return b->n >= BUILD_BATCH_MAX || b->bytes >= (size_t)BUILD_BATCH_BYTES;
}

size_t build_batch_count(const struct build_batch *b)
{
    return b->n;
}

struct build_job *build_batch_job(struct build_batch *b, size_t i)
{
    return &b->jobs[i];
}

void build_batch_clear(struct build_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        report_free(&b->jobs[i].rep);
    b->n = 0;
    b->bytes = 0;
    struct arena_block *a = b->arena;
    while (a && a->next) { /* keep one block for the next batch */
        struct arena_block *next = a->next;
        free(a);
        a = next;
    }
    if (a)
        a->used = 0;
    b->arena = a;
}

void build_batch_free(struct build_batch *b)
{
    if (b == NULL)
        return;
    build_batch_clear(b);
    free(b->arena);
    free(b->jobs);
    free(b);
}

struct build_pool {
    const struct report_options *opt;
    pthread_t *threads;
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    struct build_batch *batch;  /* being built, or NULL */
    size_t next, finished;
    int quit;
};

static void build_one(const struct report_options *opt, struct build_job *j)
{
    j->status = report_build(&j->in, j->id, opt, &j->rep, j->err, sizeof j->err);
}

static void *worker(void *arg)
{
    struct build_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && (p->batch == NULL || p->next >= p->batch->n))
            pthread_cond_wait(&p->work, &p->mu);
        if (p->quit)
            break;
        struct build_batch *b = p->batch;
        struct build_job *j = &b->jobs[p->next++];
        pthread_mutex_unlock(&p->mu);
        build_one(p->opt, j);
        pthread_mutex_lock(&p->mu);
        if (++p->finished == b->n)
            pthread_cond_signal(&p->done); /* the caller may be waiting */
    }
    pthread_mutex_unlock(&p->mu);
    gzip_release();
    return NULL;
}

struct build_pool *build_pool_new(const struct report_options *opt, int threads)
{
    struct build_pool *p = xcalloc(1, sizeof *p);
    p->opt = opt;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    json_object_seed(0); /* before any thread creates JSON objects (jansson's rule) */
    p->threads = xcalloc((size_t)(threads > 0 ? threads : 1), sizeof *p->threads);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            log_warn("cannot start a report builder thread; building with %d", p->nthreads);
            break;
        }
        p->nthreads++;
    }
    return p;
}

void build_pool_start(struct build_pool *p, struct build_batch *b)
{
    if (p->nthreads == 0) {
        for (size_t i = 0; i < b->n; i++)
            build_one(p->opt, &b->jobs[i]);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->batch = b;
    p->next = p->finished = 0;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
}

void build_pool_wait(struct build_pool *p)
{
    if (p->nthreads == 0)
        return;
    pthread_mutex_lock(&p->mu);
    /* The caller builds too until no job is left, then waits for the workers' last ones. */
    while (p->batch && p->next < p->batch->n) {
        struct build_batch *b = p->batch;
        struct build_job *j = &b->jobs[p->next++];
        pthread_mutex_unlock(&p->mu);
        build_one(p->opt, j);
        pthread_mutex_lock(&p->mu);
        p->finished++;
    }
    while (p->batch && p->finished < p->batch->n)
        pthread_cond_wait(&p->done, &p->mu);
    p->batch = NULL;
    pthread_mutex_unlock(&p->mu);
}

void build_pool_free(struct build_pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p->threads);
    free(p);
}

int build_pool_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n <= 1)
        return 0;
    return n - 1 > 3 ? 3 : (int)(n - 1);
}
