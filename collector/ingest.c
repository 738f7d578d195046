#include "ingest.h"

#include <stdlib.h>
#include <string.h>

#include "collector/json_arena.h"
#include "lib/bmap.h"
#include "lib/buf.h"
#include "lib/clock.h"

/* The cache is direct-mapped: a new entry replaces whatever had its slot, so its cost per
 * datagram is constant (no bulk eviction pauses in the receive path). It is bounded by what
 * it holds, datagram and compiled form together: an entry above CACHE_MAX_ENTRY is never
 * cached, and an entry that would take the total above CACHE_BUDGET is not cached either
 * (whatever had its slot is freed first). Compiled forms hold each string once (counters.c),
 * so a typical entry is about twice its datagram. A datagram is cached on its second sighting
 * (a filter of recent hashes remembers the first), so a stream of distinct failures costs no
 * copying at all. */
#define CACHE_SLOTS 2048
#define SEEN_SLOTS 16384
#define CACHE_MAX_ENTRY (64u << 10)
#define CACHE_BUDGET (8u << 20)
/* Scratch buffers grown by one big datagram are released rather than kept. */
#define SCRATCH_KEEP (64u << 10)

struct cached {
    uint64_t hash;
    size_t len, compiled_len, repaired;
    int nodpv;
    char *bytes;        /* the datagram, then its compiled form */
};

struct ingest {
    struct tls_result result;       /* parse scratch, reused */
    struct json_arena *arena;       /* the parse tree's memory, released per datagram */
    struct buf compiled;
    size_t cache_bytes;             /* sum of len + compiled_len over the cached entries */
    struct cached cache[CACHE_SLOTS];
    uint64_t seen[SEEN_SLOTS];
};

struct ingest *ingest_new(void)
{
    struct ingest *in = xcalloc(1, sizeof(struct ingest));
    json_arena_install();
    in->arena = json_arena_new();
    return in;
}

void ingest_free(struct ingest *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        free(in->cache[i].bytes);
    tls_result_release(&in->result);
    json_arena_free(in->arena);
    buf_free(&in->compiled);
    free(in);
}

size_t ingest_cache_bytes(const struct ingest *in)
{
    return in->cache_bytes;
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
    if (e->bytes) {
        in->cache_bytes -= e->len + e->compiled_len;
        free(e->bytes);
        e->bytes = NULL;
    }
    size_t size = len + in->compiled.len;
    if (size > CACHE_MAX_ENTRY || in->cache_bytes + size > CACHE_BUDGET)
        return;
    e->bytes = xmalloc(size);
    memcpy(e->bytes, buf, len);
    memcpy(e->bytes + len, in->compiled.data, in->compiled.len);
    e->hash = h;
    e->len = len;
    e->compiled_len = in->compiled.len;
    e->repaired = repaired;
    e->nodpv = nodpv;
    in->cache_bytes += size;
}

static void release_scratch(struct ingest *in)
{
    if (in->compiled.cap > SCRATCH_KEEP)
        buf_free(&in->compiled);
    if (in->result.text.cap > SCRATCH_KEEP)
        buf_free(&in->result.text);
}

int ingest_prepare(struct ingest *in, const char *buf, size_t len, struct ingest_prepared *out,
                   struct datagram_error *err)
{
    uint64_t h = len <= CACHE_MAX_ENTRY ? bmap_hash(buf, len) : 0;
    const struct cached *hit = h ? cache_find(in, h, buf, len) : NULL;
    if (hit != NULL) {
        out->compiled = hit->bytes + hit->len;
        out->len = hit->compiled_len;
        out->repaired = hit->repaired;
        out->nodpv = hit->nodpv;
        return 0;
    }
    release_scratch(in); /* what the previous datagram used is no longer referenced */
    /* The parse tree lives in the arena from here to tls_result_free, its last user. */
    json_arena_begin(in->arena);
    if (datagram_parse(buf, len, &in->result, err) != 0) {
        json_arena_end(in->arena);
        return -1;
    }
    buf_reset(&in->compiled);
    counters_compile(&in->result, &in->compiled);
    out->repaired = in->result.repaired;
    out->nodpv = in->result.nodpv;
    tls_result_drop_json(&in->result); /* the arena's end frees it */
    tls_result_free(&in->result);
    json_arena_end(in->arena);
    if (h)
        cache_put(in, h, buf, len, out->repaired, out->nodpv);
    out->compiled = in->compiled.data;
    out->len = in->compiled.len;
    return 0;
}

void ingest_count(struct counters *c, time_t when, const struct ingest_prepared *p)
{
    time_t hour = hour_floor(when);
    counters_apply(c, hour, p->compiled, p->len);
    counters_add_accepted(c, hour, p->nodpv);
}

int ingest_bytes(struct ingest *in, struct counters *c, time_t when, const char *buf, size_t len,
                 struct datagram_error *err, size_t *repaired, int *nodpv)
{
    struct ingest_prepared p;
    if (ingest_prepare(in, buf, len, &p, err) != 0) {
        counters_add_outcome(c, hour_floor(when), err->reason);
        return -1;
    }
    ingest_count(c, when, &p);
    if (repaired)
        *repaired = p.repaired;
    if (nodpv)
        *nodpv = p.nodpv;
    return 0;
}
