/* Fuzz target: the collector's ingest path for one datagram — datagram_parse, then
 * counters_add_result / counters_add_outcome (what ingest_bytes does), then ingest_bytes
 * itself on the same bytes. Properties checked besides "no crash, no sanitizer report":
 *   - a rejection has a reason from datagram_reasons and a NUL-terminated message;
 *   - an accepted result is normalised: d and every report domain are lower-case A-label
 *     names without a trailing dot, 1..DATAGRAM_MAX_POLICIES policies, known policy types and
 *     result codes, f is 0 or 1, every string is valid UTF-8 (repaired) without a NUL;
 *   - every counter key decodes again (counters_session_key / counters_detail_key), and the
 *     counters hold exactly one session per policy and one count per failure detail;
 *   - ingest_bytes agrees with the separate steps, and merging counters keeps the sums. */
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

int fuzz_datagram(const uint8_t *data, size_t size);
int fuzz_datagram(const uint8_t *data, size_t size)
{
    static struct tls_result r; /* large (64 policies): not on the stack */
    struct datagram_error err;
    struct counters c, via_ingest, merged;
    size_t sessions = 0, details = 0;
    const char *buf = (const char *)data;

    counters_init(&c);
    counters_init(&via_ingest);
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
        counters_add_outcome(&c, DATAGRAM_HOUR, "accepted");
        FUZZ_CHECK(c.accepted == 1 && c.rejected == 0);
        tls_result_free(&r);
    }
    datagram_check_counters(&c, sessions, details, 1);

    /* The path the collector and `record` take must agree with the steps above. */
    size_t repaired = 0;
    struct datagram_error err2;
    int rc2 = ingest_bytes(&via_ingest, &r, DATAGRAM_HOUR + 59, buf, size, &err2, &repaired);
    FUZZ_CHECK(rc2 == rc);
    if (rc == 0)
        FUZZ_CHECK((repaired == 0) == (utf8_valid_prefix(buf, size) == size));
    if (rc != 0)
        FUZZ_CHECK(strcmp(err.reason, err2.reason) == 0);
    FUZZ_CHECK(r.npolicies == 0 && r.json == NULL);
    datagram_check_counters(&via_ingest, sessions, details, 1);
    FUZZ_CHECK(via_ingest.sessions.count == c.sessions.count);
    FUZZ_CHECK(via_ingest.details.count == c.details.count);

    /* A retried batch is merged into the pending one: the sums add up, keys stay distinct. */
    counters_merge(&merged, &c);
    counters_merge(&merged, &via_ingest);
    FUZZ_CHECK(merged.sessions.count == c.sessions.count);
    FUZZ_CHECK(merged.details.count == c.details.count);
    datagram_check_counters(&merged, 2 * sessions, 2 * details, 2);

    counters_free(&c);
    counters_free(&via_ingest);
    counters_free(&merged);
    return 0;
}

FUZZ_ENTRY(fuzz_datagram)
