/* In-memory counters keyed by flat byte strings:
 *   session key = hour (8 bytes) report-domain\0 record\0 policy-type\0 policy-domain\0
 *                 strings-json\0 mx-json\0
 *   detail key  = session key + result-type\0 + six detail fields, each \0-terminated
 *   outcome key = hour (8 bytes) outcome\0   (a: datagrams, b: of them without dpv)
 * No string in a key can hold a NUL: jansson refuses \u0000 and raw NULs are invalid JSON. */
#include "counters.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"

static __thread struct buf keybuf; /* reused: the receiver builds a key per datagram */

void counters_init(struct counters *c)
{
    memset(c, 0, sizeof *c);
}

void counters_free(struct counters *c)
{
    bmap_clear(&c->sessions);
    bmap_clear(&c->details);
    bmap_clear(&c->outcomes);
    c->accepted = c->rejected = 0;
}

void counters_thread_done(void)
{
    buf_free(&keybuf);
}

int counters_empty(const struct counters *c)
{
    return c->sessions.count == 0 && c->details.count == 0 && c->outcomes.count == 0;
}

size_t counters_bytes(const struct counters *c)
{
    const struct bmap *m[] = {&c->sessions, &c->details, &c->outcomes};
    size_t n = 0;
    for (int i = 0; i < 3; i++)
        n += m[i]->key_bytes + m[i]->cap * sizeof(struct bmap_entry) + m[i]->count * 16;
    return n;
}

static void put_hour(struct buf *b, time_t hour)
{
    int64_t h = (int64_t)hour;
    buf_append(b, &h, sizeof h);
}

static void put_str(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s) + 1);
}

/* A compiled result is a list of increments, each [kind][u32 length][key without the hour],
 * so that the same datagram bytes can be counted again without parsing them (ingest.c). */
enum { INC_SUCCESS = 'S', INC_FAILURE = 'F', INC_DETAIL = 'D' };

static void put_increment(struct buf *out, char kind, const struct buf *key)
{
    uint32_t len = (uint32_t)key->len;
    buf_putc(out, kind);
    buf_append(out, &len, sizeof len);
    buf_append(out, key->data, key->len);
}

void counters_compile(const struct tls_result *r, struct buf *out)
{
    struct buf *b = &keybuf;
    for (size_t i = 0; i < r->npolicies; i++) {
        const struct policy_result *p = &r->policies[i];
        buf_reset(b);
        put_str(b, r->domain);
        put_str(b, r->record);
        put_str(b, policy_type_name(p->type));
        put_str(b, p->domain);
        put_str(b, p->strings_json);
        put_str(b, p->mx_json);
        put_increment(out, p->failed ? INC_FAILURE : INC_SUCCESS, b);

        size_t session_len = b->len;
        for (size_t j = 0; j < p->ndetails; j++) {
            const struct failure_detail *fd = &p->details[j];
            b->len = session_len;
            put_str(b, result_type_name(fd->code));
            for (int f = 0; f < DF_COUNT; f++)
                put_str(b, fd->field[f] ? fd->field[f] : "");
            put_increment(out, INC_DETAIL, b);
        }
    }
}

void counters_apply(struct counters *c, time_t hour, const char *compiled, size_t len)
{
    struct buf *b = &keybuf;
    size_t pos = 0;
    while (pos + 1 + sizeof(uint32_t) <= len) {
        char kind = compiled[pos];
        uint32_t klen;
        memcpy(&klen, compiled + pos + 1, sizeof klen);
        pos += 1 + sizeof klen;
        buf_reset(b);
        put_hour(b, hour);
        buf_append(b, compiled + pos, klen);
        pos += klen;
        struct bmap_entry *e =
            bmap_upsert(kind == INC_DETAIL ? &c->details : &c->sessions, b->data, b->len, NULL);
        if (kind == INC_SUCCESS)
            e->a++;
        else if (kind == INC_FAILURE)
            e->b++;
        else
            e->a++;
    }
    c->accepted++;
}

void counters_add_result(struct counters *c, time_t hour, const struct tls_result *r)
{
    struct buf compiled = BUF_INIT;
    counters_compile(r, &compiled);
    counters_apply(c, hour, compiled.data, compiled.len);
    buf_free(&compiled);
}

