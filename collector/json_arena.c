#include "json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#include "lib/buf.h"

/* Memory checkers see what a heap would show them: every allocation is addressable only
 * while its scope is open, with a no-access gap after it (an overrun is caught), and the
 * whole arena is no-access between scopes (a value kept past json_arena_end is caught). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) && !defined(__SANITIZE_ADDRESS__)
#define __SANITIZE_ADDRESS__ 1 /* clang's spelling of gcc's macro */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && __has_include(<sanitizer/asan_interface.h>)
#include <sanitizer/asan_interface.h>
#define NOACCESS(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNDEFINED(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#define GAP ALIGN
#elif __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define NOACCESS(p, n) VALGRIND_MAKE_MEM_NOACCESS(p, n)
#define UNDEFINED(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#define GAP (RUNNING_ON_VALGRIND ? ALIGN : 0)
#else
#define NOACCESS(p, n) ((void)(p), (void)(n))
#define UNDEFINED(p, n) ((void)(p), (void)(n))
#define GAP 0
#endif

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
    NOACCESS(c->data, size);
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
    size_t want = n, step = ((n + ALIGN - 1) & ~(size_t)(ALIGN - 1)) + GAP;
    struct chunk *c = a->chunks;
    if (c == NULL || c->size - c->used < step) {
        c = chunk_new(step > CHUNK_BYTES ? step : CHUNK_BYTES);
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = c->data + c->used;
    c->used += step;
    UNDEFINED(p, want);
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
            NOACCESS(keep->data, keep->size);
            keep->next = NULL;
        } else {
            UNDEFINED(c->data, c->size);
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
        UNDEFINED(c->data, c->size);
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
