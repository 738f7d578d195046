/* Fuzz target: the reader of `tlsrpt import` files (exchange_read_line per line, or after a
 * version 2 header compact_read_line, then exchange_read_end), whose input comes from another
 * host. Lines are split as import.c does
 * (at \n, trailing \r and \n dropped, blank lines skipped), and reading stops at the first
 * refused line, as the import does. Properties checked besides "no crash, no sanitizer
 * report" (UBSan catches an overflowing sum):
 *   - a refused line has a message and adds nothing to the counters (taken whole or not at
 *     all);
 *   - what was read is consistent: every key decodes, lies in an hour of the header's day,
 *     has a normalised report domain, a known policy type and result types; no count is
 *     negative or above 2^53; the sessions and the failure-detail counts equal the totals the
 *     reader reports;
 *   - compact lines (version 2): every event refers to entries defined before it, lies in an
 *     hour of the header's day, has counts in range, and the sums of the accepted s and f
 *     lines equal the reader's totals;
 *   - exchange_read_end accepts exactly the inputs with a header and an end line. */
#include <string.h>

#include "collector/compact.h"
#include "collector/counters.h"
#include "collector/exchange.h"
#include "fuzz/fuzz.h"
#include "lib/clock.h"
#include "lib/domain.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"

#define EXFZ_COUNT_MAX (1LL << 53)

struct exfz_totals {
    size_t entries;
    int64_t sessions, details;
};

static struct exfz_totals exfz_sum(const struct counters *c)
{
    struct exfz_totals t = {c->sessions.count + c->details.count + c->outcomes.count, 0, 0};
    struct bmap_entry *e;
    size_t pos = 0;
    while ((e = bmap_next(&c->sessions, &pos)) != NULL)
        t.sessions += e->a + e->b;
    pos = 0;
    while ((e = bmap_next(&c->details, &pos)) != NULL)
        t.details += e->a;
    return t;
}

static void exfz_check_key(const struct counter_key *k, const struct exchange_reader *r)
{
    char norm[DOMAIN_MAX];
    const char *why;
    FUZZ_CHECK(k->hour >= r->day_start && k->hour < r->day_start + SECONDS_PER_DAY);
    FUZZ_CHECK(k->hour % SECONDS_PER_HOUR == 0);
    FUZZ_CHECK(domain_normalize(k->report_domain, strlen(k->report_domain), norm, &why) == 0);
    FUZZ_CHECK(strcmp(norm, k->report_domain) == 0);
    FUZZ_CHECK(domain_normalize(k->policy_domain, strlen(k->policy_domain), norm, &why) == 0);
    FUZZ_CHECK(strcmp(norm, k->policy_domain) == 0);
    FUZZ_CHECK(policy_type_code(k->policy_type) >= 0);
    FUZZ_CHECK(k->record[0] != '\0');
    FUZZ_CHECK(k->strings_json[0] == '[' && k->mx_json[0] == '[');
}

static void exfz_check_counters(const struct counters *c, const struct exchange_reader *r)
{
    struct counter_key k;
    struct bmap_entry *e;
    size_t pos = 0;
    while ((e = bmap_next(&c->sessions, &pos)) != NULL) {
        FUZZ_CHECK(counters_session_key(e, &k) == 0);
        exfz_check_key(&k, r);
        FUZZ_CHECK(e->a >= 0 && e->b >= 0 && e->a <= EXFZ_COUNT_MAX && e->b <= EXFZ_COUNT_MAX);
    }
    pos = 0;
    while ((e = bmap_next(&c->details, &pos)) != NULL) {
        FUZZ_CHECK(counters_detail_key(e, &k) == 0);
        exfz_check_key(&k, r);
        FUZZ_CHECK(result_type_code(k.result_type) >= 0);
        FUZZ_CHECK(e->a >= 1 && e->a <= EXFZ_COUNT_MAX);
    }
    FUZZ_CHECK(c->outcomes.count == 0);
    struct exfz_totals t = exfz_sum(c);
    FUZZ_CHECK(t.sessions == r->sessions);
    FUZZ_CHECK(t.details == r->detail_counts);
}

/* What the accepted compact lines added up to. */
struct exfz_compact {
    size_t records, policies, details;
    int64_t sessions, detail_counts;
};

