/* The one path from bytes to counters, shared by `collect` (a datagram) and `record` (a line):
 * parse, then count the result under its UTC hour, or count the rejection reason.
 *
 * Identical bytes are common (every successful session to one domain sends the same
 * datagram), so accepted datagrams are remembered, byte for byte, with their compiled
 * increments: a repeat is counted without parsing it again. The cache is bounded. */
#ifndef TLSRPT_INGEST_H
#define TLSRPT_INGEST_H

#include <stddef.h>
#include <time.h>

#include "collector/counters.h"
#include "collector/datagram.h"

struct ingest;

struct ingest *ingest_new(void);
void ingest_free(struct ingest *in);

/* Returns 0 when accepted, -1 when rejected (err says why). *repaired (may be NULL) receives
 * the number of bytes repaired (invalid UTF-8), *nodpv (may be NULL) 1 when an accepted
 * datagram had no dpv (read as version 1). */
int ingest_bytes(struct ingest *in, struct counters *c, time_t when, const char *buf, size_t len,
                 struct datagram_error *err, size_t *repaired, int *nodpv);

#endif
