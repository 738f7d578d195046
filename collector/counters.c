/* In-memory counters. Each string is kept once per batch (c->strings interns it: the key is
 * the string with its NUL) and the counter keys hold pointers to those copies, so a failure
 * detail costs a fixed-size key however long its record and policy strings are:
 *   session key = struct session_key: hour, then the interned report domain, record, policy
 *                 type (RFC name), policy domain, policy-string JSON and mx-host JSON
 *   detail key  = struct detail_key: a session key, then the interned result type (RFC name)
 *                 and the six detail fields ("" when not known)
 *   outcome key = hour (8 bytes) outcome\0   (a: datagrams, b: of them without dpv)
 * Within one struct counters equal strings have equal pointers, so equal key bytes mean equal
 * keys; a merge re-interns into the destination. No string can hold a NUL: jansson refuses
 * \u0000 and raw NULs are invalid JSON. */
#include "counters.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"

enum { SESSION_STRINGS = 6, DETAIL_STRINGS = 1 + DF_COUNT };

struct session_key {
    int64_t hour;
    const char *s[SESSION_STRINGS]; /* report domain (d), record, policy type,
                                     * policy domain, strings, mx */
};

struct detail_key {
    struct session_key session;
    const char *s[DETAIL_STRINGS];  /* result type, then the detail fields */
};

/* Scratch buffers, reused per datagram by the calling thread; released after a datagram that
 * made them grow past SCRATCH_KEEP, so one huge datagram does not pin its memory. */
#define SCRATCH_KEEP (64u << 10)
static __thread struct buf keybuf, scratch_sessions, scratch_details, scratch_strings,
    scratch_offsets, scratch_ptrs;
static __thread uint32_t *dedup_slots;
static __thread size_t dedup_cap;

static void scratch_trim(struct buf *b)
{
    if (b->cap > SCRATCH_KEEP)
        buf_free(b);
}

void counters_init(struct counters *c)
{
    memset(c, 0, sizeof *c);
}

void counters_free(struct counters *c)
{
    bmap_clear(&c->sessions);
    bmap_clear(&c->details);
    bmap_clear(&c->outcomes);
    bmap_clear(&c->strings);
    c->accepted = c->rejected = 0;
}

void counters_thread_done(void)
{
    struct buf *all[] = {&keybuf, &scratch_sessions, &scratch_details, &scratch_strings,
                         &scratch_offsets, &scratch_ptrs};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        buf_free(all[i]);
    free(dedup_slots);
    dedup_slots = NULL;
    dedup_cap = 0;
}

int counters_empty(const struct counters *c)
{
    return c->sessions.count == 0 && c->details.count == 0 && c->outcomes.count == 0;
}

size_t counters_bytes(const struct counters *c)
{
    const struct bmap *m[] = {&c->sessions, &c->details, &c->outcomes, &c->strings};
    size_t n = 0;
    for (int i = 0; i < 4; i++)
        n += m[i]->key_bytes + m[i]->cap * sizeof(struct bmap_entry) + m[i]->count * 16;
    return n;
}

/* The interned copy of s (len counts its NUL; hash = bmap_hash(s, len)). */
static const char *intern_hashed(struct counters *c, const char *s, size_t len, uint64_t hash)
{
    return bmap_upsert_hashed(&c->strings, s, len, hash, NULL)->key;
}

static const char *intern(struct counters *c, const char *s)
{
    size_t len = strlen(s) + 1;
    return intern_hashed(c, s, len, bmap_hash(s, len));
}

/* ---- compiled results -------------------------------------------------------------------
 * A compiled result (counters_compile) holds each distinct string of the datagram once and
 * its increments as indices into them, independent of the hour and of any batch:
 *   u32 nstrings, nsessions, ndetails
 *   nsessions x {u32 kind, u32 string[SESSION_STRINGS]}
 *   ndetails  x {u32 session, u32 string[DETAIL_STRINGS]}
 *   nstrings  x {u64 hash, u32 length with the NUL, the bytes}
 * so that the same datagram bytes can be counted again without parsing (ingest.c), and a
 * detail costs 4 x (1 + DETAIL_STRINGS) bytes whatever the size of its strings. */
enum { INC_SUCCESS = 'S', INC_FAILURE = 'F' };
#define STRING_HDR (sizeof(uint64_t) + sizeof(uint32_t))