static void put_session_key(struct buf *b, const struct counter_key *k)
{
    buf_reset(b);
    put_hour(b, (time_t)k->hour);
    put_str(b, k->report_domain);
    put_str(b, k->record);
    put_str(b, k->policy_type);
    put_str(b, k->policy_domain);
    put_str(b, k->strings_json);
    put_str(b, k->mx_json);
}

void counters_add_session_counts(struct counters *c, const struct counter_key *k,
                                 int64_t successful, int64_t failed)
{
    put_session_key(&keybuf, k);
    struct bmap_entry *e = bmap_upsert(&c->sessions, keybuf.data, keybuf.len, NULL);
    e->a += successful;
    e->b += failed;
}

void counters_add_detail_count(struct counters *c, const struct counter_key *k, int64_t count)
{
    put_session_key(&keybuf, k);
    put_str(&keybuf, k->result_type);
    for (int f = 0; f < DF_COUNT; f++)
        put_str(&keybuf, k->field[f] ? k->field[f] : "");
    bmap_upsert(&c->details, keybuf.data, keybuf.len, NULL)->a += count;
}

static struct bmap_entry *outcome_entry(struct counters *c, time_t hour, const char *outcome)
{
    struct buf *b = &keybuf;
    buf_reset(b);
    put_hour(b, hour);
    put_str(b, outcome);
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

static void merge_map(struct bmap *dst, const struct bmap *src)
{
    size_t pos = 0;
    struct bmap_entry *e;
    while ((e = bmap_next(src, &pos)) != NULL) {
        struct bmap_entry *d = bmap_upsert(dst, e->key, e->keylen, NULL);
        d->a += e->a;
        d->b += e->b;
    }
}

void counters_merge(struct counters *dst, const struct counters *src)
{
    merge_map(&dst->sessions, &src->sessions);
    merge_map(&dst->details, &src->details);
    merge_map(&dst->outcomes, &src->outcomes);
    dst->accepted += src->accepted;
    dst->rejected += src->rejected;
}

/* Walks n NUL-terminated strings from *p within end; 0 or -1. */
static int take(const char **p, const char *end, const char **out)
{
    const char *z = memchr(*p, '\0', (size_t)(end - *p));
    if (z == NULL)
        return -1;
    *out = *p;
    *p = z + 1;
    return 0;
}

static int decode_session(const struct bmap_entry *e, struct counter_key *k, const char **rest)
{
    const char *p = e->key, *end = e->key + e->keylen;
    if (e->keylen < sizeof(int64_t))
        return -1;
    memcpy(&k->hour, p, sizeof k->hour);
    p += sizeof k->hour;
    if (take(&p, end, &k->report_domain) || take(&p, end, &k->record) ||
        take(&p, end, &k->policy_type) || take(&p, end, &k->policy_domain) ||
        take(&p, end, &k->strings_json) ||
        take(&p, end, &k->mx_json))
        return -1;
    *rest = p;
    return 0;
}

int counters_session_key(const struct bmap_entry *e, struct counter_key *k)
{
    const char *rest;
    memset(k, 0, sizeof *k);
    if (decode_session(e, k, &rest) != 0)
        return -1;
    return rest == e->key + e->keylen ? 0 : -1;
}

int counters_detail_key(const struct bmap_entry *e, struct counter_key *k)
{
    const char *p, *end = e->key + e->keylen;
    memset(k, 0, sizeof *k);
    if (decode_session(e, k, &p) != 0 || take(&p, end, &k->result_type))
        return -1;
    for (int f = 0; f < DF_COUNT; f++)
        if (take(&p, end, &k->field[f]))
            return -1;
    return p == end ? 0 : -1;
}

int counters_outcome_key(const struct bmap_entry *e, int64_t *hour, const char **outcome)
{
    const char *p = e->key + sizeof(int64_t), *end = e->key + e->keylen;
    if (e->keylen < sizeof(int64_t) + 1)
        return -1;
    memcpy(hour, e->key, sizeof *hour);
    return take(&p, end, outcome) == 0 && p == end ? 0 : -1;
}
