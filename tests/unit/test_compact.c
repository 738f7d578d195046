/* collector/compact.c: a compact export written line by line reads back into the same
 * definitions and counts; every kind of bad line is refused with its reason. */
#include <stdlib.h>

#include "collector/compact.h"
#include "lib/clock.h"
#include "tests/unit/unit.h"

#define HEADER2 "{\"type\":\"tlsrpt-export\",\"version\":2,\"source\":\"mx1\",\"day\":\"2026-11-29\"}"
#define DEFS "r \"v=TLSRPTv1;rua=mailto:a@example.com\"\n" \
             "p {\"policy-type\":\"sts\",\"policy-domain\":\"example.com\",\"policy-string\":[],\"mx-host\":[]}\n" \
             "d {\"result-type\":\"dane-required\"}\n"

static const struct {
    const char *name, *lines, *want; /* lines after the header; want: error of the last one */
} bad[] = {
    {"unknown tag", "x 1\n", "unknown line tag"},
    {"no space after the tag", "s0 1 1\n", "not a line of a compact export"},
    {"key before any record", "k 0 0 \"example.com\"\n", "record defined above"},
    {"key naming a policy not defined", DEFS "k 0 1 \"example.com\"\n", "policy defined above"},
    {"key with a domain not normalised", DEFS "k 0 0 \"Example.COM\"\n", "normalised"},
    {"policy whose domain is not normalised",
     "p {\"policy-type\":\"tlsa\",\"policy-domain\":\"MX.example.com.\"}\n", "normalised"},
    {"counts before any key", DEFS "s 0 1 0\n", "no k line above"},
    {"hour 24", DEFS "k 0 0 \"example.com\"\ns 24 1 0\n", "0 to 23"},
    {"a negative count", DEFS "k 0 0 \"example.com\"\ns 1 -1 0\n", "must be counts"},
    {"a leading zero", DEFS "k 0 0 \"example.com\"\ns 01 1 0\n", "0 to 23"},
    {"trailing text", DEFS "k 0 0 \"example.com\"\ns 1 1 0 9\n", "must be counts"},
    {"a count above 2^53", DEFS "k 0 0 \"example.com\"\ns 1 9007199254740993 0\n", "must be counts"},
    {"sessions adding up above 2^53",
     DEFS "k 0 0 \"example.com\"\ns 1 9007199254740992 0\ns 2 1 0\n", "add up to more"},
    {"failure detail not defined", DEFS "k 0 0 \"example.com\"\nf 1 1 1\n", "failure detail defined above"},
    {"failure count 0", DEFS "k 0 0 \"example.com\"\nf 1 0 0\n", "count must be 1 or more"},
    {"empty record", "r \"\"\n", "no record"},
    {"record not a string", "r 5\n", "not a JSON string"},
    {"policy of an unknown type", "p {\"policy-type\":\"dmarc\",\"policy-domain\":\"a.example\"}\n",
     "unknown policy-type"},
    {"policy strings not strings",
     "p {\"policy-type\":\"sts\",\"policy-domain\":\"a.example\",\"policy-string\":[1],\"mx-host\":[]}\n",
     "arrays of strings"},
    {"detail of an unknown result type", "d {\"result-type\":\"oops\"}\n", "unknown result-type"},
    {"detail field not a string", "d {\"result-type\":\"dane-required\",\"receiving-ip\":5}\n",
     "receiving-ip is not a string"},
    {"detail with a count", "d {\"result-type\":\"dane-required\",\"count\":1}\n", "has no count"},
    {"duplicate member", "d {\"result-type\":\"dane-required\",\"result-type\":\"dane-required\"}\n",
     "bad JSON"},
    {"end with other totals", DEFS "k 0 0 \"example.com\"\ns 1 2 1\ne 1 0 2 0\n", "end line counts"},
    {"a line after the end", "e 0 0 0 0\ns 1 1 1\n", "after the end line"},
};

static int has(const char *s, const char *sub)
{
    return s && sub && strstr(s, sub) != NULL;
}

/* Reads the header, then each line of text; the return code of the last line, its error in
 * err, and the events' kinds (one letter each) in kinds. */
static int read_all(const char *text, char *err, size_t errsize, struct exchange_reader *r,
                    char *kinds, size_t kinds_size)
{
    struct compact_reader cr;
    struct counters c;
    int rc = 0;
    size_t nk = 0;
    counters_init(&c);
    exchange_reader_init(r);
    if (exchange_read_line(r, HEADER2, strlen(HEADER2), &c, err, errsize) != 0 || r->version != 2)
        return -2;
    compact_reader_init(&cr, r);
    for (const char *p = text; *p && rc == 0;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        struct compact_event ev;
        err[0] = '\0';
        rc = compact_read_line(&cr, p, n, &ev, err, errsize);
        if (rc == 0) {
            if (nk + 1 < kinds_size)
                kinds[nk++] = "rpdksfe"[ev.kind];
            compact_event_free(&ev);
        }
        p += n + (nl != NULL);
    }
    kinds[nk] = '\0';
    counters_free(&c);
    return rc;
}