static void exfz_check_event(const struct compact_event *ev, const struct exchange_reader *r,
                             struct exfz_compact *t)
{
    switch (ev->kind) {
    case COMPACT_RECORD:
        FUZZ_CHECK(ev->index == t->records++ && ev->record[0] != '\0');
        break;
    case COMPACT_POLICY:
        FUZZ_CHECK(ev->index == t->policies++ && policy_type_code(ev->policy.type) >= 0);
        FUZZ_CHECK(ev->policy.strings_json[0] == '[' && ev->policy.mx_json[0] == '[');
        break;
    case COMPACT_DETAIL:
        FUZZ_CHECK(ev->index == t->details++ && result_type_code(ev->result_type) >= 0);
        break;
    case COMPACT_KEY: {
        char norm[DOMAIN_MAX];
        const char *why;
        FUZZ_CHECK(ev->record_index < t->records && ev->policy_index < t->policies);
        FUZZ_CHECK(domain_normalize(ev->report_domain, strlen(ev->report_domain), norm, &why) == 0);
        FUZZ_CHECK(strcmp(norm, ev->report_domain) == 0);
        break;
    }
    case COMPACT_SESSIONS:
    case COMPACT_FAILURES:
        FUZZ_CHECK(ev->hour >= r->day_start && ev->hour < r->day_start + SECONDS_PER_DAY);
        FUZZ_CHECK(ev->hour % SECONDS_PER_HOUR == 0);
        if (ev->kind == COMPACT_SESSIONS) {
            FUZZ_CHECK(ev->successful >= 0 && ev->failed >= 0);
            FUZZ_CHECK(ev->successful <= EXFZ_COUNT_MAX && ev->failed <= EXFZ_COUNT_MAX);
            t->sessions += ev->successful + ev->failed;
        } else {
            FUZZ_CHECK(ev->detail_index < t->details && ev->count >= 1 && ev->count <= EXFZ_COUNT_MAX);
            t->detail_counts += ev->count;
        }
        break;
    case COMPACT_END:
        break;
    }
}

int fuzz_exchange(const uint8_t *data, size_t size);
int fuzz_exchange(const uint8_t *data, size_t size)
{
    struct exchange_reader r;
    struct counters c;
    struct compact_reader cr;
    struct exfz_compact ct = {0};
    int compact = 0;
    char err[512];
    const char *p = (const char *)data, *end = p + size;
    int refused = 0, saw_end = 0;

    exchange_reader_init(&r);
    counters_init(&c);
    while (p < end && !refused) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line = p, *stop = nl ? nl : end;
        p = nl ? nl + 1 : end;
        size_t n = (size_t)(stop - line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        struct exfz_totals before = exfz_sum(&c);
        err[0] = '\0';
        if (compact) {
            struct compact_event ev;
            if (compact_read_line(&cr, line, n, &ev, err, sizeof err) != 0) {
                FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
                refused = 1;
            } else {
                exfz_check_event(&ev, &r, &ct);
                compact_event_free(&ev);
            }
            saw_end = r.have_end;
            continue;
        }
        if (exchange_read_line(&r, line, n, &c, err, sizeof err) != 0) {
            FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
            struct exfz_totals after = exfz_sum(&c);
            FUZZ_CHECK(after.entries == before.entries && after.sessions == before.sessions &&
                       after.details == before.details);
            refused = 1;
        }
        saw_end = r.have_end;
        if (r.have_header && r.version == EXCHANGE_VERSION_COMPACT && !compact) {
            compact_reader_init(&cr, &r);
            compact = 1;
        }
    }
    if (compact) {
        FUZZ_CHECK(counters_empty(&c));
        FUZZ_CHECK(ct.sessions == r.sessions && ct.detail_counts == r.detail_counts);
    } else if (r.have_header)
        exfz_check_counters(&c, &r);
    else
        FUZZ_CHECK(counters_empty(&c));
    int end_rc = exchange_read_end(&r, err, sizeof err);
    FUZZ_CHECK((end_rc == 0) == (r.have_header && saw_end));
    counters_free(&c);
    return 0;
}

FUZZ_ENTRY(fuzz_exchange)
