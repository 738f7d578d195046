/* The digest is a sum of one well-mixed 64-bit value per policy and per failure detail, so it
 * does not depend on the order the database returns them in (details within a policy come in
 * no particular order). Policies and details are named by their ids, which are never reused
 * (schema/006): an id stands for one content for good, and hashing two integers per row keeps
 * this cheap on a day of 100,000 domains (strings would cost more than the rest of a rerun). */
#include "aggregator/report_digest.h"

#include <string.h>

/* splitmix64's finaliser: every input bit moves about half of the output bits. */
static uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t item(uint64_t kind, int64_t a, int64_t b, int64_t c, int64_t d)
{
    uint64_t h = mix(kind ^ (uint64_t)a);
    h = mix(h + (uint64_t)b);
    h = mix(h + (uint64_t)c);
    return mix(h + (uint64_t)d);
}

void report_digest_of(const struct report_input *in, const struct report_options *opt,
                      struct report_digest *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < in->npolicies; i++) {
        const struct report_policy *p = &in->policies[i];
        if (!report_policy_reported(opt, p->type))
            continue;
        out->successful += p->successful;
        out->failed += p->failed;
        out->digest += item(1, p->id, p->successful, p->failed, 0);
        for (size_t k = 0; k < p->ndetails; k++)
            out->digest += item(2, p->id, p->details[k].id, p->details[k].count, 0);
    }
}
