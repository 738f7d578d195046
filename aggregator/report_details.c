/* Failure details of one policy, ready for the report: redacted fields emptied, identical
 * entries merged (RFC 8460 wants one entry per distinct detail), and a stable order (largest
 * count first, ties by content) so that golden files are byte-exact and max_failure_details
 * keeps the largest counts. */
#include <stdlib.h>
#include <string.h>

#include "aggregator/report.h"

/* Content order: result type, then each optional field. */
static int detail_cmp_content(const struct report_detail *a, const struct report_detail *b)
{
    int c = strcmp(a->result_type, b->result_type);
    for (int f = 0; c == 0 && f < DF_COUNT; f++)
        c = strcmp(a->field[f], b->field[f]);
    return c;
}

static int cmp_content(const void *pa, const void *pb)
{
    return detail_cmp_content(pa, pb);
}

static int cmp_report_order(const void *pa, const void *pb)
{
    const struct report_detail *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return detail_cmp_content(a, b);
}

size_t report_details_prepare(struct report_detail *d, size_t n, unsigned redact)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < DF_COUNT; f++)
            if (redact & (1u << f))
                d[i].field[f] = "";
    qsort(d, n, sizeof *d, cmp_content);
    size_t out = 0;
    for (size_t i = 1; i < n; i++) {
        if (detail_cmp_content(&d[out], &d[i]) == 0)
            d[out].count += d[i].count;
        else
            d[++out] = d[i];
    }
    n = out + 1;
    qsort(d, n, sizeof *d, cmp_report_order);
    return n;
}
