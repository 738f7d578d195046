/* Fuzz target: the collector's ingest path for one datagram — datagram_parse, then
 * counters_add_result / counters_add_outcome, then ingest_bytes on the same bytes (with its
 * byte-exact cache of compiled increments). Properties checked besides "no crash, no
 * sanitizer report":
 *   - a rejection has a reason from datagram_reasons and a NUL-terminated message;
 *   - an accepted result is normalised: d and every report domain are lower-case A-label
 *     names without a trailing dot, 1..DATAGRAM_MAX_POLICIES policies, known policy types and
 *     result codes, f is 0 or 1, every string is valid UTF-8 (repaired) without a NUL;
 *   - every counter key decodes again (counters_session_key / counters_detail_key), and the
 *     counters hold exactly one session per policy and one count per failure detail;
 *   - ingest_bytes agrees with the separate steps, whether it parses (first and second
 *     sighting) or counts from its cache (third): the same bytes three times through one
 *     ingest give exactly three times the counters, key by key; an ingest kept across
 *     inputs (its cache filled by earlier ones) gives exactly the single counters;
 *   - merging counters keeps the sums. */
#include <string.h>

#include "collector/counters.h"
#include "collector/datagram.h"
#include "collector/ingest.h"
#include "fuzz/fuzz.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"
#include "lib/utf8.h"

#define DATAGRAM_HOUR 1764460800 /* 2025-11-30T00:00:00Z */

static void datagram_check_text(const char *s)
{
    FUZZ_CHECK(s != NULL);
    size_t n = strlen(s);
    FUZZ_CHECK(utf8_valid_prefix(s, n) == n);
}

static void datagram_check_domain(const char *d)
{
    size_t n = strlen(d);
    FUZZ_CHECK(n > 0 && n < DOMAIN_MAX);
    FUZZ_CHECK(d[n - 1] != '.' && d[0] != '.');
    for (const char *p = d; *p; p++)
        FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
                   *p == '_' || *p == '.');
    FUZZ_CHECK(strstr(d, "..") == NULL);
}

static void datagram_check_result(const struct tls_result *r, size_t *sessions, size_t *details)
{
    datagram_check_domain(r->domain);
    datagram_check_text(r->record);
    FUZZ_CHECK(r->npolicies >= 1 && r->npolicies <= DATAGRAM_MAX_POLICIES);
    for (size_t i = 0; i < r->npolicies; i++) {
        const struct policy_result *p = &r->policies[i];
        FUZZ_CHECK(policy_type_name(p->type) != NULL);
        datagram_check_domain(p->domain);
        datagram_check_text(p->strings_json);
        datagram_check_text(p->mx_json);
        FUZZ_CHECK(p->strings_json[0] == '[' && p->mx_json[0] == '[');
        FUZZ_CHECK(p->failed == 0 || p->failed == 1);
        FUZZ_CHECK(p->ndetails <= DATAGRAM_MAX_DETAILS);
        for (size_t j = 0; j < p->ndetails; j++) {
            const struct failure_detail *fd = &p->details[j];
            FUZZ_CHECK(result_type_name(fd->code) != NULL);
            for (int f = 0; f < DF_COUNT; f++)
                if (fd->field[f] != NULL) {
                    datagram_check_text(fd->field[f]);
                    FUZZ_CHECK(fd->field[f][0] != '\0');
                }
        }
        *details += p->ndetails;
    }
    *sessions += r->npolicies;
}

/* Decodes every key and sums the counts; checks the totals. */
static void datagram_check_counters(const struct counters *c, size_t sessions, size_t details,
                                    size_t outcomes)
{
    struct counter_key k;
    struct bmap_entry *e;
    size_t pos = 0;
    int64_t s = 0, d = 0, o = 0;
    while ((e = bmap_next(&c->sessions, &pos)) != NULL) {
        FUZZ_CHECK(counters_session_key(e, &k) == 0);
        FUZZ_CHECK(k.hour == DATAGRAM_HOUR);
        FUZZ_CHECK(policy_type_code(k.policy_type) >= 0);
        datagram_check_domain(k.report_domain);
        datagram_check_domain(k.policy_domain);
        FUZZ_CHECK(e->a >= 0 && e->b >= 0 && e->a + e->b > 0);
        s += e->a + e->b;
    }
    pos = 0;
    while ((e = bmap_next(&c->details, &pos)) != NULL) {
        FUZZ_CHECK(counters_detail_key(e, &k) == 0);
        FUZZ_CHECK(result_type_code(k.result_type) >= 0);
        FUZZ_CHECK(e->a > 0);
        d += e->a;
    }
    pos = 0;
    while ((e = bmap_next(&c->outcomes, &pos)) != NULL) {
        int64_t hour;
        const char *outcome;
        FUZZ_CHECK(counters_outcome_key(e, &hour, &outcome) == 0);
        FUZZ_CHECK(hour == DATAGRAM_HOUR);
        o += e->a;
    }
    FUZZ_CHECK((size_t)s == sessions);
    FUZZ_CHECK((size_t)d == details);
    FUZZ_CHECK((size_t)o == outcomes);
}

static int datagram_reason_known(const char *reason)
{
    for (int i = 0; datagram_reasons[i] != NULL; i++)
        if (strcmp(datagram_reasons[i], reason) == 0)
            return 1;
    return 0;
}

/* The keys of c as flat text (keys point to each counters' own interned strings, so two
 * counters are compared by what the keys say): sessions, details, outcomes. */
static void flat_put(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s) + 1);
}

