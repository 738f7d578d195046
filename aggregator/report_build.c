/* report_build(): counters of one report domain and day -> RFC 8460 JSON (jansson) + gzip.
 * Field order follows the RFC 8460 §4.8 example and never changes:
 *   organization-name, date-range {start-datetime, end-datetime}, contact-info, report-id,
 *   policies[] {policy {policy-type, policy-string, policy-domain, mx-host},
 *               summary {total-successful-session-count, total-failure-session-count},
 *               failure-details[] {result-type, sending-mta-ip, receiving-mx-hostname,
 *                  receiving-mx-helo, receiving-ip, failed-session-count,
 *                  additional-information, failure-reason-code}}
 * policy-string is left out for no-policy-found, mx-host is only given for sts (an array),
 * failure-details is always present. Over the size limits report_fit() trims failure
 * details (report_fit.c). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/gzip.h"
#include "aggregator/report.h"
#include "aggregator/report_int.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"

#define DETAIL_COUNT_SLOT (-1)
/* Where failed-session-count goes among the optional fields (as in the RFC's example). */
static const int detail_order[] = {
    DF_SENDING_MTA_IP,  DF_RECEIVING_MX_HOSTNAME,  DF_RECEIVING_MX_HELO,   DF_RECEIVING_IP,
    DETAIL_COUNT_SLOT,  DF_ADDITIONAL_INFORMATION, DF_FAILURE_REASON_CODE,
};

static enum report_status fail(struct build *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum report_status fail(struct build *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->err, b->errsize, fmt, ap);
    va_end(ap);
    return REPORT_ERROR;
}

/* Adds a string member; 0, or -1 when s is not valid UTF-8 (jansson refuses it). */
static int set_str(json_t *o, const char *key, const char *s)
{
    json_t *v = json_string(s);
    return v == NULL ? -1 : json_object_set_new(o, key, v);
}

static int type_bit(const char *type)
{
    for (int i = 0; i < POLICY_TYPE_COUNT; i++)
        if (strcmp(policy_types[i].name, type) == 0)
            return i;
    return -1;
}

int report_policy_reported(const struct report_options *opt, const char *type)
{
    int bit = type_bit(type);
    return bit >= 0 && (opt->policy_types & (1u << bit));
}

static int cmp_policy(const void *pa, const void *pb)
{
    const struct report_policy *a = ((const struct built_policy *)pa)->in;
    const struct report_policy *b = ((const struct built_policy *)pb)->in;
    int c = strcmp(a->type, b->type);
    if (c == 0)
        c = strcmp(a->domain, b->domain);
    if (c == 0)
        c = strcmp(a->strings_json, b->strings_json);
    if (c == 0)
        c = strcmp(a->mx_json, b->mx_json);
    return c;
}

/* A JSON array of strings from its text; NULL when it is anything else. */
static json_t *string_array(const char *text)
{
    json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    size_t i;
    json_t *s;
    if (a == NULL || !json_is_array(a))
        goto bad;
    json_array_foreach(a, i, s) {
        if (!json_is_string(s))
            goto bad;
    }
    return a;
bad:
    json_decref(a);
    return NULL;
}

static json_t *detail_json(const struct report_detail *d)
{
    json_t *o = json_object();
    if (set_str(o, "result-type", d->result_type) != 0)
        goto bad;
    for (size_t i = 0; i < sizeof detail_order / sizeof detail_order[0]; i++) {
        int f = detail_order[i];
        if (f == DETAIL_COUNT_SLOT)
            json_object_set_new(o, "failed-session-count", json_integer(d->count));
        else if (d->field[f][0] != '\0' && set_str(o, detail_fields[f].rfc_name, d->field[f]))
            goto bad;
    }
    return o;
bad:
    json_decref(o);
    return NULL;
}

