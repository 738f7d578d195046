/* report_build(): counters in, RFC 8460 JSON out. One row per behaviour; each row gives the
 * policies of one domain, the options that differ from the defaults, and the expected
 * "policies" array (compact JSON) or status. The envelope (names, dates, id) and the size
 * trimming have their own checks below the table. */
#include <jansson.h>
#include <stdlib.h>

#include "aggregator/gzip.h"
#include "aggregator/report.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "tests/unit/unit.h"

#define ALL_TYPES 7u
#define DAY 1793491200 /* 2026-11-01 */
#define NOPOL "no-policy-found"

/* A detail: result type, s, n, h, r, a, f, count. */
#define DET(rt, s, n, h, r, a, f, c) {rt, {s, n, h, r, a, f}, c}
#define DETAILS(...) (struct report_detail[]){__VA_ARGS__}
#define NDET(...) (sizeof((struct report_detail[]){__VA_ARGS__}) / sizeof(struct report_detail))
#define POL(type, dom, strings, mx, ok, bad) {type, dom, strings, mx, ok, bad, NULL, 0}
#define POL_D(type, dom, strings, mx, ok, bad, ...)                                               \
    {type, dom, strings, mx, ok, bad, DETAILS(__VA_ARGS__), NDET(__VA_ARGS__)}
#define POLICIES(...) (struct report_policy[]){__VA_ARGS__}, \
    (sizeof((struct report_policy[]){__VA_ARGS__}) / sizeof(struct report_policy))

#define STS_STR "[\"version: STSv1\",\"mode: enforce\",\"mx: mx.a.example\",\"max_age: 86400\"]"
#define STS_MX "[\"mx.a.example\"]"
#define TLSA_STR "[\"3 1 1 AB12\"]"

struct row {
    const char *name;
    struct report_policy *pol;
    size_t npol;
    unsigned types;             /* 0 = all */
    unsigned redact;
    int skip_success_only;
    long max_details;
    enum report_status want;
    int64_t want_ok, want_failed;
    const char *want_policies;  /* compact JSON of "policies", when built */
};