static void datagram_flatten(const struct counters *c, struct bmap out[3])
{
    struct buf key = BUF_INIT;
    struct counter_key k;
    const struct bmap *maps[] = {&c->sessions, &c->details, &c->outcomes};
    for (int i = 0; i < 3; i++) {
        size_t pos = 0;
        struct bmap_entry *e;
        while ((e = bmap_next(maps[i], &pos)) != NULL) {
            buf_reset(&key);
            if (i == 2) {
                buf_append(&key, e->key, e->keylen);
            } else {
                FUZZ_CHECK((i == 0 ? counters_session_key(e, &k) : counters_detail_key(e, &k)) == 0);
                buf_append(&key, &k.hour, sizeof k.hour);
                flat_put(&key, k.report_domain);
                flat_put(&key, k.record);
                flat_put(&key, k.policy_type);
                flat_put(&key, k.strings_json);
                flat_put(&key, k.mx_json);
                if (i == 1) {
                    flat_put(&key, k.result_type);
                    for (int f = 0; f < DF_COUNT; f++)
                        flat_put(&key, k.field[f]);
                }
            }
            int created;
            struct bmap_entry *f = bmap_upsert(&out[i], key.data, key.len, &created);
            FUZZ_CHECK(created); /* distinct keys say distinct things */
            f->a = e->a;
            f->b = e->b;
        }
    }
    buf_free(&key);
}

/* b holds exactly k times every count of a, and nothing else. */
static void datagram_check_scaled(const struct counters *a, const struct counters *b, int64_t k)
{
    struct bmap ma[3] = {BMAP_INIT, BMAP_INIT, BMAP_INIT}, mb[3] = {BMAP_INIT, BMAP_INIT, BMAP_INIT};
    datagram_flatten(a, ma);
    datagram_flatten(b, mb);
    for (int i = 0; i < 3; i++) {
        FUZZ_CHECK(ma[i].count == mb[i].count);
        size_t pos = 0;
        struct bmap_entry *e;
        while ((e = bmap_next(&ma[i], &pos)) != NULL) {
            struct bmap_entry *f = bmap_find(&mb[i], e->key, e->keylen);
            FUZZ_CHECK(f != NULL && f->a == k * e->a && f->b == k * e->b);
        }
        bmap_clear(&ma[i]);
        bmap_clear(&mb[i]);
    }
    FUZZ_CHECK(b->accepted == (uint64_t)k * a->accepted);
    FUZZ_CHECK(b->rejected == (uint64_t)k * a->rejected);
}

/* Feeds the bytes to an ingest; checks it agrees with the parse (rc, reason, repaired). */
static void datagram_ingest(struct ingest *in, struct counters *c, const char *buf, size_t size,
                            int rc, const char *reason)
{
    struct datagram_error err;
    size_t repaired = 99;
    int rc2 = ingest_bytes(in, c, DATAGRAM_HOUR + 59, buf, size, &err, &repaired, NULL);
    FUZZ_CHECK(rc2 == rc);
    if (rc != 0)
        FUZZ_CHECK(strcmp(reason, err.reason) == 0);
    else
        FUZZ_CHECK((repaired == 0) == (utf8_valid_prefix(buf, size) == size));
}

int fuzz_datagram(const uint8_t *data, size_t size);
int fuzz_datagram(const uint8_t *data, size_t size)
{
    static struct tls_result r; /* large (64 policies): not on the stack; reused like the
                                   collector's parse scratch */
    static struct ingest *kept; /* kept across inputs: its cache holds earlier inputs */
    struct datagram_error err;
    struct counters c, thrice, once, merged;
    size_t sessions = 0, details = 0;
    const char *buf = (const char *)data;

    if (kept == NULL)
        kept = ingest_new();
    counters_init(&c);
    counters_init(&thrice);
    counters_init(&once);
    counters_init(&merged);

    int rc = datagram_parse(buf, size, &r, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1);
        FUZZ_CHECK(err.reason != NULL && datagram_reason_known(err.reason));
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
        FUZZ_CHECK(r.npolicies == 0 && r.json == NULL); /* nothing left to free */
        counters_add_outcome(&c, DATAGRAM_HOUR, err.reason);
        FUZZ_CHECK(c.rejected == 1 && c.accepted == 0);
    } else {
        datagram_check_result(&r, &sessions, &details);
        /* repaired counts this datagram's replaced bytes, never a previous one's */
        FUZZ_CHECK((r.repaired == 0) == (utf8_valid_prefix(buf, size) == size));
        counters_add_result(&c, DATAGRAM_HOUR, &r);
        counters_add_accepted(&c, DATAGRAM_HOUR, r.nodpv);
        FUZZ_CHECK(c.accepted == 1 && c.rejected == 0);
        tls_result_free(&r);
    }
    FUZZ_CHECK(r.npolicies == 0 && r.json == NULL);
    datagram_check_counters(&c, sessions, details, 1);

    /* The collector's and record's path: parse (1st, 2nd sighting) or cache (3rd). */
    struct ingest *fresh = ingest_new();
    for (int i = 0; i < 3; i++)
        datagram_ingest(fresh, &thrice, buf, size, rc, rc ? err.reason : NULL);
    ingest_free(fresh);
    datagram_check_scaled(&c, &thrice, 3);
    datagram_ingest(kept, &once, buf, size, rc, rc ? err.reason : NULL);
    datagram_check_scaled(&c, &once, 1);

    /* A retried batch is merged into the pending one: the sums add up, keys stay distinct. */
    counters_merge(&merged, &c);
    counters_merge(&merged, &thrice);
    datagram_check_scaled(&c, &merged, 4);
    datagram_check_counters(&merged, 4 * sessions, 4 * details, 4);

    counters_free(&c);
    counters_free(&thrice);
    counters_free(&once);
    counters_free(&merged);
    return 0;
}

FUZZ_ENTRY(fuzz_datagram)
