/* Fuzz target: the reader of `tlsrpt import` files (exchange_read_line per line, then
 * exchange_read_end), whose input comes from another host. Lines are split as import.c does
 * (at \n, trailing \r and \n dropped, blank lines skipped), and reading stops at the first
 * refused line, as the import does. Properties checked besides "no crash, no sanitizer
 * report" (UBSan catches an overflowing sum):
 *   - a refused line has a message and adds nothing to the counters (taken whole or not at
 *     all);
 *   - what was read is consistent: every key decodes, lies in an hour of the header's day,
 *     has a normalised report domain, a known policy type and result types; no count is
 *     negative or above 2^53; the sessions and the failure-detail counts equal the totals the
 *     reader reports;
 *   - exchange_read_end accepts exactly the inputs with a header and an end line. */
#include <string.h>

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

int fuzz_exchange(const uint8_t *data, size_t size);
int fuzz_exchange(const uint8_t *data, size_t size)
{
    struct exchange_reader r;
    struct counters c;
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
        if (exchange_read_line(&r, line, n, &c, err, sizeof err) != 0) {
            FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
            struct exfz_totals after = exfz_sum(&c);
            FUZZ_CHECK(after.entries == before.entries && after.sessions == before.sessions &&
                       after.details == before.details);
            refused = 1;
        }
        saw_end = r.have_end;
    }
    if (r.have_header)
        exfz_check_counters(&c, &r);
    else
        FUZZ_CHECK(counters_empty(&c));
    int end_rc = exchange_read_end(&r, err, sizeof err);
    FUZZ_CHECK((end_rc == 0) == (r.have_header && saw_end));
    counters_free(&c);
    return 0;
}

FUZZ_ENTRY(fuzz_exchange)
