/* The collector daemon's shared state (internal to collector/). Three threads:
 *   receiver (main thread)  socket -> ring            never waits on anything but recv()
 *   parser                  ring -> counters          parse, count, log rejections
 *   writer                  counters -> SQLite        one transaction per flush_interval
 * The receiver only copies bytes, so the kernel's 10-datagram queue is emptied at once even
 * while a long datagram is parsed or a commit takes the CPU. */
#ifndef TLSRPT_COLLECTOR_H
#define TLSRPT_COLLECTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "collector/counters.h"
#include "collector/ingest.h"
#include "collector/listener.h"
#include "collector/ring.h"
#include "collector/store.h"
#include "lib/config.h"
#include "lib/db.h"

#define COLLECTOR_REASONS 16
/* Thread priorities (nice, relative to the receiver's 0): when the CPU is short, the receiver
 * runs first, then the parser, then the writer. */
#define COLLECTOR_PARSER_NICE 5
#define COLLECTOR_WRITER_NICE 10
/* The parser waits for the writer when one interval's counters grow past this: memory stays
 * bounded and the writer is not starved of CPU by a parser that runs ahead. */
#define COLLECTOR_BATCH_MAX_BYTES (16u << 20)

struct collector {
    const struct config *cfg;
    struct listener listener;
    int sigfd;
    struct ring *ring;
    struct db *db;
    struct store *store;
    struct ingest *ingest;            /* parser thread only */

    _Atomic uint64_t received;        /* receiver: datagrams read from the socket */
    _Atomic uint64_t ring_waits;      /* receiver: times the parser was a whole ring behind */

    pthread_mutex_t lock;
    pthread_cond_t wake;              /* writer: stop waiting for the interval */
    pthread_cond_t drained;           /* parser: the writer took the counters */
    struct counters current;          /* under lock: filled by the parser */
    int stopping;                     /* under lock: the writer's last round */
    int flush_now;                    /* under lock: the parser is waiting for a commit */
    uint64_t accepted, repaired;      /* under lock */
    uint64_t nodpv;                   /* under lock: accepted without dpv (libtlsrpt < 0.5.0) */
    uint64_t rejected[COLLECTOR_REASONS]; /* under lock, indexed like datagram_reasons */
    uint64_t log_suppressed;          /* under lock */

    /* parser thread only */
    time_t limit_window;
    int logs_in_window, dumps_in_window;
    unsigned long dump_seq;

    /* writer thread only */
    struct counters pending;          /* taken from current, not yet committed */
    uint64_t stored, lost, commit_failures;
    time_t next_summary;
};

/* writer.c */
void *collector_writer_main(void *collector);
void collector_summary(struct collector *c, const char *what);

#endif
