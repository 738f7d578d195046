/* datagram_parse: every real vector is accepted, every malformed one rejected with its
 * reason, and the normalisation rules hold. Table-driven: a bug fix is a new row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/counters.h"
#include "collector/datagram.h"
#include "lib/buf.h"
#include "unit.h"

#define VEC "tests/data/vectors/"

struct file_case {
    const char *file;
    const char *reason; /* NULL = accepted */
};

static const struct file_case files[] = {
    {VEC "libtlsrpt/01-sts-success.dgram", NULL},
    {VEC "libtlsrpt/02-sts-success-uppercase-trailing-dot.dgram", NULL},
    {VEC "libtlsrpt/03-sts-202-host-mismatch-ipv6.dgram", NULL},
    {VEC "libtlsrpt/04-sts-203-not-trusted-all-fields.dgram", NULL},
    {VEC "libtlsrpt/05-sts-203-204-two-details.dgram", NULL},
    {VEC "libtlsrpt/06-nopolicy-success.dgram", NULL},
    {VEC "libtlsrpt/07-nopolicy-success-with-policy-domain.dgram", NULL},
    {VEC "libtlsrpt/08-nopolicy-201-starttls-partial-fields.dgram", NULL},
    {VEC "libtlsrpt/09-tlsa-304-306-tlsa-invalid-dane-required.dgram", NULL},
    {VEC "libtlsrpt/10-tlsa-305-dnssec-invalid.dgram", NULL},
    {VEC "libtlsrpt/11-tlsa-205-validation-failure.dgram", NULL},
    {VEC "libtlsrpt/12-tlsa-success.dgram", NULL},
    {VEC "libtlsrpt/13-sts-301-fetch-error-no-policy-strings.dgram", NULL},
    {VEC "libtlsrpt/14-sts-302-policy-invalid.dgram", NULL},
    {VEC "libtlsrpt/15-sts-303-webpki-invalid-code-only.dgram", NULL},
    {VEC "libtlsrpt/16-sts-success-two-rua.dgram", NULL},
    {VEC "libtlsrpt/17-two-policies-sts-202-tlsa-success.dgram", NULL},
    {VEC "libtlsrpt/18-json-escapes.dgram", NULL},
    {VEC "libtlsrpt/19-utf8-additional-info.dgram", NULL},
    {VEC "libtlsrpt/20-sts-204-big-200-mx.dgram", NULL},
    {VEC "libtlsrpt/21-latin1-invalid-utf8-additional-info.dgram", NULL},
    {VEC "malformed/01-bad-json-missing-colon.dgram", "bad-json"},
    {VEC "malformed/02-truncated-json.dgram", "bad-json"},
    {VEC "malformed/03-wrong-dpv-2.dgram", "bad-dpv"},
    {VEC "malformed/04-missing-d.dgram", "bad-domain"},
    {VEC "malformed/05-policy-type-7.dgram", "bad-policy-type"},
    {VEC "malformed/06-failure-code-999.dgram", "bad-result-type"},
    {VEC "malformed/07-huge-numbers-wrap-to-valid.dgram", "bad-policy-type"},
    {VEC "malformed/08-huge-number-5000-digits.dgram", "bad-number"},
    {VEC "malformed/09-nonfinite-1e400-nan.dgram", "bad-number"},
    {VEC "malformed/10-empty.dgram", "empty"},
    {VEC "malformed/11-garbage-70000.dgram", "bad-json"},
    {VEC "malformed/13-not-an-object.dgram", "not-object"},
    {VEC "malformed/14-missing-policies.dgram", "bad-policies"},
    {VEC "malformed/15-empty-policies.dgram", "bad-policies"},
    {VEC "malformed/16-trailing-garbage.dgram", "bad-json"},
    {VEC "malformed/17-trailing-nul.dgram", "bad-json"},
    {VEC "malformed/18-final-result-2.dgram", "bad-final-result"},
    {VEC "malformed/19-failure-count-mismatch.dgram", "bad-failure-count"},
    {VEC "malformed/20-domain-not-string.dgram", "bad-domain"},
    {VEC "malformed/21-policy-type-string.dgram", "bad-policy-type"},
    {VEC "malformed/22-deep-nesting-100000.dgram", "bad-json"},
    {VEC "malformed/23-duplicate-key-d.dgram", "duplicate-key"},
    {VEC "malformed/24-missing-pr.dgram", "bad-record"},
};

