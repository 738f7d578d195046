/* The `record` line reader: datagram JSON objects, one per line, counted through the same
 * path as the collector's datagrams (ingest_bytes). It reads a stream and hands batches of
 * counters to a callback; it touches no database itself, so the fuzzer and tests can drive it
 * from memory (fmemopen) and `tlsrpt record` stores the batches (store_counters). */
#ifndef TLSRPT_RECORD_H
#define TLSRPT_RECORD_H

#include <stdio.h>
#include <time.h>

#include "collector/counters.h"

struct record_stats {
    unsigned long lines;    /* lines read, blank ones included */
    unsigned long good;     /* lines accepted */
    unsigned long bad;      /* lines rejected (reported when report_bad) */
    unsigned long stored;   /* accepted lines in batches the callback took */
};

/* Takes a batch of counters (for `record`: stores it). Returns 0, or -1 to stop reading.
 * The reader frees the batch afterwards either way. */
typedef int record_flush_fn(void *arg, struct counters *batch);

/* Reads `in` to its end. A line ends at \n; trailing \r and \n bytes are dropped and an
 * empty line is skipped; every other line is one datagram, counted under the UTC hour of
 * `when`. With report_bad a rejected line is logged as an error:
 *     tlsrpt record: error: line N: rejected reason=R: message
 * After every `batch` accepted lines, and at the end, flush is called with the counters.
 * Returns 0, or -1 when flush failed (reading stops there; st says how far it got). */
int record_read(FILE *in, time_t when, unsigned long batch, record_flush_fn *flush, void *arg,
                int report_bad, struct record_stats *st);

#endif
