#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bmap.h"
#include "lib/buf.h"
#include "lib/clock.h"

/* The cache is direct-mapped: a new entry replaces whatever had its slot, so its cost per
 * datagram is constant (no bulk eviction pauses in the receive path) and its size bounded:
 * CACHE_SLOTS x (CACHE_MAX_DATAGRAM + compiled increments) at worst, ~1 KB a slot typically.
 * A datagram is cached on its second sighting (a filter of recent hashes remembers the
 * first), so a stream of distinct failures costs no copying at all. */
#define CACHE_SLOTS 2048
#define SEEN_SLOTS 16384
#define CACHE_MAX_DATAGRAM (16u << 10)

struct cached {
    uint64_t hash;
    size_t len, compiled_len, repaired;
    int nodpv;
    char *bytes;        /* the datagram, then its compiled increments */
};

struct ingest {
    struct tls_result result;       /* parse scratch, reused */
    struct buf compiled;
    struct cached cache[CACHE_SLOTS];
    uint64_t seen[SEEN_SLOTS];
};

struct ingest *ingest_new(void)
{
    return xcalloc(1, sizeof(struct ingest));
}

void ingest_free(struct ingest *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        free(in->cache[i].bytes);
    tls_result_release(&in->result);
    buf_free(&in->compiled);
    free(in);
}

static const struct cached *cache_find(const struct ingest *in, uint64_t h, const char *buf,
                                       size_t len)
{
    const struct cached *e = &in->cache[h % CACHE_SLOTS];
    if (e->bytes && e->hash == h && e->len == len && memcmp(e->bytes, buf, len) == 0)
        return e;
    return NULL;
}

static void cache_put(struct ingest *in, uint64_t h, const char *buf, size_t len, size_t repaired,
                      int nodpv)
{
    uint64_t *seen = &in->seen[h % SEEN_SLOTS];
    if (*seen != h) {
        *seen = h; /* first sighting: remember only the hash */
        return;
    }
    struct cached *e = &in->cache[h % CACHE_SLOTS];
    e->bytes = xrealloc(e->bytes, len + in->compiled.len);
    memcpy(e->bytes, buf, len);
    memcpy(e->bytes + len, in->compiled.data, in->compiled.len);
    e->hash = h;
    e->len = len;
    e->compiled_len = in->compiled.len;
    e->repaired = repaired;
    e->nodpv = nodpv;
}

int ingest_bytes(struct ingest *in, struct counters *c, time_t when, const char *buf, size_t len,
                 struct datagram_error *err, size_t *repaired, int *nodpv)
{
    time_t hour = hour_floor(when);
    uint64_t h = len <= CACHE_MAX_DATAGRAM ? bmap_hash(buf, len) : 0;
    const struct cached *hit = h ? cache_find(in, h, buf, len) : NULL;
    if (hit != NULL) {
        counters_apply(c, hour, hit->bytes + hit->len, hit->compiled_len);
        counters_add_accepted(c, hour, hit->nodpv);
        if (repaired)
            *repaired = hit->repaired;
        if (nodpv)
            *nodpv = hit->nodpv;
        return 0;
    }

    int rc = datagram_parse(buf, len, &in->result, err);
    int without_dpv = in->result.nodpv;
    if (rc == 0) {
        buf_reset(&in->compiled);
        counters_compile(&in->result, &in->compiled);
        if (repaired)
            *repaired = in->result.repaired;
        if (h)
            cache_put(in, h, buf, len, in->result.repaired, without_dpv);
        tls_result_free(&in->result);
    }

    if (rc != 0) {
        counters_add_outcome(c, hour, err->reason);
        return -1;
    }
    counters_apply(c, hour, in->compiled.data, in->compiled.len);
    counters_add_accepted(c, hour, without_dpv);
    if (nodpv)
        *nodpv = without_dpv;
    return 0;
}
