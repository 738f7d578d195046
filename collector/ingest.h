/* The one path from bytes to counters, shared by `collect` (a datagram) and `record` (a line):
 * parse, then count the result under its UTC hour, or count the rejection reason. */
#ifndef TLSRPT_INGEST_H
#define TLSRPT_INGEST_H

#include <stddef.h>
#include <time.h>

#include "collector/counters.h"
#include "collector/datagram.h"

/* Returns 0 when accepted, -1 when rejected (err says why). `scratch` is reused between
 * calls to avoid reallocating the parse result. repaired (may be NULL) receives the number
 * of bytes repaired. */
int ingest_bytes(struct counters *c, struct tls_result *scratch, time_t when, const char *buf,
                 size_t len, struct datagram_error *err, size_t *repaired);

#endif
