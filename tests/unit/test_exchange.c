/* collector/exchange.c: export lines read back into the same counters; every kind of bad line
 * is refused with its reason. */
#include <stdlib.h>

#include "collector/exchange.h"
#include "lib/clock.h"
#include "tests/unit/unit.h"

#define HEADER "{\"type\":\"tlsrpt-export\",\"version\":1,\"source\":\"mx1\",\"day\":\"2026-11-29\"}"
#define ROW_START "{\"type\":\"counts\",\"source\":\"mx1\",\"hour\":\"2026-11-29T10:00:00Z\","
#define POLICY "\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"example.com\",\"policy-string\":[],\"mx-host\":[]}"
#define GOOD_REST "\"report-domain\":\"example.com\",\"record\":\"v=TLSRPTv1;rua=mailto:a@example.com\"," POLICY ",\"successful\":1,\"failed\":0,\"failure-details\":[]}"

static const struct {
    const char *name, *line, *want; /* want: substring of the error, NULL = accepted */
} rows[] = {
    {"a good row", ROW_START GOOD_REST, NULL},
    {"other source", "{\"type\":\"counts\",\"source\":\"mx2\"}", "source differs"},
    {"hour of another day", "{\"type\":\"counts\",\"source\":\"mx1\",\"hour\":\"2026-11-30T00:00:00Z\"}",
     "header's day"},
    {"hour not on the hour", "{\"type\":\"counts\",\"source\":\"mx1\",\"hour\":\"2026-11-29T10:30:00Z\"}",
     "header's day"},
    {"domain not normalised",
     ROW_START "\"report-domain\":\"Example.COM\",\"record\":\"r\"," POLICY ",\"successful\":1,\"failed\":0,\"failure-details\":[]}",
     "normalised"},
    {"no record", ROW_START "\"report-domain\":\"example.com\",\"record\":\"\"}", "no record"},
    {"unknown policy type",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\",\"policy\":{\"policy-type\":\"dmarc\"}}",
     "unknown policy-type"},
    {"policy domain differs from the report domain (DANE: the MX host)",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\",\"policy\":{\"policy-type\":\"tlsa\",\"policy-domain\":\"mx.example.com\",\"policy-string\":[],\"mx-host\":[]},\"successful\":1,\"failed\":0,\"failure-details\":[]}",
     NULL},
    {"policy domain not normalised",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\",\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"MX.example.com.\"}}",
     "policy-domain is not a normalised"},
    {"no policy domain",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\",\"policy\":{\"policy-type\":\"sts\"}}",
     "no policy-domain"},
    {"negative count",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\"," POLICY ",\"successful\":-1,\"failed\":0,\"failure-details\":[]}",
     "must be counts"},
    {"policy strings not strings",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\",\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"example.com\",\"policy-string\":[1],\"mx-host\":[]},\"successful\":1,\"failed\":0,\"failure-details\":[]}",
     "arrays of strings"},
    {"detail with unknown result type",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\"," POLICY ",\"successful\":0,\"failed\":1,\"failure-details\":[{\"result-type\":\"oops\",\"count\":1}]}",
     "unknown result-type"},
    {"detail with count 0",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\"," POLICY ",\"successful\":0,\"failed\":1,\"failure-details\":[{\"result-type\":\"dane-required\",\"count\":0}]}",
     "count must be 1 or more"},
    {"detail field not a string",
     ROW_START "\"report-domain\":\"example.com\",\"record\":\"r\"," POLICY ",\"successful\":0,\"failed\":1,\"failure-details\":[{\"result-type\":\"dane-required\",\"receiving-ip\":5,\"count\":1}]}",
     "receiving-ip is not a string"},
    {"duplicate key", "{\"type\":\"counts\",\"type\":\"end\"}", "not a JSON object"},
    {"unknown type", "{\"type\":\"gossip\"}", "unknown type"},
    {"a second header", HEADER, "a second header"},
    {"end with the wrong count", "{\"type\":\"end\",\"rows\":7}", "counts 7 rows"},
};

static const struct {
    const char *name, *line, *want;
} headers[] = {
    {"header: local source", "{\"type\":\"tlsrpt-export\",\"version\":1,\"source\":\"\",\"day\":\"2026-11-29\"}",
     "local source"},
    {"header: bad source", "{\"type\":\"tlsrpt-export\",\"version\":1,\"source\":\"a b\",\"day\":\"2026-11-29\"}",
     "bad source"},
    {"header: version 3", "{\"type\":\"tlsrpt-export\",\"version\":3,\"source\":\"mx1\",\"day\":\"2026-11-29\"}",
     "unsupported export version"},
    {"header: bad day", "{\"type\":\"tlsrpt-export\",\"version\":1,\"source\":\"mx1\",\"day\":\"2026-02-30\"}",
     "bad day"},
    {"row before the header", ROW_START GOOD_REST, "no tlsrpt-export header"},
};

static int has(const char *s, const char *sub)
{
    return s && sub && strstr(s, sub) != NULL;
}

