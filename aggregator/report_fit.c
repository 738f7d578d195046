/* report_fit(): keeping a report within max_report_size (gzip) and REPORT_JSON_LIMIT (JSON)
 * by leaving out failure details, smallest counts first, so what is dropped from each
 * policy is the tail of its largest-first list; the summaries stay exact. */
#include <stdio.h>
#include <stdlib.h>

#include "aggregator/report_int.h"
#include "lib/buf.h"

static int fits(const struct build *b, const struct report *r)
{
    return (long)r->gzip_len <= b->opt->max_gzip_bytes &&
           (long)r->json_len <= b->opt->max_json_bytes;
}

struct trim_entry {
    int64_t count;
    size_t pol, det;
};

/* Smallest count first; among equals the later entry first, so that what is dropped from
 * each policy is always the tail of its (largest-first) list. */
static int cmp_trim(const void *pa, const void *pb)
{
    const struct trim_entry *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    if (a->pol != b->pol)
        return a->pol > b->pol ? -1 : 1;
    return a->det > b->det ? -1 : (a->det < b->det);
}

/* Drops failure details, smallest counts first, until the report fits. Each round estimates
 * from the current size how many entries may stay, so a few rounds suffice. */
enum report_status report_fit(struct build *b, struct report *out)
{
    size_t total = 0, dropped = 0;
    for (size_t i = 0; i < b->npol; i++)
        total += b->pol[i].ndetails;
    struct trim_entry *order = xcalloc(total, sizeof *order);
    size_t k = 0;
    for (size_t i = 0; i < b->npol; i++)
        for (size_t j = 0; j < b->pol[i].ndetails; j++)
            order[k++] = (struct trim_entry){b->pol[i].details[j].count, i, j};
    qsort(order, total, sizeof *order, cmp_trim);

    enum report_status st = REPORT_BUILT;
    while (!fits(b, out)) {
        if (dropped == total) {
            st = REPORT_TOO_BIG;
            snprintf(b->err, b->errsize,
                     "report is %zu bytes (%zu gzipped) without any failure detail; limits "
                     "are %ld and %ld",
                     out->json_len, out->gzip_len, b->opt->max_json_bytes,
                     b->opt->max_gzip_bytes);
            break;
        }
        double ratio = (double)b->opt->max_gzip_bytes / (double)out->gzip_len;
        double jratio = (double)b->opt->max_json_bytes / (double)out->json_len;
        if (jratio < ratio)
            ratio = jratio;
        size_t keep = (size_t)((double)(total - dropped) * ratio * 0.9);
        size_t target = total - keep;
        if (target <= dropped)
            target = dropped + 1;
        for (; dropped < target; dropped++) {
            b->pol[order[dropped].pol].keep--;
            out->trimmed_count += order[dropped].count;
        }
        report_build_set_details(b);
        if (report_build_encode(b, out) != 0) {
            snprintf(b->err, b->errsize, "cannot encode the report (out of memory)");
            st = REPORT_ERROR;
            break;
        }
    }
    out->details_trimmed = dropped;
    free(order);
    return st;
}

