/* In-memory counters: what the collector has accepted since the last commit. The receiver
 * adds to them without touching the database; the writer takes a whole batch and commits it
 * (collector/store.c). Every string is held once per batch (interned) and keys point to it
 * (see counters.c), so memory grows with the distinct strings and keys, not with their
 * product; a batch can be merged into another when a commit must be retried. */
#ifndef TLSRPT_COUNTERS_H
#define TLSRPT_COUNTERS_H

#include <stdint.h>
#include <time.h>

#include "collector/datagram.h"
#include "lib/bmap.h"
#include "lib/buf.h"

struct counters {
    struct bmap sessions;   /* session key -> a successful, b failed */
    struct bmap details;    /* detail key -> a count */
    struct bmap outcomes;   /* hour + outcome -> a datagrams, b of them without dpv */
    struct bmap strings;    /* the interned strings the keys point to */
    uint64_t accepted;      /* datagrams counted in this batch */
    uint64_t rejected;
};

/* A decoded session or detail key. Its strings are the batch's interned copies: within one
 * struct counters, equal strings have equal pointers. */
struct counter_key {
    int64_t hour;
    const char *report_domain;      /* d: whose _smtp._tls record asked for the report */
    const char *record;
    const char *policy_type;        /* RFC name */
    const char *policy_domain;      /* the policy's own domain (DANE: the MX host) */
    const char *strings_json;
    const char *mx_json;
    /* detail keys only */
    const char *result_type;        /* RFC name */
    const char *field[DF_COUNT];    /* "" when not known */
};

void counters_init(struct counters *c);
void counters_free(struct counters *c);
/* Adds one accepted result: a session per policy, a count per failure detail. */
void counters_add_result(struct counters *c, time_t hour, const struct tls_result *r);
/* The same in two steps: compile a result (appended to out: each distinct string once, and
 * per session and detail only indices; independent of the hour and the batch), then apply
 * such a compiled result at an hour. */
void counters_compile(const struct tls_result *r, struct buf *out);
void counters_apply(struct counters *c, time_t hour, const char *compiled, size_t len);
/* Adds already-counted sessions / failure details under a key given field by field (counters
 * imported from another host; see collector/exchange.c). k->hour is used as it is. */
void counters_add_session_counts(struct counters *c, const struct counter_key *k,
                                 int64_t successful, int64_t failed);
void counters_add_detail_count(struct counters *c, const struct counter_key *k, int64_t count);
/* Adds one datagram outcome ("accepted" or a rejection reason). */
void counters_add_outcome(struct counters *c, time_t hour, const char *outcome);
/* Adds one accepted datagram; nodpv: it had no dpv member (read as version 1). */
void counters_add_accepted(struct counters *c, time_t hour, int nodpv);
/* Adds everything of src to dst (src is left unchanged). */
void counters_merge(struct counters *dst, const struct counters *src);
int counters_empty(const struct counters *c);
/* Approximate heap bytes held, for the memory cap on retried batches. */
size_t counters_bytes(const struct counters *c);

/* Frees the calling thread's key-building buffer (at thread exit, for leak checkers). */
void counters_thread_done(void);

/* Decoders for the writer. Return 0, or -1 for a key that is not of that kind. */
int counters_session_key(const struct bmap_entry *e, struct counter_key *k);
int counters_detail_key(const struct bmap_entry *e, struct counter_key *k);
int counters_outcome_key(const struct bmap_entry *e, int64_t *hour, const char **outcome);

#endif
