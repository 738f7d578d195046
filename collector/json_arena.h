/* A bump allocator for jansson, per parsing thread, so that the parse tree of one datagram
 * costs a few pointer increments instead of dozens of malloc/free pairs (the largest cost of
 * a distinct datagram after the parse itself).
 *
 * jansson's allocator is process-wide (json_set_alloc_funcs); json_arena_install sets one
 * that allocates from the calling thread's arena while json_arena_begin .. json_arena_end is
 * open and from malloc otherwise. Its free is a no-op for a pointer inside the thread's open
 * arena and free() for anything else, so jansson values made outside a scope (by any thread,
 * before or after installing) stay plain heap values. json_arena_end releases everything
 * allocated in the scope at once: no jansson value made in a scope may be used after it. */
#ifndef TLSRPT_JSON_ARENA_H
#define TLSRPT_JSON_ARENA_H

#include <stddef.h>

struct json_arena;

struct json_arena *json_arena_new(void);
void json_arena_free(struct json_arena *a);   /* not while a scope on it is open */

/* Idempotent, thread-safe. */
void json_arena_install(void);

/* Scopes nest in no way: one open arena per thread. */
void json_arena_begin(struct json_arena *a);
void json_arena_end(struct json_arena *a);

/* Bytes the arena holds between scopes (one chunk at most). */
size_t json_arena_bytes(const struct json_arena *a);

#endif