static enum report_status policy_json(struct build *b, struct built_policy *p)
{
    const struct report_policy *in = p->in;
    json_t *pol = json_object(), *summary = json_object();
    p->entry = json_object();
    json_object_set_new(p->entry, "policy", pol);
    json_object_set_new(p->entry, "summary", summary);
    json_object_set_new(p->entry, "failure-details", json_array());

    json_object_set_new(pol, "policy-type", json_string(in->type));
    if (policy_type_has_strings(in->type)) {
        json_t *a = string_array(in->strings_json);
        if (a == NULL)
            return fail(b, "policy-string of a %s policy is not a JSON array of strings",
                        in->type);
        json_object_set_new(pol, "policy-string", a);
    }
    if (set_str(pol, "policy-domain", in->domain) != 0)
        return fail(b, "policy-domain is not UTF-8");
    if (policy_type_has_mx(in->type)) {
        json_t *a = string_array(in->mx_json);
        if (a == NULL)
            return fail(b, "mx-host of an sts policy is not a JSON array of strings");
        json_object_set_new(pol, "mx-host", a);
    }
    json_object_set_new(summary, "total-successful-session-count",
                        json_integer(in->successful));
    json_object_set_new(summary, "total-failure-session-count", json_integer(in->failed));

    p->detail_json = xcalloc(p->ndetails, sizeof *p->detail_json);
    for (size_t i = 0; i < p->ndetails; i++) {
        p->detail_json[i] = detail_json(&p->details[i]);
        if (p->detail_json[i] == NULL)
            return fail(b, "a failure detail of a %s policy is not valid UTF-8", in->type);
    }
    return REPORT_BUILT;
}

/* Checks one policy of the input; 0 or -1 with the build's error set. */
static int policy_check(struct build *b, const struct report_policy *p)
{
    if (p->type == NULL || type_bit(p->type) < 0 || p->domain == NULL || p->domain[0] == '\0' ||
        p->strings_json == NULL || p->mx_json == NULL) {
        fail(b, "policy with a missing or unknown type or domain");
        return -1;
    }
    if (p->successful < 0 || p->failed < 0) {
        fail(b, "negative session count for a %s policy", p->type);
        return -1;
    }
    for (size_t i = 0; i < p->ndetails; i++) {
        const struct report_detail *d = &p->details[i];
        if (d->result_type == NULL || result_type_code(d->result_type) < 0 || d->count <= 0) {
            fail(b, "failure detail with an unknown result type or a count below 1");
            return -1;
        }
        for (int f = 0; f < DF_COUNT; f++)
            if (d->field[f] == NULL) {
                fail(b, "failure detail with a NULL field");
                return -1;
            }
    }
    return 0;
}

/* Selects, orders and prepares the policies; fills totals. */
static enum report_status select_policies(struct build *b, struct report *out)
{
    const struct report_input *in = b->in;
    b->pol = xcalloc(in->npolicies, sizeof *b->pol);
    for (size_t i = 0; i < in->npolicies; i++) {
        const struct report_policy *p = &in->policies[i];
        if (policy_check(b, p) != 0)
            return REPORT_ERROR;
        if (!report_policy_reported(b->opt, p->type))
            continue;
        b->pol[b->npol++].in = p;
        out->successful += p->successful;
        out->failed += p->failed;
    }
    if (b->npol == 0 || (b->opt->skip_success_only && out->failed == 0))
        return REPORT_NOTHING;
    qsort(b->pol, b->npol, sizeof *b->pol, cmp_policy);

    for (size_t i = 0; i < b->npol; i++) {
        struct built_policy *p = &b->pol[i];
        size_t n = p->in->ndetails;
        p->details = xcalloc(n, sizeof *p->details);
        if (n)
            memcpy(p->details, p->in->details, n * sizeof *p->details);
        n = report_details_prepare(p->details, n, b->opt->redact);
        if (b->opt->max_failure_details > 0 && n > (size_t)b->opt->max_failure_details) {
            out->details_capped += n - (size_t)b->opt->max_failure_details;
            n = (size_t)b->opt->max_failure_details;
        }
        p->ndetails = p->keep = n;
    }
    return REPORT_BUILT;
}

