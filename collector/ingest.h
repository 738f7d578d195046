/* The one path from bytes to counters, shared by `collect` (a datagram) and `record` (a line):
 * parse, then count the result under its UTC hour, or count the rejection reason.
 *
 * Identical bytes are common (every successful session to one domain sends the same
 * datagram), so accepted datagrams are remembered, byte for byte, with their compiled
 * increments: a repeat is counted without parsing it again. The cache is bounded by the bytes
 * it holds (CACHE_BUDGET in ingest.c), and so is the scratch memory one datagram leaves. */
#ifndef TLSRPT_INGEST_H
#define TLSRPT_INGEST_H

#include <stddef.h>
#include <time.h>

#include "collector/counters.h"
#include "collector/datagram.h"

struct ingest;

struct ingest *ingest_new(void);
void ingest_free(struct ingest *in);

/* Parsing and counting in two steps, so that a collector can parse outside its counters'
 * lock. ingest_prepare parses buf (or finds it in the cache): 0 and *out, valid until the
 * next call on in, or -1 with err filled. ingest_count counts it under when's UTC hour. */
struct ingest_prepared {
    const char *compiled;   /* counters_compile's form */
    size_t len;
    size_t repaired;        /* invalid UTF-8 bytes replaced */
    int nodpv;              /* 1: no dpv member (read as version 1, libtlsrpt 0.5.0rc1) */
};
int ingest_prepare(struct ingest *in, const char *buf, size_t len, struct ingest_prepared *out,
                   struct datagram_error *err);
void ingest_count(struct counters *c, time_t when, const struct ingest_prepared *p);

/* Bytes held by the cache (datagrams and their compiled forms). */
size_t ingest_cache_bytes(const struct ingest *in);

/* Both steps. Returns 0 when accepted, -1 when rejected (err says why). *repaired (may be
 * NULL) receives the number of bytes repaired (invalid UTF-8), *nodpv (may be NULL) 1 when an
 * accepted datagram had no dpv (read as version 1). */
int ingest_bytes(struct ingest *in, struct counters *c, time_t when, const char *buf, size_t len,
                 struct datagram_error *err, size_t *repaired, int *nodpv);

#endif
