/* The collector daemon's shared state (internal to collector/). Threads:
 *   receiver (main thread)  socket -> rings           never waits on anything but recv();
 *                                                     stamps each datagram with its receive time
 *   parsers (COLLECTOR_PARSERS) ring -> counters      parse (outside the lock), count, log
 *                                                     rejections
 *   writer                  counters -> SQLite        one transaction per flush_interval
 * The receiver only copies bytes, so the kernel's 10-datagram queue is emptied at once even
 * while a long datagram is parsed or a commit takes the CPU. A datagram counts under the hour
 * it was received in, however long it waited in a ring. */
#ifndef TLSRPT_COLLECTOR_H
#define TLSRPT_COLLECTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
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
/* Parsing (jansson) is most of a distinct datagram's cost, and counting is cheap: parsers on
 * two cores keep up with a receiver that recv()s at the socket's speed. Each has its ring
 * and its cache of identical datagrams. */
#define COLLECTOR_PARSERS 2

struct collector;

struct collector_parser {
    struct collector *c;
    struct ring *ring;
    struct ingest *ingest;            /* this parser only */
    pthread_t thread;
    int started;
};

struct collector {
    const struct config *cfg;
    struct listener listener;
    int sigfd;
    struct collector_parser parsers[COLLECTOR_PARSERS];
    unsigned next_ring;               /* receiver: where a tie between rings goes */
    struct db *db;
    struct store *store;

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

    /* under lock: rejection log limits */
    time_t limit_window;
    int logs_in_window, dumps_in_window;
    unsigned long dump_seq;

    /* writer thread only */
    struct counters pending;          /* taken from current, not yet committed */
    uint64_t stored, lost, commit_failures;
    time_t next_summary;
};

/* collect.c: the receiver's hand-over of one datagram of n bytes (n > the buffer: truncated)
 * to a parser's ring, stamped with the clock; a parser thread's loop (returns when its ring
 * is closed and empty). */
void collector_receive(struct collector *c, const char *buf, ssize_t n);
void *collector_parser_main(void *collector_parser);
/* Set-up and tear-down of the state above (not the socket, database or threads). */
void collector_init(struct collector *c, const struct config *cfg);
void collector_destroy(struct collector *c);

/* writer.c */
void *collector_writer_main(void *collector);
void collector_summary(struct collector *c, const char *what);

#endif
