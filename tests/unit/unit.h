/* A minimal table-driven unit test harness: each check prints "PASS name" or
 * "FAIL name: why", which tests/run.sh counts. main() returns unit_status(). */
#ifndef TLSRPT_UNIT_H
#define TLSRPT_UNIT_H

#include <stdio.h>
#include <string.h>

#include "lib/buf.h"

static int unit_failures;

#define UNIT_CHECK(name, cond, ...)                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("PASS %s\n", name);                                                             \
        } else {                                                                                   \
            unit_failures++;                                                                       \
            printf("FAIL %s: ", name);                                                             \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

#define UNIT_STR_EQ(name, want, got)                                                               \
    do {                                                                                           \
        const char *w_ = (want), *g_ = (got);                                                      \
        UNIT_CHECK(name, (w_ == NULL && g_ == NULL) || (w_ && g_ && strcmp(w_, g_) == 0),         \
                   "expected \"%s\", got \"%s\"", w_ ? w_ : "(null)", g_ ? g_ : "(null)");        \
    } while (0)

/* The whole file, NUL-terminated (malloc'ed); its length in *len unless len is NULL.
 * NULL when it cannot be opened. */
static inline char *unit_slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    struct buf b = BUF_INIT;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        buf_append(&b, chunk, n);
    fclose(fp);
    if (len != NULL)
        *len = b.len;
    return buf_steal(&b);
}

static inline int unit_status(void)
{
    return unit_failures ? 1 : 0;
}

#endif
