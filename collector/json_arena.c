#include "json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/buf.h"

/* Enough for the tree of a typical datagram (a few KiB); a larger one takes more chunks,
 * released at the end of its scope. */
#define CHUNK_BYTES (32u << 10)
#define ALIGN alignof(max_align_t)

struct chunk {
    struct chunk *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

struct json_arena {
    struct chunk *chunks; /* newest first */
};

static __thread struct json_arena *open_arena;

static struct chunk *chunk_new(size_t size)
{
    struct chunk *c = xmalloc(sizeof *c + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

static int owns(const struct json_arena *a, const void *p)
{
    const unsigned char *q = p;
    for (const struct chunk *c = a->chunks; c != NULL; c = c->next)
        if ((uintptr_t)q >= (uintptr_t)c->data && (uintptr_t)q < (uintptr_t)(c->data + c->size))
            return 1;
    return 0;
}

static void *arena_malloc(size_t n)
{
    struct json_arena *a = open_arena;
    if (a == NULL)
        return malloc(n);
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    struct chunk *c = a->chunks;
    if (c == NULL || c->size - c->used < n) {
        c = chunk_new(n > CHUNK_BYTES ? n : CHUNK_BYTES);
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static void arena_free(void *p)
{
    struct json_arena *a = open_arena;
    if (p == NULL || (a != NULL && owns(a, p)))
        return; /* released with the whole scope */
    free(p);
}

static void install_once(void)
{
    json_set_alloc_funcs(arena_malloc, arena_free);
}

void json_arena_install(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install_once);
}

struct json_arena *json_arena_new(void)
{
    return xcalloc(1, sizeof(struct json_arena));
}

/* Keeps one default-sized chunk for the next scope; a big datagram's chunks go back. */
static void reset(struct json_arena *a)
{
    struct chunk *keep = NULL;
    for (struct chunk *c = a->chunks, *next; c != NULL; c = next) {
        next = c->next;
        if (keep == NULL && c->size == CHUNK_BYTES) {
            keep = c;
            keep->used = 0;
            keep->next = NULL;
        } else {
            free(c);
        }
    }
    a->chunks = keep;
}

void json_arena_free(struct json_arena *a)
{
    if (a == NULL)
        return;
    for (struct chunk *c = a->chunks, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void json_arena_begin(struct json_arena *a)
{
    open_arena = a;
}

void json_arena_end(struct json_arena *a)
{
    if (open_arena == a)
        open_arena = NULL;
    reset(a);
}

size_t json_arena_bytes(const struct json_arena *a)
{
    size_t n = 0;
    for (const struct chunk *c = a->chunks; c != NULL; c = c->next)
        n += sizeof *c + c->size;
    return n;
}