static const struct row rows[] = {
    {"sts success only: failure-details present and empty, mx-host an array",
     POLICIES(POL("sts", "a.example", STS_STR, STS_MX, 5, 0)), 0, 0, 0, 0, REPORT_BUILT, 5, 0,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: "
     "enforce\",\"mx: mx.a.example\",\"max_age: 86400\"],\"policy-domain\":\"a.example\","
     "\"mx-host\":[\"mx.a.example\"]},\"summary\":{\"total-successful-session-count\":5,"
     "\"total-failure-session-count\":0},\"failure-details\":[]}]"},
    {"no-policy-found: policy-domain present, no policy-string, no mx-host",
     POLICIES(POL_D(NOPOL, "b.example", "[]", "[]", 2, 1,
                    DET("starttls-not-supported", "192.0.2.1", "mx.b.example", "", "", "", "",
                        1))),
     0, 0, 0, 0, REPORT_BUILT, 2, 1,
     "[{\"policy\":{\"policy-type\":\"no-policy-found\",\"policy-domain\":\"b.example\"},"
     "\"summary\":{\"total-successful-session-count\":2,\"total-failure-session-count\":1},"
     "\"failure-details\":[{\"result-type\":\"starttls-not-supported\",\"sending-mta-ip\":"
     "\"192.0.2.1\",\"receiving-mx-hostname\":\"mx.b.example\",\"failed-session-count\":1}]}]"},
    {"tlsa: policy-string, no mx-host",
     POLICIES(POL("tlsa", "mx.c.example", TLSA_STR, "[]", 1, 0)), 0, 0, 0, 0, REPORT_BUILT, 1,
     0,
     "[{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":[\"3 1 1 AB12\"],"
     "\"policy-domain\":\"mx.c.example\"},\"summary\":{\"total-successful-session-count\":1,"
     "\"total-failure-session-count\":0},\"failure-details\":[]}]"},
    {"all six fields, in the RFC's order around failed-session-count",
     POLICIES(POL_D("sts", "a.example", "[]", "[]", 0, 1,
                    DET("certificate-expired", "192.0.2.1", "mx.a.example", "250 mx", "2001:db8::1",
                        "expired", "X509_V_ERR", 1))),
     0, 0, 0, 0, REPORT_BUILT, 0, 1,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[],\"policy-domain\":\"a.example\","
     "\"mx-host\":[]},\"summary\":{\"total-successful-session-count\":0,"
     "\"total-failure-session-count\":1},\"failure-details\":[{\"result-type\":"
     "\"certificate-expired\",\"sending-mta-ip\":\"192.0.2.1\",\"receiving-mx-hostname\":"
     "\"mx.a.example\",\"receiving-mx-helo\":\"250 mx\",\"receiving-ip\":\"2001:db8::1\","
     "\"failed-session-count\":1,\"additional-information\":\"expired\","
     "\"failure-reason-code\":\"X509_V_ERR\"}]}]"},
    {"identical details merged, largest count first",
     POLICIES(POL_D("tlsa", "mx.c.example", TLSA_STR, "[]", 0, 6,
                    DET("tlsa-invalid", "", "", "", "", "", "", 1),
                    DET("dnssec-invalid", "", "", "", "", "", "", 2),
                    DET("tlsa-invalid", "", "", "", "", "", "", 3))),
     0, 0, 0, 0, REPORT_BUILT, 0, 6,
     "[{\"policy\":{\"policy-type\":\"tlsa\",\"policy-string\":[\"3 1 1 AB12\"],"
     "\"policy-domain\":\"mx.c.example\"},\"summary\":{\"total-successful-session-count\":0,"
     "\"total-failure-session-count\":6},\"failure-details\":[{\"result-type\":"
     "\"tlsa-invalid\",\"failed-session-count\":4},{\"result-type\":\"dnssec-invalid\","
     "\"failed-session-count\":2}]}]"},
    {"redact sending-mta-ip: details that differed only there merge",
     POLICIES(POL_D(NOPOL, "b.example", "[]", "[]", 0, 2,
                    DET("starttls-not-supported", "192.0.2.1", "mx.b.example", "", "", "", "", 1),
                    DET("starttls-not-supported", "192.0.2.2", "mx.b.example", "", "", "", "",
                        1))),
     0, 1u << DF_SENDING_MTA_IP, 0, 0, REPORT_BUILT, 0, 2,
     "[{\"policy\":{\"policy-type\":\"no-policy-found\",\"policy-domain\":\"b.example\"},"
     "\"summary\":{\"total-successful-session-count\":0,\"total-failure-session-count\":2},"
     "\"failure-details\":[{\"result-type\":\"starttls-not-supported\","
     "\"receiving-mx-hostname\":\"mx.b.example\",\"failed-session-count\":2}]}]"},
    {"redact additional-information and failure-reason-code",
     POLICIES(POL_D("sts", "a.example", "[]", "[]", 0, 1,
                    DET("validation-failure", "192.0.2.1", "", "", "", "secret", "code", 1))),
     0, (1u << DF_ADDITIONAL_INFORMATION) | (1u << DF_FAILURE_REASON_CODE), 0, 0, REPORT_BUILT, 0,
     1,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[],\"policy-domain\":\"a.example\","
     "\"mx-host\":[]},\"summary\":{\"total-successful-session-count\":0,"
     "\"total-failure-session-count\":1},\"failure-details\":[{\"result-type\":"
     "\"validation-failure\",\"sending-mta-ip\":\"192.0.2.1\",\"failed-session-count\":1}]}]"},
    {"max_failure_details 1 keeps the largest count, summary stays exact",
     POLICIES(POL_D("sts", "a.example", "[]", "[]", 3, 9,
                    DET("certificate-expired", "", "", "", "", "", "", 2),
                    DET("certificate-not-trusted", "", "", "", "", "", "", 7))),
     0, 0, 0, 1, REPORT_BUILT, 3, 9,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[],\"policy-domain\":\"a.example\","
     "\"mx-host\":[]},\"summary\":{\"total-successful-session-count\":3,"
     "\"total-failure-session-count\":9},\"failure-details\":[{\"result-type\":"
     "\"certificate-not-trusted\",\"failed-session-count\":7}]}]"},
    {"two policies in content order, summaries separate",
     POLICIES(POL("sts", "a.example", "[\"version: STSv1\",\"mode: testing\"]", "[]", 1, 0),
              POL("sts", "a.example", "[\"version: STSv1\",\"mode: enforce\"]", "[]", 2, 0)),
     0, 0, 0, 0, REPORT_BUILT, 3, 0,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: "
     "enforce\"],\"policy-domain\":\"a.example\",\"mx-host\":[]},\"summary\":"
     "{\"total-successful-session-count\":2,\"total-failure-session-count\":0},"
     "\"failure-details\":[]},{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":"
     "[\"version: STSv1\",\"mode: testing\"],\"policy-domain\":\"a.example\",\"mx-host\":[]},"
     "\"summary\":{\"total-successful-session-count\":1,\"total-failure-session-count\":0},"
     "\"failure-details\":[]}]"},
    {"policy_types sts only: a tlsa policy is left out of a mixed report",
     POLICIES(POL("tlsa", "a.example", TLSA_STR, "[]", 4, 0),
              POL("sts", "a.example", "[]", "[]", 1, 0)),
     2u /* sts */, 0, 0, 0, REPORT_BUILT, 1, 0,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[],\"policy-domain\":\"a.example\","
     "\"mx-host\":[]},\"summary\":{\"total-successful-session-count\":1,"
     "\"total-failure-session-count\":0},\"failure-details\":[]}]"},
    {"policy_types sts only: a tlsa-only domain gives no report",
     POLICIES(POL("tlsa", "mx.c.example", TLSA_STR, "[]", 4, 0)), 2u, 0, 0, 0, REPORT_NOTHING, 0,
     0, NULL},
    {"skip_success_only: a day of only successes gives no report",
     POLICIES(POL("sts", "a.example", "[]", "[]", 4, 0)), 0, 0, 1, 0, REPORT_NOTHING, 4, 0, NULL},
    {"skip_success_only: one failure is reported",
     POLICIES(POL("sts", "a.example", "[]", "[]", 4, 1)), 0, 0, 1, 0, REPORT_BUILT, 4, 1,
     "[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[],\"policy-domain\":\"a.example\","
     "\"mx-host\":[]},\"summary\":{\"total-successful-session-count\":4,"
     "\"total-failure-session-count\":1},\"failure-details\":[]}]"},
    {"policy-string that is not a JSON array of strings is an error",
     POLICIES(POL("sts", "a.example", "[1]", "[]", 1, 0)), 0, 0, 0, 0, REPORT_ERROR, 0, 0, NULL},
    {"unknown result type is an error",
     POLICIES(POL_D("sts", "a.example", "[]", "[]", 0, 1,
                    DET("certificate-invalid", "", "", "", "", "", "", 1))),
     0, 0, 0, 0, REPORT_ERROR, 0, 0, NULL},
    {"invalid UTF-8 in a detail is an error, not a broken report",
     POLICIES(POL_D("sts", "a.example", "[]", "[]", 0, 1,
                    DET("validation-failure", "", "", "", "", "ung\xfcltig", "", 1))),
     0, 0, 0, 0, REPORT_ERROR, 0, 0, NULL},
    {"unknown policy type is an error", POLICIES(POL("dane", "a.example", "[]", "[]", 1, 0)), 0,
     0, 0, 0, REPORT_ERROR, 0, 0, NULL},
};

static struct report_options options(const struct row *r)
{
    struct report_options o = {"Org", "tlsrpt@reporter.example", r->types ? r->types : ALL_TYPES,
                               r->redact, r->skip_success_only, r->max_details, 5L << 20,
                               REPORT_JSON_LIMIT};
    return o;
}

static void run_row(const struct row *r)
{
    struct report_input in = {"a.example", DAY, r->pol, r->npol};
    struct report_options o = options(r);
    struct report rep;
    char err[256], name[300];
    enum report_status st = report_build(&in, "20261101abc", &o, &rep, err, sizeof err);
    snprintf(name, sizeof name, "%s: status", r->name);
    UNIT_CHECK(name, st == r->want, "status %d, want %d (%s)", st, r->want, err);
    if (st == REPORT_ERROR) {
        snprintf(name, sizeof name, "%s: says why", r->name);
        UNIT_CHECK(name, err[0] != '\0', "empty error message");
    }
    if (st != REPORT_BUILT || r->want != REPORT_BUILT)
        return;
    json_t *j = json_loadb(rep.json, rep.json_len, JSON_REJECT_DUPLICATES, NULL);
    char *pols = j ? json_dumps(json_object_get(j, "policies"), JSON_COMPACT) : NULL;
    snprintf(name, sizeof name, "%s: policies", r->name);
    UNIT_STR_EQ(name, r->want_policies, pols);
    snprintf(name, sizeof name, "%s: totals", r->name);
    UNIT_CHECK(name, rep.successful == r->want_ok && rep.failed == r->want_failed,
               "got %lld/%lld", (long long)rep.successful, (long long)rep.failed);
    char *plain = NULL;
    size_t plain_len = 0;
    snprintf(name, sizeof name, "%s: gzip holds the JSON", r->name);
    UNIT_CHECK(name,
               gzip_decompress(rep.gzip, rep.gzip_len, 1 << 20, &plain, &plain_len) == 0 &&
                   plain_len == rep.json_len && memcmp(plain, rep.json, plain_len) == 0,
               "gunzip differs");
    free(plain);
    free(pols);
    json_decref(j);
    report_free(&rep);
}

static void test_envelope(void)
{
    struct report_policy p[] = {POL("sts", "a.example", "[]", "[]", 1, 0)};
    struct report_input in = {"a.example", DAY, p, 1};
    struct report_options o = {"Org \"Ünïcode\"", "tlsrpt@reporter.example", ALL_TYPES, 0, 0, 0,
                               5L << 20, REPORT_JSON_LIMIT};
    struct report rep;
    char err[256];
    report_build(&in, "20261101abc", &o, &rep, err, sizeof err);
    UNIT_STR_EQ("envelope: field order, Z times 00:00:00..23:59:59, compact",
                "{\"organization-name\":\"Org \\\"Ünïcode\\\"\",\"date-range\":{\"start-datetime\":"
                "\"2026-11-01T00:00:00Z\",\"end-datetime\":\"2026-11-01T23:59:59Z\"},"
                "\"contact-info\":\"tlsrpt@reporter.example\",\"report-id\":\"20261101abc\","
                "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[],"
                "\"policy-domain\":\"a.example\",\"mx-host\":[]},\"summary\":{"
                "\"total-successful-session-count\":1,\"total-failure-session-count\":0},"
                "\"failure-details\":[]}]}",
                rep.json);
    struct report again;
    report_build(&in, "20261101abc", &o, &again, err, sizeof err);
    UNIT_CHECK("envelope: same input, same gzip bytes",
               again.gzip_len == rep.gzip_len && memcmp(again.gzip, rep.gzip, rep.gzip_len) == 0,
               "gzip differs");
    report_free(&rep);
    report_free(&again);
}

/* n distinct details with counts 1..n under one sts policy. */
static struct report_detail *many_details(size_t n, struct buf *ips)
{
    struct report_detail *d = calloc(n, sizeof *d);
    size_t *off = calloc(n, sizeof *off);
    for (size_t i = 0; i < n; i++) {
        off[i] = ips->len;
        buf_printf(ips, "198.51.%zu.%zu", i / 250, i % 250);
        buf_putc(ips, '\0');
    }
    for (size_t i = 0; i < n; i++) {
        d[i] = (struct report_detail)DET("certificate-expired", ips->data + off[i], "mx.a.example",
                                         "", "", "certificate has expired", "", (int64_t)i + 1);
    }
    free(off);
    return d;
}

static void test_trimming(void)
{
    struct buf ips = BUF_INIT;
    size_t n = 3000;
    struct report_detail *d = many_details(n, &ips);
    struct report_policy p[] = {{"sts", "a.example", "[]", "[]", 10, 99999, d, n}};
    struct report_input in = {"a.example", DAY, p, 1};
    struct report_options o = {"Org", "tlsrpt@reporter.example", ALL_TYPES, 0, 0, 0, 4096,
                               REPORT_JSON_LIMIT};
    struct report rep;
    char err[256];
    enum report_status st = report_build(&in, "20261101abc", &o, &rep, err, sizeof err);
    UNIT_CHECK("max_report_size: trimmed report is built", st == REPORT_BUILT, "status %d: %s",
               st, err);
    if (st != REPORT_BUILT)
        goto out;
    UNIT_CHECK("max_report_size: gzip within the limit", rep.gzip_len <= 4096, "%zu bytes",
               rep.gzip_len);
    UNIT_CHECK("max_report_size: details were trimmed and counted",
               rep.details_trimmed > 0 && rep.details + rep.details_trimmed == n,
               "kept %zu trimmed %zu", rep.details, rep.details_trimmed);
    UNIT_CHECK("max_report_size: summary stays exact", rep.successful == 10 && rep.failed == 99999,
               "%lld/%lld", (long long)rep.successful, (long long)rep.failed);
    json_t *j = json_loadb(rep.json, rep.json_len, 0, NULL);
    json_t *fd = json_object_get(json_array_get(json_object_get(j, "policies"), 0),
                                 "failure-details");
    int64_t smallest_kept = json_integer_value(
        json_object_get(json_array_get(fd, json_array_size(fd) - 1), "failed-session-count"));
    UNIT_CHECK("max_report_size: the largest counts are kept",
               json_array_size(fd) == rep.details &&
                   smallest_kept == (int64_t)rep.details_trimmed + 1,
               "smallest kept %lld, trimmed %zu", (long long)smallest_kept, rep.details_trimmed);
    int64_t want_trimmed = (int64_t)rep.details_trimmed * ((int64_t)rep.details_trimmed + 1) / 2;
    UNIT_CHECK("max_report_size: trimmed session count reported", rep.trimmed_count == want_trimmed,
               "%lld, want %lld", (long long)rep.trimmed_count, (long long)want_trimmed);
    json_decref(j);
    report_free(&rep);

    o.max_gzip_bytes = 5L << 20;
    o.max_json_bytes = 20000;
    st = report_build(&in, "20261101abc", &o, &rep, err, sizeof err);
    UNIT_CHECK("JSON size limit: trimmed to fit uncompressed too",
               st == REPORT_BUILT && rep.json_len <= 20000 && rep.details_trimmed > 0,
               "status %d json %zu", st, rep.json_len);
    report_free(&rep);

    o.max_json_bytes = 100;
    st = report_build(&in, "20261101abc", &o, &rep, err, sizeof err);
    UNIT_CHECK("too big without any detail: refused, never oversized", st == REPORT_TOO_BIG,
               "status %d", st);
    UNIT_CHECK("too big: says why", strstr(err, "without any failure detail") != NULL, "%s", err);
out:
    free(d);
    buf_free(&ips);
}

static void test_prepare(void)
{
    struct report_detail d[] = {
        DET("certificate-expired", "192.0.2.2", "", "", "", "", "", 1),
        DET("certificate-expired", "192.0.2.1", "", "", "", "", "", 1),
        DET("certificate-expired", "192.0.2.1", "", "", "", "", "", 5),
        DET("certificate-expired", "192.0.2.2", "", "", "", "", "", 5),
    };
    size_t n = report_details_prepare(d, 4, 0);
    UNIT_CHECK("prepare: merged to two, equal counts ordered by content",
               n == 2 && d[0].count == 6 && strcmp(d[0].field[DF_SENDING_MTA_IP], "192.0.2.1") == 0 &&
                   d[1].count == 6,
               "n=%zu", n);
    UNIT_CHECK("prepare: empty input", report_details_prepare(d, 0, 0) == 0, "not 0");
}

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_row(&rows[i]);
    test_envelope();
    test_trimming();
    test_prepare();
    return unit_status();
}
