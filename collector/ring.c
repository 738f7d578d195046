/* SPSC byte ring: positions only grow; the producer owns head, the consumer tail. A record
 * is [u32 length][u32 flags][i64 stamp][bytes], 8-aligned; a length of WRAP means "continue at 0". Each
 * side sleeps on a condition variable only when it must, and is woken only when the other
 * side saw it sleeping. */
#include "ring.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"

#define WRAP UINT32_MAX
#define POLL_NAP_NS 1000000L /* 1 ms: the consumer's latency while datagrams flow */
#define POLL_NAPS 100        /* 100 ms without data: block until the producer wakes us */
#define HDR 16

struct ring {
    unsigned char *data;
    size_t cap;
    _Atomic uint64_t head, tail;
    _Atomic int closed, consumer_waiting, producer_waiting;
    size_t space_wanted;    /* producer only: what the waiting push needs */
    pthread_mutex_t lock;
    pthread_cond_t cond;
};

static size_t rec_size(size_t len)
{
    return (HDR + len + 7) & ~(size_t)7;
}

struct ring *ring_new(size_t capacity)
{
    struct ring *r = xcalloc(1, sizeof *r);
    r->cap = capacity & ~(size_t)7;
    r->data = xmalloc(r->cap);
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    return r;
}

void ring_free(struct ring *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r->data);
    free(r);
}

static void wake(struct ring *r, _Atomic int *waiting)
{
    if (atomic_load(waiting)) {
        pthread_mutex_lock(&r->lock);
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
    }
}

/* Sleeps until ready(r) holds; the timeout only guards against a bug, not for correctness. */
static void wait_until(struct ring *r, _Atomic int *waiting, int (*ready)(struct ring *))
{
    pthread_mutex_lock(&r->lock);
    atomic_store(waiting, 1);
    while (!ready(r)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->cond, &r->lock, &ts);
    }
    atomic_store(waiting, 0);
    pthread_mutex_unlock(&r->lock);
}

static int has_space(struct ring *r)
{
    return r->cap - (size_t)(atomic_load(&r->head) - atomic_load(&r->tail)) >= r->space_wanted;
}

static int has_data(struct ring *r)
{
    return atomic_load(&r->head) != atomic_load(&r->tail) || atomic_load(&r->closed);
}

int ring_push(struct ring *r, const void *data, size_t len, uint32_t flags, int64_t stamp)
{
    uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t need = rec_size(len);
    size_t pos = (size_t)(head % r->cap), contiguous = r->cap - pos;
    size_t total = need + (contiguous < need ? contiguous : 0);
    int waited = 0;

    if (r->cap - (size_t)(head - atomic_load(&r->tail)) < total) {
        r->space_wanted = total;
        wait_until(r, &r->producer_waiting, has_space);
        waited = 1;
    }
    if (contiguous < need) {
        uint32_t wrap = WRAP;
        memcpy(r->data + pos, &wrap, sizeof wrap);
        head += contiguous;
        pos = 0;
    }
    uint32_t hdr[2] = {(uint32_t)len, flags};
    memcpy(r->data + pos, hdr, sizeof hdr);
    memcpy(r->data + pos + sizeof hdr, &stamp, sizeof stamp);
    memcpy(r->data + pos + HDR, data, len);
    atomic_store_explicit(&r->head, head + need, memory_order_release);
    wake(r, &r->consumer_waiting);
    return waited;
}

void ring_close(struct ring *r)
{
    atomic_store(&r->closed, 1);
    pthread_mutex_lock(&r->lock);
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

const void *ring_peek(struct ring *r, size_t *len, uint32_t *flags, int64_t *stamp)
{
    int idle_naps = 0;
    for (;;) {
        uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (atomic_load_explicit(&r->head, memory_order_acquire) == tail) {
            if (atomic_load(&r->closed) &&
                atomic_load_explicit(&r->head, memory_order_acquire) == tail)
                return NULL;
            /* While datagrams flow, nap briefly instead of asking the producer to wake us:
             * a futex wake per datagram would cost the receiver a system call each time.
             * After POLL_NAPS empty naps, sleep until woken. */
            if (idle_naps++ < POLL_NAPS) {
                struct timespec nap = {0, POLL_NAP_NS};
                nanosleep(&nap, NULL);
            } else {
                wait_until(r, &r->consumer_waiting, has_data);
            }
            continue;
        }
        /* Records are 8-aligned and cap is a multiple of 8: a header always fits. */
        size_t pos = (size_t)(tail % r->cap);
        uint32_t hdr[2];
        memcpy(hdr, r->data + pos, sizeof hdr);
        if (hdr[0] == WRAP) {
            atomic_store_explicit(&r->tail, tail + (r->cap - pos), memory_order_release);
            continue;
        }
        *len = hdr[0];
        *flags = hdr[1];
        memcpy(stamp, r->data + pos + sizeof hdr, sizeof *stamp);
        return r->data + pos + HDR;
    }
}

void ring_pop(struct ring *r)
{
    uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    uint32_t len;
    memcpy(&len, r->data + tail % r->cap, sizeof len);
    atomic_store_explicit(&r->tail, tail + rec_size(len), memory_order_release);
    wake(r, &r->producer_waiting);
}

size_t ring_used(struct ring *r)
{
    return (size_t)(atomic_load(&r->head) - atomic_load(&r->tail));
}
