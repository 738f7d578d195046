/* report_digest_of(): what a report is built from. The digest does not depend on the order
 * of policies and details (the database returns details in no particular order), changes
 * with every count, policy and detail, ignores policies of types the options leave out, and
 * its totals are those of the report's summary. */
#include "aggregator/report_digest.h"
#include "tests/unit/unit.h"

#define ALL_TYPES 7u

static struct report_detail det_a[2] = {
    {"starttls-not-supported", {0}, 3, 11},
    {"certificate-expired", {0}, 2, 12},
};
static struct report_detail det_b[2]; /* det_a swapped */
static struct report_policy pol[2] = {
    {"sts", "a.example", "[]", "[]", 10, 5, det_a, 2, 101},
    {"tlsa", "mx.a.example", "[]", "[]", 7, 1, NULL, 0, 102},
};
static struct report_policy pol_swapped[2];

static uint64_t digest(const struct report_policy *p, size_t n, unsigned types,
                       struct report_digest *out)
{
    struct report_input in = {"a.example", 0, (struct report_policy *)p, n};
    struct report_options opt = {.policy_types = types};
    report_digest_of(&in, &opt, out);
    return out->digest;
}

int main(void)
{
    struct report_digest d, e;
    uint64_t base = digest(pol, 2, ALL_TYPES, &d);
    UNIT_CHECK("totals over every policy", d.successful == 17 && d.failed == 6, "got %lld %lld",
               (long long)d.successful, (long long)d.failed);
    UNIT_CHECK("the same input gives the same digest", digest(pol, 2, ALL_TYPES, &e) == base,
               "differs");

    det_b[0] = det_a[1];
    det_b[1] = det_a[0];
    pol_swapped[0] = pol[1];
    pol_swapped[1] = pol[0];
    pol_swapped[1].details = det_b;
    UNIT_CHECK("order of policies and details does not matter",
               digest(pol_swapped, 2, ALL_TYPES, &e) == base, "differs");

    pol[0].successful++;
    UNIT_CHECK("one more successful session changes it", digest(pol, 2, ALL_TYPES, &e) != base,
               "same");
    pol[0].successful--;
    pol[1].failed++;
    UNIT_CHECK("one more failed session changes it", digest(pol, 2, ALL_TYPES, &e) != base,
               "same");
    pol[1].failed--;
    det_a[1].count++;
    UNIT_CHECK("one more failure-detail count changes it (sessions equal)",
               digest(pol, 2, ALL_TYPES, &e) != base && e.successful == 17 && e.failed == 6,
               "same");
    det_a[1].count--;
    det_a[1].id = 13;
    UNIT_CHECK("another detail with the same count changes it",
               digest(pol, 2, ALL_TYPES, &e) != base, "same");
    det_a[1].id = 12;
    pol[0].details = NULL;
    pol[0].ndetails = 0;
    UNIT_CHECK("details gone changes it", digest(pol, 2, ALL_TYPES, &e) != base, "same");
    pol[0].details = det_a;
    pol[0].ndetails = 2;
    /* swapped counts between the two policies: totals equal, digest not */
    pol[0].successful = 7;
    pol[1].successful = 10;
    UNIT_CHECK("counts moved between policies change it",
               digest(pol, 2, ALL_TYPES, &e) != base && e.successful == 17, "same");
    pol[0].successful = 10;
    pol[1].successful = 7;
    UNIT_CHECK("restored: the same digest again", digest(pol, 2, ALL_TYPES, &e) == base,
               "differs");

    /* policy_types bit 1 = sts only (lib/policy_type.c order: tlsa, sts, no-policy-found) */
    uint64_t sts = digest(pol, 2, 2u, &d);
    UNIT_CHECK("unreported types are left out of the totals", d.successful == 10 && d.failed == 5,
               "got %lld %lld", (long long)d.successful, (long long)d.failed);
    pol[1].failed += 4;
    UNIT_CHECK("changes of an unreported type do not change it", digest(pol, 2, 2u, &e) == sts,
               "differs");
    pol[1].failed -= 4;
    UNIT_CHECK("nothing reported: digest 0", digest(pol, 2, 0u, &e) == 0 && e.successful == 0,
               "not 0");
    return unit_status();
}
