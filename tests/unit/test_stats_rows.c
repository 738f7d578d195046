/* stats_failure_rate and stats_sum_rows: the rate of the stats rows and the "others" and
 * "total" lines of `tlsrpt stats` (the rest of the rows summed). */
#include <jansson.h>
#include <stdlib.h>

#include "cli/stats.h"
#include "tests/unit/unit.h"

static json_t *row(const char *domain, long long ok, long long failed, const char *types)
{
    json_t *o = json_pack("{s:s, s:I, s:I}", "domain", domain, "successful", (json_int_t)ok,
                          "failed", (json_int_t)failed);
    json_object_set_new(o, "result-types", json_loads(types, 0, NULL));
    return o;
}

static char *dump(json_t *o)
{
    return json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(10));
}

int main(void)
{
    UNIT_CHECK("rate: no sessions is 0, not a division by zero", stats_failure_rate(0, 0) == 0.0,
               "got %g", stats_failure_rate(0, 0));
    UNIT_CHECK("rate: 1 of 3 rounds to 0.3333", stats_failure_rate(2, 1) == 0.3333, "got %.17g",
               stats_failure_rate(2, 1));
    UNIT_CHECK("rate: 2 of 3 rounds up to 0.6667", stats_failure_rate(1, 2) == 0.6667, "got %.17g",
               stats_failure_rate(1, 2));
    UNIT_CHECK("rate: all failed is 1", stats_failure_rate(0, 7) == 1.0, "got %g",
               stats_failure_rate(0, 7));
    UNIT_CHECK("rate: counts beyond 32 bits", stats_failure_rate(3000000000LL, 1000000000LL) == 0.25,
               "got %g", stats_failure_rate(3000000000LL, 1000000000LL));

    const struct stats_grouping *domain = stats_grouping_find("domain");
    json_t *rows = json_array();
    json_array_append_new(rows, row("a.example", 1, 3, "{\"dane-required\": 3}"));
    json_array_append_new(rows, row("b.example", 2, 2, "{\"certificate-expired\": 1, \"dane-required\": 1}"));
    json_array_append_new(rows, row("c.example", 5, 1, "{\"certificate-expired\": 2}"));
    json_array_append_new(rows, row("d.example", 4, 0, "{}"));

    json_t *rest = stats_sum_rows(domain, rows, 1, 4);
    char *s = dump(rest);
    UNIT_STR_EQ("others: measures, the rate of the sums, types most frequent first, no key",
                "{\"successful\":11,\"failed\":3,\"failure-rate\":0.2143,"
                "\"result-types\":{\"certificate-expired\":3,\"dane-required\":1}}",
                s);
    free(s);
    json_decref(rest);

    json_t *total = stats_sum_rows(domain, rows, 0, 99);
    s = dump(total);
    UNIT_STR_EQ("total: every row (to past the end is the end)",
                "{\"successful\":12,\"failed\":6,\"failure-rate\":0.3333,"
                "\"result-types\":{\"dane-required\":4,\"certificate-expired\":3}}",
                s);
    free(s);
    json_decref(total);

    json_array_append_new(rows, row("e.example", 0, 1, "{\"dane-required\": 1, \"certificate-expired\": 1}"));
    json_t *tie = stats_sum_rows(domain, rows, 4, 5);
    s = dump(tie);
    UNIT_STR_EQ("types: a tie goes by name, as the queries order them",
                "{\"successful\":0,\"failed\":1,\"failure-rate\":1.0,"
                "\"result-types\":{\"certificate-expired\":1,\"dane-required\":1}}",
                s);
    free(s);
    json_decref(tie);

    json_t *none = stats_sum_rows(domain, rows, 5, 5);
    s = dump(none);
    UNIT_STR_EQ("no rows: zeros and rate 0", "{\"successful\":0,\"failed\":0,\"failure-rate\":0.0,"
                "\"result-types\":{}}", s);
    free(s);
    json_decref(none);
    json_decref(rows);

    /* Distinct domains do not add up: the sum leaves them out (the table prints blank). */
    const struct stats_grouping *mx = stats_grouping_find("mx");
    rows = json_array();
    json_array_append_new(rows, json_pack("{s:s, s:I, s:I, s:{}}", "receiving-mx-hostname", "mx1",
                                          "failure-details", (json_int_t)4, "domains", (json_int_t)2,
                                          "result-types"));
    json_array_append_new(rows, json_pack("{s:s, s:I, s:I, s:{}}", "receiving-mx-hostname", "mx2",
                                          "failure-details", (json_int_t)1, "domains", (json_int_t)2,
                                          "result-types"));
    json_t *mxsum = stats_sum_rows(mx, rows, 0, 2);
    s = dump(mxsum);
    UNIT_STR_EQ("mx: failure details add up, domains are left out, no rate",
                "{\"failure-details\":5,\"result-types\":{}}", s);
    free(s);
    json_decref(mxsum);
    json_decref(rows);

    const struct stats_grouping *rej = stats_grouping_find("rejection");
    UNIT_CHECK("--by rejection exists, keyed by day and reason",
               rej != NULL && strcmp(rej->keys[0], "day") == 0 && strcmp(rej->keys[1], "reason") == 0
                   && !rej->rate,
               "grouping %p", (const void *)rej);
    UNIT_CHECK("the default grouping has a failure rate", stats_grouping_find(NULL)->rate, "rate 0");
    return unit_status();
}