int main(void)
{
    struct exchange_reader r;
    struct counters c;
    char err[512];

    /* Round trip: a written line reads back into the same counter keys and counts. */
    time_t day, hour;
    day_parse("2026-11-29", &day);
    rfc3339_parse("2026-11-29T10:00:00Z", &hour);
    struct counter_key k = {.hour = hour,
                            .report_domain = "example.com",
                            .record = "v=TLSRPTv1;rua=mailto:tlsrpt@example.com",
                            .policy_type = "tlsa",
                            .policy_domain = "mx.example.com",
                            .strings_json = "[\"version: STSv1\",\"mode: enforce\",\"tab\\there \\\"q\\\"\"]",
                            .mx_json = "[\"mx1.example.com\"]"};
    struct exchange_detail d[2] = {
        {"certificate-expired",
         {"192.0.2.1", "mx1.example.com", "250-mx1.example.com\r\n250 STARTTLS", "", "notAfter=x", ""},
         3},
        {"dane-required", {NULL, NULL, NULL, NULL, NULL, NULL}, 1},
    };
    char *h = exchange_header_line(EXCHANGE_VERSION_JSONL, "mx1", day, 0);
    char *line = exchange_counts_line("mx1", &k, 5, 2, d, 2);
    char *end = exchange_end_line(1);
    exchange_reader_init(&r);
    counters_init(&c);
    int ok = h && line && end && exchange_read_line(&r, h, strlen(h), &c, err, sizeof err) == 0;
    UNIT_CHECK("round trip: header read", ok, "%s", err);
    ok = exchange_read_line(&r, line, strlen(line), &c, err, sizeof err) == 0;
    UNIT_CHECK("round trip: counts line read", ok, "%s | %s", err, line);
    ok = exchange_read_line(&r, end, strlen(end), &c, err, sizeof err) == 0 &&
         exchange_read_end(&r, err, sizeof err) == 0;
    UNIT_CHECK("round trip: end line read", ok, "%s", err);
    UNIT_CHECK("round trip: one session key, two details", c.sessions.count == 1 && c.details.count == 2,
               "%zu sessions, %zu details", c.sessions.count, c.details.count);
    size_t pos = 0;
    struct bmap_entry *e = bmap_next(&c.sessions, &pos);
    struct counter_key back;
    ok = e && counters_session_key(e, &back) == 0 && back.hour == k.hour &&
         strcmp(back.strings_json, k.strings_json) == 0 && strcmp(back.mx_json, k.mx_json) == 0 &&
         strcmp(back.record, k.record) == 0 && e->a == 5 && e->b == 2 &&
         strcmp(back.report_domain, "example.com") == 0 &&
         strcmp(back.policy_domain, "mx.example.com") == 0;
    UNIT_CHECK("round trip: the same key bytes (policy strings as the collector stores them)", ok,
               "got %s", ok ? "" : (e ? back.strings_json : "nothing"));
    long long total = 0;
    pos = 0;
    while ((e = bmap_next(&c.details, &pos)) != NULL) {
        total += e->a;
        if (counters_detail_key(e, &back) == 0 && strcmp(back.result_type, "dane-required") == 0)
            UNIT_STR_EQ("round trip: unknown fields come back as \"\"", "",
                        back.field[DF_RECEIVING_IP]);
        else if (counters_detail_key(e, &back) == 0)
            UNIT_STR_EQ("import: an EHLO reply as receiving-mx-helo becomes the host name",
                        "mx1.example.com", back.field[DF_RECEIVING_MX_HELO]);
    }
    UNIT_CHECK("round trip: detail counts", total == 4, "got %lld", total);
    UNIT_CHECK("round trip: reader totals", r.rows == 1 && r.sessions == 7 && r.details == 2,
               "rows %lld sessions %lld details %lld", r.rows, r.sessions, r.details);
    counters_free(&c);
    free(h);
    free(line);
    free(end);

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        exchange_reader_init(&r);
        counters_init(&c);
        exchange_read_line(&r, HEADER, strlen(HEADER), &c, err, sizeof err);
        err[0] = '\0';
        int rc = exchange_read_line(&r, rows[i].line, strlen(rows[i].line), &c, err, sizeof err);
        if (rows[i].want == NULL)
            UNIT_CHECK(rows[i].name, rc == 0 && c.sessions.count == 1, "error: %s", err);
        else
            UNIT_CHECK(rows[i].name, rc == -1 && has(err, rows[i].want) && c.sessions.count == 0,
                       "rc %d, error \"%s\", want \"%s\"", rc, err, rows[i].want);
        counters_free(&c);
    }
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        exchange_reader_init(&r);
        counters_init(&c);
        err[0] = '\0';
        int rc = exchange_read_line(&r, headers[i].line, strlen(headers[i].line), &c, err, sizeof err);
        UNIT_CHECK(headers[i].name, rc == -1 && has(err, headers[i].want), "rc %d, error \"%s\"",
                   rc, err);
        counters_free(&c);
    }

    exchange_reader_init(&r);
    UNIT_CHECK("end: no header", exchange_read_end(&r, err, sizeof err) == -1 && has(err, "no header"),
               "%s", err);
    counters_init(&c);
    exchange_read_line(&r, HEADER, strlen(HEADER), &c, err, sizeof err);
    UNIT_CHECK("end: truncated", exchange_read_end(&r, err, sizeof err) == -1 && has(err, "truncated"),
               "%s", err);
    UNIT_CHECK("source names", exchange_source_valid("mx-1.example_2") == 0 &&
                                   exchange_source_valid("") == -1 &&
                                   exchange_source_valid("a/b") == -1,
               "%s", "valid or invalid names misjudged");
    counters_free(&c);
    counters_thread_done();
    return unit_status();
}