static uint32_t u32_at(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void put_u32(struct buf *b, uint32_t v)
{
    buf_append(b, &v, sizeof v);
}

static void dedup_reset(void)
{
    scratch_trim(&scratch_strings);
    scratch_trim(&scratch_offsets);
    buf_reset(&scratch_strings);
    buf_reset(&scratch_offsets);
    if (dedup_cap > 4096) {
        free(dedup_slots);
        dedup_slots = NULL;
        dedup_cap = 0;
    } else if (dedup_cap) {
        memset(dedup_slots, 0, dedup_cap * sizeof *dedup_slots);
    }
}

static uint32_t dedup_count(void)
{
    return (uint32_t)(scratch_offsets.len / sizeof(uint32_t));
}

static void dedup_insert(uint32_t idx, uint64_t h)
{
    size_t i = h & (dedup_cap - 1);
    while (dedup_slots[i])
        i = (i + 1) & (dedup_cap - 1);
    dedup_slots[i] = idx + 1;
}

static void dedup_grow(void)
{
    size_t ncap = dedup_cap ? dedup_cap * 2 : 64;
    free(dedup_slots);
    dedup_slots = xcalloc(ncap, sizeof *dedup_slots);
    dedup_cap = ncap;
    for (uint32_t idx = 0; idx < dedup_count(); idx++) {
        uint64_t h;
        memcpy(&h, scratch_strings.data + u32_at(scratch_offsets.data + idx * 4), sizeof h);
        dedup_insert(idx, h);
    }
}

/* The index of s among the datagram's strings, added when new. */
static uint32_t dedup_add(const char *s)
{
    uint32_t len = (uint32_t)strlen(s) + 1;
    uint64_t h = bmap_hash(s, len);
    if ((dedup_count() + 1) * 2 > dedup_cap)
        dedup_grow();
    size_t i = h & (dedup_cap - 1);
    while (dedup_slots[i]) {
        uint32_t idx = dedup_slots[i] - 1;
        const char *p = scratch_strings.data + u32_at(scratch_offsets.data + idx * 4);
        uint64_t ph;
        memcpy(&ph, p, sizeof ph);
        if (ph == h && u32_at(p + sizeof ph) == len && memcmp(p + STRING_HDR, s, len) == 0)
            return idx;
        i = (i + 1) & (dedup_cap - 1);
    }
    uint32_t idx = dedup_count();
    dedup_slots[i] = idx + 1;
    put_u32(&scratch_offsets, (uint32_t)scratch_strings.len);
    buf_append(&scratch_strings, &h, sizeof h);
    put_u32(&scratch_strings, len);
    buf_append(&scratch_strings, s, len);
    return idx;
}

void counters_compile(const struct tls_result *r, struct buf *out)
{
    struct buf *sess = &scratch_sessions, *det = &scratch_details;
    buf_reset(sess);
    buf_reset(det);
    dedup_reset();
    uint32_t ndetails = 0;
    for (size_t i = 0; i < r->npolicies; i++) {
        const struct policy_result *p = &r->policies[i];
        put_u32(sess, p->failed ? INC_FAILURE : INC_SUCCESS);
        put_u32(sess, dedup_add(r->domain));
        put_u32(sess, dedup_add(r->record));
        put_u32(sess, dedup_add(policy_type_name(p->type)));
        put_u32(sess, dedup_add(p->domain));
        put_u32(sess, dedup_add(p->strings_json));
        put_u32(sess, dedup_add(p->mx_json));
        for (size_t j = 0; j < p->ndetails; j++) {
            const struct failure_detail *fd = &p->details[j];
            put_u32(det, (uint32_t)i);
            put_u32(det, dedup_add(result_type_name(fd->code)));
            for (int f = 0; f < DF_COUNT; f++)
                put_u32(det, dedup_add(fd->field[f] ? fd->field[f] : ""));
            ndetails++;
        }
    }
    put_u32(out, dedup_count());
    put_u32(out, (uint32_t)r->npolicies);
    put_u32(out, ndetails);
    buf_append(out, sess->data, sess->len);
    buf_append(out, det->data, det->len);
    buf_append(out, scratch_strings.data, scratch_strings.len);
    scratch_trim(det);
}

void counters_apply(struct counters *c, time_t hour, const char *compiled, size_t len)
{
    if (len < 3 * sizeof(uint32_t))
        return;
    uint32_t nstrings = u32_at(compiled), nsessions = u32_at(compiled + 4),
             ndetails = u32_at(compiled + 8);
    const char *sess = compiled + 12;
    const char *det = sess + (size_t)nsessions * 4 * (1 + SESSION_STRINGS);
    const char *p = det + (size_t)ndetails * 4 * (1 + DETAIL_STRINGS), *end = compiled + len;

    /* Each string is looked up once (with the hash computed at compile time), not per key. */
    buf_reset(&scratch_ptrs);
    buf_reserve(&scratch_ptrs, (size_t)nstrings * sizeof(char *));
    const char **ptrs = (const char **)(void *)scratch_ptrs.data;
    for (uint32_t i = 0; i < nstrings && p + STRING_HDR <= end; i++) {
        uint64_t h;
        memcpy(&h, p, sizeof h);
        uint32_t slen = u32_at(p + sizeof h);
        ptrs[i] = intern_hashed(c, p + STRING_HDR, slen, h);
        p += STRING_HDR + slen;
    }

    struct session_key sk[DATAGRAM_MAX_POLICIES];
    memset(sk, 0, sizeof sk);
    for (uint32_t i = 0; i < nsessions && i < DATAGRAM_MAX_POLICIES; i++) {
        const char *q = sess + (size_t)i * 4 * (1 + SESSION_STRINGS);
        sk[i].hour = (int64_t)hour;
        for (int j = 0; j < SESSION_STRINGS; j++)
            sk[i].s[j] = ptrs[u32_at(q + 4 + 4 * j)];
        struct bmap_entry *e = bmap_upsert(&c->sessions, &sk[i], sizeof sk[i], NULL);
        if (u32_at(q) == INC_FAILURE)
            e->b++;
        else
            e->a++;
    }
    for (uint32_t i = 0; i < ndetails; i++) {
        const char *q = det + (size_t)i * 4 * (1 + DETAIL_STRINGS);
        struct detail_key dk;
        dk.session = sk[u32_at(q) % DATAGRAM_MAX_POLICIES];
        for (int j = 0; j < DETAIL_STRINGS; j++)
            dk.s[j] = ptrs[u32_at(q + 4 + 4 * j)];
        bmap_upsert(&c->details, &dk, sizeof dk, NULL)->a++;
    }
    scratch_trim(&scratch_ptrs);
    c->accepted++;
}

void counters_add_result(struct counters *c, time_t hour, const struct tls_result *r)
{
    struct buf compiled = BUF_INIT;
    counters_compile(r, &compiled);
    counters_apply(c, hour, compiled.data, compiled.len);
    buf_free(&compiled);
}

/* ---- counters given field by field (imports) --------------------------------------------- */

static void session_key_of(struct counters *c, const struct counter_key *k, struct session_key *sk)
{
    memset(sk, 0, sizeof *sk);
    sk->hour = k->hour;
    sk->s[0] = intern(c, k->report_domain);
    sk->s[1] = intern(c, k->record);
    sk->s[2] = intern(c, k->policy_type);
    sk->s[3] = intern(c, k->policy_domain);
    sk->s[4] = intern(c, k->strings_json);
    sk->s[5] = intern(c, k->mx_json);
}

void counters_add_session_counts(struct counters *c, const struct counter_key *k,
                                 int64_t successful, int64_t failed)
{
    struct session_key sk;
    session_key_of(c, k, &sk);
    struct bmap_entry *e = bmap_upsert(&c->sessions, &sk, sizeof sk, NULL);
    e->a += successful;
    e->b += failed;
}

void counters_add_detail_count(struct counters *c, const struct counter_key *k, int64_t count)
{
    struct detail_key dk;
    memset(&dk, 0, sizeof dk);
    session_key_of(c, k, &dk.session);
    dk.s[0] = intern(c, k->result_type);
    for (int f = 0; f < DF_COUNT; f++)
        dk.s[1 + f] = intern(c, k->field[f] ? k->field[f] : "");
    bmap_upsert(&c->details, &dk, sizeof dk, NULL)->a += count;
}

static struct bmap_entry *outcome_entry(struct counters *c, time_t hour, const char *outcome)
{
    struct buf *b = &keybuf;
    int64_t h = (int64_t)hour;
    buf_reset(b);
    buf_append(b, &h, sizeof h);
    buf_append(b, outcome, strlen(outcome) + 1);
    return bmap_upsert(&c->outcomes, b->data, b->len, NULL);
}

void counters_add_outcome(struct counters *c, time_t hour, const char *outcome)
{
    outcome_entry(c, hour, outcome)->a++;
    if (strcmp(outcome, "accepted") != 0)
        c->rejected++;
}

void counters_add_accepted(struct counters *c, time_t hour, int nodpv)
{
    struct bmap_entry *e = outcome_entry(c, hour, "accepted");
    e->a++;
    e->b += nodpv != 0;
}

/* ---- merging ----------------------------------------------------------------------------- */

/* src's interned pointers -> dst's, through a map keyed by the pointer value. */
static const char *translate(const struct bmap *tr, const char *p)
{
    return (const char *)(intptr_t)bmap_find(tr, &p, sizeof p)->a;
}

static void merge_map(struct bmap *dst, const struct bmap *src, const struct bmap *tr, int nptr)
{
    size_t pos = 0;
    struct bmap_entry *e;
    char key[sizeof(struct detail_key)];
    while ((e = bmap_next(src, &pos)) != NULL) {
        const void *k = e->key;
        if (nptr > 0 && e->keylen == sizeof(int64_t) + (size_t)nptr * sizeof(char *)) {
            memcpy(key, e->key, e->keylen);
            for (int i = 0; i < nptr; i++) {
                const char *p;
                char *slot = key + sizeof(int64_t) + (size_t)i * sizeof p;
                memcpy(&p, slot, sizeof p);
                p = translate(tr, p);
                memcpy(slot, &p, sizeof p);
            }
            k = key;
        }
        struct bmap_entry *d = bmap_upsert(dst, k, e->keylen, NULL);
        d->a += e->a;
        d->b += e->b;
    }
}

void counters_merge(struct counters *dst, const struct counters *src)
{
    struct bmap tr = BMAP_INIT;
    size_t pos = 0;
    struct bmap_entry *e;
    while ((e = bmap_next(&src->strings, &pos)) != NULL) {
        const char *from = e->key, *to = intern_hashed(dst, e->key, e->keylen, e->hash);
        bmap_upsert(&tr, &from, sizeof from, NULL)->a = (int64_t)(intptr_t)to;
    }
    merge_map(&dst->sessions, &src->sessions, &tr, SESSION_STRINGS);
    merge_map(&dst->details, &src->details, &tr, SESSION_STRINGS + DETAIL_STRINGS);
    merge_map(&dst->outcomes, &src->outcomes, &tr, 0);
    bmap_clear(&tr);
    dst->accepted += src->accepted;
    dst->rejected += src->rejected;
}

/* ---- decoding ---------------------------------------------------------------------------- */

static void decode_session(const struct session_key *sk, struct counter_key *k)
{
    memset(k, 0, sizeof *k);
    k->hour = sk->hour;
    k->report_domain = sk->s[0];
    k->record = sk->s[1];
    k->policy_type = sk->s[2];
    k->policy_domain = sk->s[3];
    k->strings_json = sk->s[4];
    k->mx_json = sk->s[5];
}

int counters_session_key(const struct bmap_entry *e, struct counter_key *k)
{
    struct session_key sk;
    if (e->keylen != sizeof sk)
        return -1;
    memcpy(&sk, e->key, sizeof sk);
    decode_session(&sk, k);
    return 0;
}

int counters_detail_key(const struct bmap_entry *e, struct counter_key *k)
{
    struct detail_key dk;
    if (e->keylen != sizeof dk)
        return -1;
    memcpy(&dk, e->key, sizeof dk);
    decode_session(&dk.session, k);
    k->result_type = dk.s[0];
    for (int f = 0; f < DF_COUNT; f++)
        k->field[f] = dk.s[1 + f];
    return 0;
}

int counters_outcome_key(const struct bmap_entry *e, int64_t *hour, const char **outcome)
{
    const char *p = e->key + sizeof(int64_t), *end = e->key + e->keylen;
    if (e->keylen < sizeof(int64_t) + 1)
        return -1;
    memcpy(hour, e->key, sizeof *hour);
    const char *z = memchr(p, '\0', (size_t)(end - p));
    *outcome = p;
    return z != NULL && z + 1 == end ? 0 : -1;
}
