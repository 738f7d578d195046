#include "bmap.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* FNV-1a over 8-byte words with a final avalanche: fast for the short keys we hash and good
 * enough for a table that is never exposed to a hash-flooding oracle across restarts... and
 * seeded per process so that a hostile MTA peer cannot precompute collisions. */
static uint64_t bmap_seed;

uint64_t bmap_hash(const void *key, size_t len)
{
    if (bmap_seed == 0) {
        uint64_t s = (uint64_t)(uintptr_t)&bmap_seed ^ 0x9e3779b97f4a7c15ULL;
        bmap_seed = s | 1;
    }
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL ^ bmap_seed;
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3ULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    while (len--) {
        h = (h ^ *p++) * 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static void bmap_grow(struct bmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct bmap_entry *ns = xcalloc(ncap, sizeof *ns);
    for (size_t i = 0; i < m->cap; i++) {
        struct bmap_entry *e = &m->slots[i];
        if (e->key == NULL)
            continue;
        size_t j = e->hash & (ncap - 1);
        while (ns[j].key != NULL)
            j = (j + 1) & (ncap - 1);
        ns[j] = *e;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
}

static struct bmap_entry *probe(const struct bmap *m, const void *key, size_t len, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    for (;;) {
        struct bmap_entry *e = &m->slots[i];
        if (e->key == NULL)
            return e;
        if (e->hash == h && e->keylen == len && memcmp(e->key, key, len) == 0)
            return e;
        i = (i + 1) & (m->cap - 1);
    }
}

struct bmap_entry *bmap_find(const struct bmap *m, const void *key, size_t len)
{
    if (m->cap == 0)
        return NULL;
    struct bmap_entry *e = probe(m, key, len, bmap_hash(key, len));
    return e->key ? e : NULL;
}

struct bmap_entry *bmap_upsert(struct bmap *m, const void *key, size_t len, int *created)
{
    return bmap_upsert_hashed(m, key, len, bmap_hash(key, len), created);
}

struct bmap_entry *bmap_upsert_hashed(struct bmap *m, const void *key, size_t len, uint64_t h,
                                      int *created)
{
    if ((m->count + 1) * 4 > m->cap * 3)
        bmap_grow(m);
    struct bmap_entry *e = probe(m, key, len, h);
    if (created)
        *created = e->key == NULL;
    if (e->key == NULL) {
        e->key = xmalloc(len ? len : 1);
        memcpy(e->key, key, len);
        e->keylen = len;
        e->hash = h;
        e->a = e->b = 0;
        m->count++;
        m->key_bytes += len;
    }
    return e;
}

struct bmap_entry *bmap_next(const struct bmap *m, size_t *pos)
{
    while (*pos < m->cap) {
        struct bmap_entry *e = &m->slots[(*pos)++];
        if (e->key != NULL)
            return e;
    }
    return NULL;
}

void bmap_clear(struct bmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->slots[i].key);
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = m->key_bytes = 0;
}
