/* The collector's memory per datagram (issue 11 item 4) and its receive-time stamps (issue 11
 * item 7), on the real code paths: compiled forms hold each string once, counters point to
 * interned strings, the ingest cache is bounded by the bytes it holds, policy strings are
 * escaped byte for byte as jansson does, and a datagram counts under the hour it was
 * received in, however late it is parsed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/collector.h"
#include "collector/counters.h"
#include "collector/datagram.h"
#include "collector/ingest.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/config.h"
#include "unit.h"

/* A record of record_len bytes and npol policies of ndet failure details each (the issue's
 * shapes: 8 KB x 1 x 780 and 100 KB x 9 x 1024); seq makes it distinct. */
static void hostile(struct buf *b, size_t record_len, int npol, int ndet, int seq)
{
    buf_reset(b);
    buf_printf(b, "{\"dpv\":\"1\",\"d\":\"hostile.example\",\"pr\":\"v=TLSRPTv1;rua=mailto:t@"
                  "hostile.example;x=%d;", seq);
    while (b->len < record_len)
        buf_putc(b, 'p');
    buf_puts(b, "\",\"policies\":[");
    for (int p = 0; p < npol; p++) {
        buf_printf(b, "%s{\"policy-type\":2,\"policy-domain\":\"p%d.hostile.example\","
                      "\"t\":%d,\"f\":1,\"failure-details\":[", p ? "," : "", p, ndet);
        for (int d = 0; d < ndet; d++)
            buf_printf(b, "%s{\"c\":204,\"a\":\"%d\"}", d ? "," : "", d);
        buf_puts(b, "]}");
    }
    buf_puts(b, "]}");
}

static void test_compiled_size(void)
{
    struct buf dg = BUF_INIT, compiled = BUF_INIT;
    struct tls_result *r = calloc(1, sizeof *r);
    struct datagram_error err;
    struct counters c;
    counters_init(&c);

    hostile(&dg, 100000, 9, 1024, 0);
    int rc = datagram_parse(dg.data, dg.len, r, &err);
    UNIT_CHECK("192 KB hostile datagram parses", rc == 0, "%s", err.message);
    if (rc == 0) {
        counters_compile(r, &compiled);
        tls_result_free(r);
        /* before: 9,216 copies of the 100 KB record, about 900 MB */
        UNIT_CHECK("its compiled form holds the record once (< 2 x the datagram)",
                   compiled.len < 2 * dg.len, "%zu bytes for a %zu-byte datagram", compiled.len,
                   dg.len);
        counters_apply(&c, 3600, compiled.data, compiled.len);
        counters_apply(&c, 7200, compiled.data, compiled.len);
        UNIT_CHECK("counted: 2 x 9 sessions, 2 x 9,216 details",
                   c.sessions.count == 18 && c.details.count == 2 * 9216, "%zu sessions %zu details",
                   c.sessions.count, c.details.count);
        UNIT_CHECK("the counters hold the record once (< 4 MiB for 18,432 details)",
                   counters_bytes(&c) < (4u << 20) && c.strings.key_bytes < 2 * dg.len,
                   "%zu bytes, strings %zu", counters_bytes(&c), c.strings.key_bytes);
        size_t pos = 0;
        struct bmap_entry *e = bmap_next(&c.details, &pos);
        struct counter_key k;
        UNIT_CHECK("a detail key decodes to the whole record",
                   e && counters_detail_key(e, &k) == 0 && strlen(k.record) > 99000 &&
                       strcmp(k.field[DF_ADDITIONAL_INFORMATION], "") != 0,
                   "record %zu bytes", e ? strlen(k.record) : 0);
    }

    /* merged into another batch (a retried commit): keys re-pointed to its strings */
    struct counters dst;
    counters_init(&dst);
    counters_merge(&dst, &c);
    counters_merge(&dst, &c);
    int64_t sum = 0;
    size_t pos = 0;
    struct bmap_entry *e;
    while ((e = bmap_next(&dst.details, &pos)) != NULL)
        sum += e->a;
    UNIT_CHECK("merged twice: same keys, counts doubled",
               dst.details.count == c.details.count && sum == 4 * 9216 &&
                   dst.strings.count == c.strings.count,
               "%zu keys, sum %lld", dst.details.count, (long long)sum);
    counters_free(&dst);
    counters_free(&c);
    tls_result_release(r);
    free(r);
    buf_free(&compiled);
    buf_free(&dg);
}

static void test_cache_bound(void)
{
    struct ingest *in = ingest_new();
    struct counters c;
    struct datagram_error err;
    struct buf dg = BUF_INIT;
    counters_init(&c);
    int ok = 1;
    /* 150 distinct 16 KiB datagrams, each seen twice (cached on the second sighting); before,
     * each cache entry held 780 copies of the 8 KB record: 6 MB, 950 MB in all */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < 150; i++) {
            hostile(&dg, 8000, 1, 450, i);
            ok &= ingest_bytes(in, &c, 3600, dg.data, dg.len, &err, NULL, NULL) == 0;
        }
    UNIT_CHECK("300 hostile datagrams accepted", ok, "%s", err.message);
    UNIT_CHECK("the cache holds at most 8 MiB", ingest_cache_bytes(in) <= (8u << 20),
               "%zu bytes", ingest_cache_bytes(in));
    UNIT_CHECK("it holds some of them (entries of about twice the datagram)",
               ingest_cache_bytes(in) > 0, "empty");
    int64_t sum = 0;
    size_t pos = 0;
    struct bmap_entry *e;
    while ((e = bmap_next(&c.details, &pos)) != NULL)
        sum += e->a;
    UNIT_CHECK("cached or not, every detail counted", sum == 300 * 450, "sum %lld",
               (long long)sum);

    hostile(&dg, 100000, 9, 1024, 0);
    size_t before = ingest_cache_bytes(in);
    ok = ingest_bytes(in, &c, 3600, dg.data, dg.len, &err, NULL, NULL) == 0 &&
         ingest_bytes(in, &c, 3600, dg.data, dg.len, &err, NULL, NULL) == 0;
    UNIT_CHECK("an oversized datagram is counted but never cached",
               ok && ingest_cache_bytes(in) <= before, "%zu -> %zu", before,
               ingest_cache_bytes(in));
    counters_free(&c);
    buf_free(&dg);
    ingest_free(in);
}

