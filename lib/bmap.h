/* A hash map from byte strings to two 64-bit values: the in-memory counters of the collector
 * and its id caches. Open addressing, linear probing; keys are copied. */
#ifndef TLSRPT_BMAP_H
#define TLSRPT_BMAP_H

#include <stddef.h>
#include <stdint.h>

struct bmap_entry {
    char *key;          /* NULL = empty slot */
    size_t keylen;
    uint64_t hash;
    int64_t a, b;
};

struct bmap {
    struct bmap_entry *slots;
    size_t cap;         /* power of two, or 0 */
    size_t count;
    size_t key_bytes;   /* sum of key lengths, for memory accounting */
};

#define BMAP_INIT {NULL, 0, 0, 0}

uint64_t bmap_hash(const void *key, size_t len);
/* Finds key, inserting it with a = b = 0 when absent (*created set to 1). Never NULL. */
struct bmap_entry *bmap_upsert(struct bmap *m, const void *key, size_t len, int *created);
/* The same with h = bmap_hash(key, len) computed once by the caller (an interned string that
 * is looked up again and again). */
struct bmap_entry *bmap_upsert_hashed(struct bmap *m, const void *key, size_t len, uint64_t h,
                                      int *created);
/* NULL when absent. */
struct bmap_entry *bmap_find(const struct bmap *m, const void *key, size_t len);
/* Iteration: pass *pos = 0 first; returns NULL at the end. */
struct bmap_entry *bmap_next(const struct bmap *m, size_t *pos);
void bmap_clear(struct bmap *m);   /* frees the keys, keeps nothing */

#endif