int main(void)
{
    struct exchange_reader r;
    char err[512], kinds[64];
    struct buf b = BUF_INIT;
    const char *field[DF_COUNT] = {"192.0.2.1", "mx1.example.com", "", NULL, "tab\there \"q\" \\",
                                   ""};

    /* Written by the writer, read back: the same definitions and counts. */
    compact_put_record(&b, "v=TLSRPTv1;rua=mailto:tlsrpt@example.com");
    UNIT_CHECK("a policy whose stored arrays are not arrays is refused",
               compact_put_policy(&b, "sts", "example.com", "oops", "[]") == -1, "%s", "accepted");
    compact_put_policy(&b, "sts", "example.com", "[\"version: STSv1\",\"mode: enforce\"]",
                       "[\"mx1.example.com\"]");
    compact_put_detail(&b, "certificate-expired", field);
    compact_put_key(&b, 0, 0, "example.com");
    compact_put_sessions(&b, 0, 5, 2);
    compact_put_sessions(&b, 23, 9007199254740992LL - 7, 0);
    compact_put_failures(&b, 23, 0, 3);
    compact_put_end(&b, 2, 1, 9007199254740992LL, 3);
    int rc = read_all(b.data, err, sizeof err, &r, kinds, sizeof kinds);
    UNIT_CHECK("round trip: every line read", rc == 0, "rc %d: %s\n%s", rc, err, b.data);
    UNIT_STR_EQ("round trip: the events in order", "rpdkssfe", kinds);
    UNIT_CHECK("round trip: totals", r.rows == 2 && r.sessions == 9007199254740992LL &&
                                         r.detail_counts == 3 && r.have_end,
               "rows %lld sessions %lld details %lld", r.rows, r.sessions, r.detail_counts);

    /* The events' contents. */
    struct compact_reader cr;
    struct compact_event ev;
    struct counters c;
    counters_init(&c);
    exchange_reader_init(&r);
    exchange_read_line(&r, HEADER2, strlen(HEADER2), &c, err, sizeof err);
    compact_reader_init(&cr, &r);
    const char *p = b.data;
    int ok = 1;
    for (int i = 0; i < 8 && ok; i++) {
        const char *nl = strchr(p, '\n');
        ok = compact_read_line(&cr, p, (size_t)(nl - p), &ev, err, sizeof err) == 0;
        if (!ok)
            break;
        switch (ev.kind) {
        case COMPACT_RECORD:
            UNIT_STR_EQ("record read back", "v=TLSRPTv1;rua=mailto:tlsrpt@example.com", ev.record);
            break;
        case COMPACT_POLICY:
            UNIT_STR_EQ("policy strings as the collector stores them",
                        "[\"version: STSv1\",\"mode: enforce\"]", ev.policy.strings_json);
            UNIT_STR_EQ("policy domain read back", "example.com", ev.policy.domain);
            break;
        case COMPACT_DETAIL:
            UNIT_STR_EQ("detail: escaped text read back", "tab\there \"q\" \\",
                        ev.field[DF_ADDITIONAL_INFORMATION]);
            UNIT_STR_EQ("detail: unknown fields come back as \"\"", "", ev.field[DF_RECEIVING_IP]);
            break;
        case COMPACT_KEY:
            UNIT_CHECK("key read back", ev.record_index == 0 && ev.policy_index == 0 &&
                                            strcmp(ev.report_domain, "example.com") == 0,
                       "%zu %zu %s", ev.record_index, ev.policy_index, ev.report_domain);
            break;
        case COMPACT_SESSIONS:
            if (ev.successful == 5)
                UNIT_CHECK("sessions at hour 0", ev.failed == 2 && ev.hour == r.day_start,
                           "%lld %lld", ev.failed, (long long)ev.hour);
            break;
        case COMPACT_FAILURES:
            UNIT_CHECK("failures at hour 23", ev.count == 3 && ev.detail_index == 0 &&
                                                  ev.hour == r.day_start + 23 * 3600,
                       "%lld %zu", ev.count, ev.detail_index);
            break;
        case COMPACT_END:
            break;
        }
        compact_event_free(&ev);
        p = nl + 1;
    }
    UNIT_CHECK("events read", ok, "%s", err);
    counters_free(&c);
    buf_free(&b);

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = read_all(bad[i].lines, err, sizeof err, &r, kinds, sizeof kinds);
        UNIT_CHECK(bad[i].name, rc == -1 && has(err, bad[i].want), "rc %d, error \"%s\", want \"%s\"",
                   rc, err, bad[i].want);
    }
    /* A truncated file: no end line. */
    rc = read_all(DEFS "k 0 0 \"example.com\"\ns 1 1 0\n", err, sizeof err, &r, kinds, sizeof kinds);
    UNIT_CHECK("truncated: no end line", rc == 0 && exchange_read_end(&r, err, sizeof err) == -1 &&
                                             has(err, "truncated"),
               "%s", err);
    counters_thread_done();
    return unit_status();
}