#define P(body) "{\"dpv\": \"1\",\"d\": \"example.com\",\"pr\": \"v=TLSRPTv1;rua=mailto:a@example.com\"," \
                "\"policies\":[" body "]}"
#define STS(extra) "{\"policy-type\":2,\"policy-domain\": \"example.com\"" extra ",\"t\":0,\"f\":0}"

struct text_case {
    const char *name;
    const char *input;
    const char *reason;       /* NULL = accepted */
    const char *domain;       /* expected d after normalisation */
    const char *policy_domain;
};

static const struct text_case texts[] = {
    {"minimal sts success", P(STS("")), NULL, "example.com", "example.com"},
    {"upper case and trailing dot normalised",
     "{\"dpv\": \"1\",\"d\": \"MiXeD.Example.\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     NULL, "mixed.example", "mixed.example"},
    {"IDN recipient converted to A-labels",
     "{\"dpv\": \"1\",\"d\": \"b\xc3\xbc" "cher.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     NULL, "xn--bcher-kva.example", "xn--bcher-kva.example"},
    {"IDN policy-domain upper case converted",
     "{\"dpv\": \"1\",\"d\": \"x.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":2,\"policy-domain\": \"B\xc3\x9c" "CHER.example\",\"t\":0,\"f\":0}]}",
     NULL, "x.example", "xn--bcher-kva.example"},
    {"policy-domain falls back to d",
     "{\"dpv\": \"1\",\"d\": \"Nopolicy.Example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     NULL, "nopolicy.example", "nopolicy.example"},
    {"unknown members are ignored (forward compatible)",
     "{\"dpv\": \"1\",\"x\": [1],\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"new\":{},\"t\":0,\"f\":0}]}",
     NULL, "e.example", "e.example"},
    {"missing dpv is version 1 (libtlsrpt 0.5.0rc1)",
     "{\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}", NULL,
     "e.example", "e.example"},
    {"dpv \"2\" rejected",
     "{\"dpv\": \"2\",\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}", "bad-dpv",
     NULL, NULL},
    {"dpv null rejected",
     "{\"dpv\":null,\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}", "bad-dpv",
     NULL, NULL},
    {"dpv empty string rejected",
     "{\"dpv\": \"\",\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}", "bad-dpv",
     NULL, NULL},
    {"dpv as a number rejected",
     "{\"dpv\":1,\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}", "bad-dpv",
     NULL, NULL},
    {"domain with a space rejected",
     "{\"dpv\": \"1\",\"d\": \"e xample\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     "bad-domain", NULL, NULL},
    {"empty domain rejected",
     "{\"dpv\": \"1\",\"d\": \".\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     "bad-domain", NULL, NULL},
    {"label over 63 characters rejected",
     "{\"dpv\": \"1\",\"d\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     "bad-domain", NULL, NULL},
    {"invalid UTF-8 in a domain rejected, not repaired into it",
     "{\"dpv\": \"1\",\"d\": \"b\xfc" "cher.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     "bad-domain", NULL, NULL},
    {"policy-type 9 as a float rejected",
     "{\"dpv\": \"1\",\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9.0,\"t\":0,\"f\":0}]}",
     "bad-policy-type", NULL, NULL},
    {"missing t rejected", P("{\"policy-type\":2,\"f\":0}"), "bad-failure-count", NULL, NULL},
    {"missing f rejected", P("{\"policy-type\":2,\"t\":0}"), "bad-final-result", NULL, NULL},
    {"negative f rejected", P("{\"policy-type\":2,\"t\":0,\"f\":-1}"), "bad-final-result", NULL, NULL},
    {"policy-string not an array rejected", P(STS(",\"policy-string\": \"x\"")), "bad-field", NULL,
     NULL},
    {"policy-string with a number rejected", P(STS(",\"policy-string\":[1]")), "bad-field", NULL,
     NULL},
    {"mx-host as a string rejected", P(STS(",\"mx-host\": \"mx.example.com\"")), "bad-field", NULL,
     NULL},
    {"failure detail field not a string rejected",
     P("{\"policy-type\":2,\"failure-details\":[{\"c\":202,\"s\":5}],\"t\":1,\"f\":1}"), "bad-field",
     NULL, NULL},
    {"failure detail without c rejected",
     P("{\"policy-type\":2,\"failure-details\":[{\"s\": \"1.2.3.4\"}],\"t\":1,\"f\":1}"),
     "bad-result-type", NULL, NULL},
    {"901 (library-internal) rejected",
     P("{\"policy-type\":2,\"failure-details\":[{\"c\":901}],\"t\":1,\"f\":1}"), "bad-result-type",
     NULL, NULL},
    {"policies not an array rejected",
     "{\"dpv\": \"1\",\"d\": \"e.example\",\"pr\": \"\",\"policies\":{}}", "bad-policies", NULL, NULL},
    {"a policy that is not an object rejected", P("[]"), "bad-policies", NULL, NULL},
    {"raw NUL inside a string rejected",
     "{\"dpv\": \"1\",\"d\": \"e.example\",\"pr\": \"a\\u0000b\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}",
     "bad-json", NULL, NULL},
    {"JSON null at top level rejected", "null", "not-object", NULL, NULL},
};

static void test_files(void)
{
    struct tls_result *r = calloc(1, sizeof *r);
    struct datagram_error err;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t len;
        char *data = unit_slurp(files[i].file, &len);
        char name[300];
        const char *base = strrchr(files[i].file, '/') + 1;
        snprintf(name, sizeof name, "datagram %s %s", base,
                 files[i].reason ? files[i].reason : "accepted");
        if (data == NULL) {
            UNIT_CHECK(name, 0, "cannot read %s", files[i].file);
            continue;
        }
        int rc = datagram_parse(data, len, r, &err);
        if (files[i].reason == NULL)
            UNIT_CHECK(name, rc == 0, "rejected reason=%s: %s", err.reason, err.message);
        else
            UNIT_CHECK(name, rc != 0 && strcmp(err.reason, files[i].reason) == 0,
                       "got rc=%d reason=%s", rc, rc ? err.reason : "-");
        if (rc == 0)
            tls_result_free(r);
        free(data);
    }
    tls_result_release(r);
    free(r);
}

static void test_texts(void)
{
    struct tls_result *r = calloc(1, sizeof *r);
    struct datagram_error err;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const struct text_case *t = &texts[i];
        int rc = datagram_parse(t->input, strlen(t->input), r, &err);
        if (t->reason != NULL) {
            UNIT_CHECK(t->name, rc != 0 && strcmp(err.reason, t->reason) == 0,
                       "got rc=%d reason=%s", rc, rc ? err.reason : "-");
            continue;
        }
        UNIT_CHECK(t->name, rc == 0 && strcmp(r->domain, t->domain) == 0 &&
                                strcmp(r->policies[0].domain, t->policy_domain) == 0,
                   "rc=%d reason=%s domain=%s policy-domain=%s", rc, rc ? err.reason : "-",
                   rc ? "" : r->domain, rc ? "" : r->policies[0].domain);
        if (rc == 0)
            tls_result_free(r);
    }
    tls_result_release(r);
    free(r);
}

/* Details of vector 18 decode to the documented values; 02 normalises to 01's key. */
static void test_values(void)
{
    struct tls_result *r = calloc(1, sizeof *r);
    struct datagram_error err;
    size_t len;
    char *data = unit_slurp(VEC "libtlsrpt/18-json-escapes.dgram", &len);
    int rc = data ? datagram_parse(data, len, r, &err) : -1;
    UNIT_CHECK("vector 18 parses", rc == 0, "rc=%d", rc);
    if (rc == 0) {
        const struct failure_detail *fd = &r->policies[0].details[0];
        UNIT_STR_EQ("vector 18 additional-information unescaped",
                    "quote\" backslash\\ tab\t newline\n cr\r bs\b ff\f soh\x01 us\x1f del\x7f end",
                    fd->field[DF_ADDITIONAL_INFORMATION]);
        UNIT_STR_EQ("vector 18 failure-reason-code unescaped", "reason \"x\\y\"",
                    fd->field[DF_FAILURE_REASON_CODE]);
        UNIT_STR_EQ("vector 18 helo is the announced host name, not the EHLO reply",
                    "mx.escapes.example", fd->field[DF_RECEIVING_MX_HELO]);
        tls_result_free(r);
    }
    free(data);

    struct buf k1 = BUF_INIT, k2 = BUF_INIT;
    data = unit_slurp(VEC "libtlsrpt/01-sts-success.dgram", &len);
    if (data && datagram_parse(data, len, r, &err) == 0) {
        counters_compile(r, &k1);
        tls_result_free(r);
    }
    free(data);
    data = unit_slurp(VEC "libtlsrpt/02-sts-success-uppercase-trailing-dot.dgram", &len);
    if (data && datagram_parse(data, len, r, &err) == 0) {
        counters_compile(r, &k2);
        tls_result_free(r);
    }
    free(data);
    UNIT_CHECK("Example.COM. counts under the same key as example.com",
               k1.len > 0 && k1.len == k2.len && memcmp(k1.data, k2.data, k1.len) == 0,
               "keys differ");
    buf_free(&k1);
    buf_free(&k2);

    data = unit_slurp(VEC "libtlsrpt/03-sts-202-host-mismatch-ipv6.dgram", &len);
    if (data && datagram_parse(data, len, r, &err) == 0) {
        UNIT_STR_EQ("IPv6 sending-mta-ip in RFC 5952 form", "2001:db8:25::1",
                    r->policies[0].details[0].field[DF_SENDING_MTA_IP]);
        tls_result_free(r);
    }
    free(data);
    const char *v6 = P("{\"policy-type\":2,\"failure-details\":[{\"c\":202,\"r\": "
                       "\"2001:0DB8:0000:0000:0000:0000:0000:0025\"}],\"t\":1,\"f\":1}");
    if (datagram_parse(v6, strlen(v6), r, &err) == 0) {
        UNIT_STR_EQ("long-form IPv6 receiving-ip compressed (RFC 5952)", "2001:db8::25",
                    r->policies[0].details[0].field[DF_RECEIVING_IP]);
        tls_result_free(r);
    } else {
        UNIT_CHECK("long-form IPv6 receiving-ip compressed (RFC 5952)", 0, "rejected: %s",
                   err.message);
    }

    /* The report domain is d; a DANE policy keeps its policy-domain (the MX host). */
    data = unit_slurp(VEC "libtlsrpt/09-tlsa-304-306-tlsa-invalid-dane-required.dgram", &len);
    if (data && datagram_parse(data, len, r, &err) == 0) {
        UNIT_STR_EQ("DANE: report domain is d", "dane.example", r->domain);
        UNIT_STR_EQ("DANE: policy keeps its policy-domain", "mx.dane.example",
                    r->policies[0].domain);
        UNIT_CHECK("vector with dpv: nodpv not set", r->nodpv == 0, "nodpv=%d", r->nodpv);
        tls_result_free(r);
    }
    free(data);
    const char *old = "{\"d\": \"e.example\",\"pr\": \"\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}";
    rc = datagram_parse(old, strlen(old), r, &err);
    UNIT_CHECK("datagram without dpv: accepted and flagged nodpv", rc == 0 && r->nodpv == 1,
               "rc=%d nodpv=%d", rc, rc ? -1 : r->nodpv);
    if (rc == 0)
        tls_result_free(r);
    counters_thread_done();
    tls_result_release(r);
    free(r);
}

int main(void)
{
    test_files();
    test_texts();
    test_values();
    return unit_status();
}
