/* collector/json_arena.c: jansson's allocator per parsing scope. A tree made in a scope lives
 * in the arena (its frees cost nothing) and the arena is reused; values made outside a scope
 * are plain heap values whoever frees them; a tree bigger than a chunk works and its extra
 * chunks go back at the end. (Under SANITIZE=1 and valgrind the arena is no-access between
 * scopes, so these checks also run with a memory checker watching.) */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/json_arena.h"
#include "unit.h"

/* A JSON array of n objects with a distinct key and string each: a tree of many allocations. */
static char *big_json(int n)
{
    struct buf b = BUF_INIT;
    buf_putc(&b, '[');
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s{\"k%d\": \"value number %d\", \"c\": %d}", i ? "," : "", i, i, i);
    buf_append(&b, "]", 2);
    return b.data;
}

int main(void)
{
    json_arena_install();
    json_arena_install(); /* idempotent */
    struct json_arena *a = json_arena_new();
    json_error_t jerr;

    /* Made before any scope: a heap value, freed inside a scope by free() (a leak otherwise,
     * which LeakSanitizer and valgrind would report). */
    json_t *outside = json_pack("{s:s, s:[i,i]}", "name", "outside", "list", 1, 2);
    UNIT_CHECK("arena: value made outside a scope", outside != NULL, "json_pack failed");

    json_arena_begin(a);
    json_t *t = json_loads("{\"d\": \"example.com\", \"policies\": [{\"t\": 1}]}", 0, &jerr);
    UNIT_CHECK("arena: parse in a scope", t != NULL && json_arena_bytes(a) > 0,
               "tree %p, arena %zu bytes", (void *)t, json_arena_bytes(a));
    UNIT_STR_EQ("arena: value read in the scope", "example.com",
                json_string_value(json_object_get(t, "d")));
    json_decref(outside); /* a heap value freed while a scope is open goes to free() */
    json_decref(t);       /* the tree's frees are no-ops */
    json_arena_end(a);
    size_t kept = json_arena_bytes(a);
    UNIT_CHECK("arena: one chunk kept after the scope", kept > 0 && kept < 64 * 1024,
               "%zu bytes", kept);

    /* A tree far bigger than a chunk, then the arena back to one chunk. */
    char *text = big_json(5000);
    json_arena_begin(a);
    json_t *big = json_loads(text, 0, &jerr);
    size_t during = json_arena_bytes(a);
    int ok = big != NULL && json_array_size(big) == 5000;
    json_t *last = ok ? json_array_get(big, 4999) : NULL;
    ok = ok && json_integer_value(json_object_get(last, "c")) == 4999 &&
         strcmp(json_string_value(json_object_get(last, "k4999")), "value number 4999") == 0;
    json_arena_end(a);
    UNIT_CHECK("arena: tree larger than a chunk", ok && during > 4 * kept,
               "parsed %d, arena %zu bytes during the scope", ok, during);
    UNIT_CHECK("arena: extra chunks released", json_arena_bytes(a) == kept,
               "%zu bytes after, %zu before", json_arena_bytes(a), kept);
    free(text);

    /* Outside any scope jansson allocates from the heap: a value survives scopes on the
     * arena and is freed normally. */
    json_t *heap = json_string("kept across scopes");
    for (int i = 0; i < 3; i++) {
        json_arena_begin(a);
        json_t *x = json_loads("[1, 2, {\"a\": \"b\"}]", 0, &jerr);
        json_decref(x);
        json_arena_end(a);
    }
    UNIT_STR_EQ("arena: heap value untouched by scopes", "kept across scopes",
                json_string_value(heap));
    json_decref(heap);

    /* A parse error inside a scope: jansson frees what it built, into the arena. */
    json_arena_begin(a);
    json_t *bad = json_loads("{\"a\": [1, 2, ", 0, &jerr);
    json_arena_end(a);
    UNIT_CHECK("arena: parse error in a scope", bad == NULL, "accepted truncated JSON");

    json_arena_free(a);
    return unit_status();
}