/* put_json_string in datagram.c must write what json_dumpb wrote before it: the stored policy
 * texts are keys of existing rows. */
static void test_escaping(void)
{
    char all[200];
    size_t n = 0;
    for (int ch = 1; ch < 0x80; ch++)
        all[n++] = (char)ch;
    const char *utf8 = "mx: b\xC3\xBC" "cher.example \xE2\x80\xA8 \xF0\x9F\x94\x92";
    memcpy(all + n, utf8, strlen(utf8));
    n += strlen(utf8);
    json_t *arr = json_array();
    json_array_append_new(arr, json_stringn(all, n));
    json_array_append_new(arr, json_string("version: STSv1"));
    json_array_append_new(arr, json_string(""));
    char *want = json_dumps(arr, JSON_COMPACT);
    json_t *dgram = json_pack("{s:s,s:s,s:s,s:[{s:i,s:s,s:O,s:O,s:i,s:i}]}", "dpv", "1", "d",
                              "e.example", "pr", "v=TLSRPTv1;rua=mailto:a@e.example", "policies",
                              "policy-type", 2, "policy-domain", "e.example", "policy-string",
                              arr, "mx-host", arr, "t", 0, "f", 0);
    char *text = json_dumps(dgram, JSON_COMPACT);
    struct tls_result *r = calloc(1, sizeof *r);
    struct datagram_error err;
    int rc = text ? datagram_parse(text, strlen(text), r, &err) : -1;
    UNIT_CHECK("every ASCII byte and some UTF-8 in policy-string parse", rc == 0, "%s",
               rc ? err.message : "");
    if (rc == 0) {
        UNIT_STR_EQ("policy-string JSON as json_dumpb writes it", want,
                    r->policies[0].strings_json);
        UNIT_STR_EQ("mx-host JSON as json_dumpb writes it", want, r->policies[0].mx_json);
        tls_result_free(r);
    }
    tls_result_release(r);
    free(r);
    free(text);
    free(want);
    json_decref(dgram);
    json_decref(arr);
}

/* Issue 11 item 7: datagrams received at 23:59:59 wait in the ring while the parser is held up
 * (here: not run) past midnight; they count for 23:00 of the day they were received. */
static void test_receive_stamp(void)
{
    struct config cfg;
    memset(&cfg, 0, sizeof cfg);
    struct collector *c = malloc(sizeof *c);
    collector_init(c, &cfg);
    size_t len;
    char *dg = unit_slurp("tests/data/vectors/libtlsrpt/01-sts-success.dgram", &len);
    time_t before, after;
    rfc3339_parse("2026-03-01T23:59:59Z", &before);
    rfc3339_parse("2026-03-02T00:00:01Z", &after);
    clock_set_now(before);
    for (int i = 0; i < 3; i++)
        collector_receive(c, dg, (ssize_t)len);
    clock_set_now(after); /* the parsers get to them only now */
    collector_receive(c, dg, (ssize_t)len);
    for (int i = 0; i < COLLECTOR_PARSERS; i++) {
        ring_close(c->parsers[i].ring);
        collector_parser_main(&c->parsers[i]);
    }
    int64_t at_2300 = 0, at_0000 = 0;
    size_t pos = 0;
    struct bmap_entry *e;
    struct counter_key k;
    while ((e = bmap_next(&c->current.sessions, &pos)) != NULL)
        if (counters_session_key(e, &k) == 0) {
            if (k.hour == before - 59 * 60 - 59)
                at_2300 += e->a;
            else if (k.hour == after - 1)
                at_0000 += e->a;
        }
    UNIT_CHECK("received before midnight: counted at 23:00 the day before", at_2300 == 3,
               "%lld at 23:00, %lld at 00:00", (long long)at_2300, (long long)at_0000);
    UNIT_CHECK("received after midnight: counted at 00:00", at_0000 == 1, "%lld",
               (long long)at_0000);
    int64_t outcomes_2300 = 0;
    pos = 0;
    while ((e = bmap_next(&c->current.outcomes, &pos)) != NULL) {
        int64_t hour;
        const char *outcome;
        if (counters_outcome_key(e, &hour, &outcome) == 0 && hour == before - 3599)
            outcomes_2300 += e->a;
    }
    UNIT_CHECK("their datagram outcomes too", outcomes_2300 == 3, "%lld",
               (long long)outcomes_2300);
    free(dg);
    collector_destroy(c);
    free(c);
    counters_thread_done();
}

int main(void)
{
    test_compiled_size();
    test_cache_bound();
    test_escaping();
    test_receive_stamp();
    counters_thread_done();
    return unit_status();
}