static json_t *root_json(struct build *b, const char *report_id)
{
    char start[32], end[32];
    json_t *root = json_object(), *range = json_object(), *pols = json_array();
    rfc3339_format(b->in->day, start);
    rfc3339_format(b->in->day + SECONDS_PER_DAY - 1, end);
    json_object_set_new(range, "start-datetime", json_string(start));
    json_object_set_new(range, "end-datetime", json_string(end));
    if (set_str(root, "organization-name", b->opt->organization_name) != 0)
        goto bad;
    json_object_set_new(root, "date-range", range);
    if (set_str(root, "contact-info", b->opt->contact_info) != 0 ||
        set_str(root, "report-id", report_id) != 0)
        goto bad;
    json_object_set_new(root, "policies", pols);
    for (size_t i = 0; i < b->npol; i++)
        json_array_append(pols, b->pol[i].entry);
    return root;
bad:
    json_decref(root);
    return NULL;
}

/* Puts the first `keep` details of each policy into its failure-details array. */
void report_build_set_details(struct build *b)
{
    for (size_t i = 0; i < b->npol; i++) {
        struct built_policy *p = &b->pol[i];
        json_t *a = json_array();
        for (size_t j = 0; j < p->keep; j++)
            json_array_append(a, p->detail_json[j]);
        json_object_set_new(p->entry, "failure-details", a);
    }
}

/* Serialises and compresses; -1 when jansson or zlib fail (out of memory). */
int report_build_encode(struct build *b, struct report *out)
{
    free(out->json);
    free(out->gzip);
    out->gzip = NULL;
    out->json = json_dumps(b->root, JSON_COMPACT);
    if (out->json == NULL)
        return -1;
    out->json_len = strlen(out->json);
    return gzip_compress(out->json, out->json_len, &out->gzip, &out->gzip_len);
}

static void build_free(struct build *b)
{
    for (size_t i = 0; i < b->npol; i++) {
        struct built_policy *p = &b->pol[i];
        for (size_t j = 0; p->detail_json && j < p->ndetails; j++)
            json_decref(p->detail_json[j]);
        free(p->detail_json);
        free(p->details);
        json_decref(p->entry);
    }
    free(b->pol);
    json_decref(b->root);
}

enum report_status report_build(const struct report_input *in, const char *report_id,
                                const struct report_options *opt, struct report *out,
                                char *err, size_t errsize)
{
    struct build b = {in, opt, NULL, 0, NULL, err, errsize};
    enum report_status st;
    memset(out, 0, sizeof *out);
    err[0] = '\0';

    if (in->domain == NULL || in->domain[0] == '\0' || report_id == NULL) {
        st = fail(&b, "report without a report domain or report id");
        goto done;
    }
    st = select_policies(&b, out);
    for (size_t i = 0; st == REPORT_BUILT && i < b.npol; i++)
        st = policy_json(&b, &b.pol[i]);
    if (st != REPORT_BUILT)
        goto done;
    b.root = root_json(&b, report_id);
    if (b.root == NULL) {
        st = fail(&b, "organization-name, contact-info or report-id is not UTF-8");
        goto done;
    }
    report_build_set_details(&b);
    if (report_build_encode(&b, out) != 0) {
        st = fail(&b, "cannot encode the report (out of memory)");
        goto done;
    }
    st = report_fit(&b, out);
    out->npolicies = b.npol;
    for (size_t i = 0; i < b.npol; i++)
        out->details += b.pol[i].keep;
done:
    build_free(&b);
    if (st != REPORT_BUILT) {
        int64_t ok = out->successful, bad = out->failed;
        report_free(out);
        out->successful = ok; /* still useful to the caller's log line */
        out->failed = bad;
    }
    return st;
}

void report_free(struct report *r)
{
    free(r->json);
    free(r->gzip);
    memset(r, 0, sizeof *r);
}
