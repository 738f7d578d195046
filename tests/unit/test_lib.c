/* lib/: clock and RFC 3339, UTF-8 repair, domain normalisation, the hash map, buffers. */
#include <stdio.h>
#include <string.h>

#include "lib/bmap.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/domain.h"
#include "lib/result_type.h"
#include "lib/utf8.h"
#include "unit.h"

static void test_rfc3339(void)
{
    static const struct {
        const char *in;
        long long want; /* -1 = rejected */
    } rows[] = {
        {"2026-11-29T00:00:00Z", 1795910400},
        {"2026-11-29T23:59:59Z", 1795996799},
        {"2026-11-29t12:00:00z", 1795953600},
        {"2026-11-29 12:00:00Z", 1795953600},
        {"2026-11-29T13:00:00+01:00", 1795953600},
        {"2026-11-29T11:30:00-00:30", 1795953600},
        {"2026-11-29T12:00:00.999Z", 1795953600},
        {"2026-11-29", 1795910400},
        {"2024-02-29T00:00:00Z", 1709164800},
        {"2026-11-29T12:00:60Z", 1795953659},
        {"2025-02-29T00:00:00Z", -1},
        {"2026-13-01T00:00:00Z", -1},
        {"2026-11-29T24:00:00Z", -1},
        {"2026-11-29T12:00:00", -1},
        {"2026-11-29T12:00Z", -1},
        {"2026-11-29T12:00:00Zjunk", -1},
        {"1969-12-31T23:59:59Z", -1},
        {"", -1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        time_t t = 0;
        int rc = rfc3339_parse(rows[i].in, &t);
        char name[128];
        snprintf(name, sizeof name, "rfc3339 \"%s\"", rows[i].in);
        if (rows[i].want < 0)
            UNIT_CHECK(name, rc != 0, "accepted as %lld", (long long)t);
        else
            UNIT_CHECK(name, rc == 0 && t == rows[i].want, "rc=%d t=%lld", rc, (long long)t);
    }
    char out[32], day[16];
    UNIT_STR_EQ("rfc3339 format", "2026-11-29T12:00:00Z", rfc3339_format(1795953600, out));
    UNIT_STR_EQ("day format", "2026-11-29", day_format(1795953600, day));
    time_t d;
    UNIT_CHECK("day parse", day_parse("2026-11-29", &d) == 0 && d == 1795910400, "got %lld",
               (long long)d);
    UNIT_CHECK("day parse rejects a time", day_parse("2026-11-29T00:00:00Z", &d) != 0, "accepted");
    UNIT_CHECK("hour floor", hour_floor(1795953600 + 3599) == 1795953600, "wrong");
    UNIT_CHECK("day floor", day_floor(1795953600) == 1795910400, "wrong");
}

static void test_utf8(void)
{
    static const struct {
        const char *name, *in, *out;
        size_t repaired;
    } rows[] = {
        {"ascii unchanged", "abc", "abc", 0},
        {"valid 2-4 byte sequences unchanged", "f\xc3\xbcr \xe2\x80\x94 \xf0\x9f\x94\x92",
         "f\xc3\xbcr \xe2\x80\x94 \xf0\x9f\x94\x92", 0},
        {"latin-1 byte replaced", "f\xfcr", "f\xef\xbf\xbdr", 1},
        {"overlong NUL replaced byte by byte", "a\xc0\x80z", "a\xef\xbf\xbd\xef\xbf\xbdz", 2},
        {"surrogate replaced", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3},
        {"above U+10FFFF replaced", "\xf4\x90\x80\x80",
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4},
        {"truncated sequence at the end replaced", "ok\xe2\x80", "ok\xef\xbf\xbd\xef\xbf\xbd", 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct buf b = BUF_INIT;
        size_t n = utf8_repair(rows[i].in, strlen(rows[i].in), &b);
        UNIT_CHECK(rows[i].name, n == rows[i].repaired && strcmp(b.data, rows[i].out) == 0,
                   "repaired=%zu", n);
        UNIT_CHECK(rows[i].name, (utf8_valid_prefix(b.data, b.len) == b.len),
                   "repaired output is not valid UTF-8");
        buf_free(&b);
    }
}

static void test_domain(void)
{
    static const struct {
        const char *in, *out; /* out NULL = rejected */
    } rows[] = {
        {"Example.COM.", "example.com"},
        {"example.com", "example.com"},
        {"mx.dane.example", "mx.dane.example"},
        {"b\xc3\xbc" "cher.example", "xn--bcher-kva.example"},
        {"B\xc3\x9c" "CHER.Example.", "xn--bcher-kva.example"},
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"_smtp._tls.example.com", "_smtp._tls.example.com"},
        {"", NULL},
        {".", NULL},
        {"example..com", NULL},
        {"example.com..", NULL},
        {"exa mple.com", NULL},
        {"exa\"mple.com", NULL},
        {"b\xfc" "cher.example", NULL},
        {"\xe2\x98\x83\xe2\x98\x83\xe2\x98\x83.\xef\xbf\xbd", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char out[DOMAIN_MAX], name[200];
        const char *why = NULL;
        int rc = domain_normalize(rows[i].in, strlen(rows[i].in), out, &why);
        snprintf(name, sizeof name, "domain \"%s\" -> %s", rows[i].in,
                 rows[i].out ? rows[i].out : "rejected");
        if (rows[i].out)
            UNIT_CHECK(name, rc == 0 && strcmp(out, rows[i].out) == 0, "rc=%d out=%s why=%s", rc,
                       rc ? "" : out, why ? why : "");
        else
            UNIT_CHECK(name, rc != 0, "accepted as %s", out);
    }
    char longname[400];
    memset(longname, 'a', sizeof longname);
    for (int i = 60; i < 390; i += 61)
        longname[i] = '.';
    longname[300] = '\0';
    char out[DOMAIN_MAX];
    const char *why;
    UNIT_CHECK("domain over 253 characters rejected",
               domain_normalize(longname, strlen(longname), out, &why) != 0, "accepted");
}

static void test_bmap(void)
{
    struct bmap m = BMAP_INIT;
    char key[32];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        bmap_upsert(&m, key, (size_t)n, NULL)->a += i;
    }
    int ok = m.count == 10000;
    for (int i = 0; i < 10000 && ok; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        struct bmap_entry *e = bmap_find(&m, key, (size_t)n);
        ok = e != NULL && e->a == i;
    }
    UNIT_CHECK("bmap keeps 10000 keys through growth", ok, "lookup failed");
    int created = -1;
    bmap_upsert(&m, "key-5", 5, &created);
    UNIT_CHECK("bmap upsert of an existing key does not create", created == 0, "created");
    UNIT_CHECK("bmap distinguishes prefixes", bmap_find(&m, "key-", 4) == NULL, "found");
    size_t pos = 0, seen = 0;
    while (bmap_next(&m, &pos))
        seen++;
    UNIT_CHECK("bmap iteration visits every key", seen == 10000, "saw %zu", seen);
    bmap_clear(&m);
    UNIT_CHECK("bmap clear empties", m.count == 0 && bmap_find(&m, "key-1", 5) == NULL, "not empty");
}

static void test_buf(void)
{
    char small[8];
    UNIT_CHECK("bcopy_str fits", bcopy_str(small, sizeof small, "1234567") == 0, "truncated");
    UNIT_CHECK("bcopy_str reports truncation", bcopy_str(small, sizeof small, "12345678") != 0 &&
                                                   strcmp(small, "1234567") == 0,
               "not reported");
    UNIT_CHECK("bfmt reports truncation", bfmt(small, sizeof small, "%d", 123456789) != 0, "no");
    char ex[64];
    str_excerpt(ex, sizeof ex, "a\"b\\c\n\xff", 7, 100);
    UNIT_STR_EQ("excerpt escapes quotes, backslashes and bytes", "\"a\\\"b\\\\c\\x0a\\xff\"", ex);
    str_excerpt(ex, sizeof ex, "abcdefghij", 10, 4);
    UNIT_STR_EQ("excerpt cuts long input", "\"abcd...\"", ex);
    UNIT_STR_EQ("result type table", "certificate-expired", result_type_name(204));
    UNIT_CHECK("result type 901 unknown", result_type_name(901) == NULL, "known");
}

int main(void)
{
    test_rfc3339();
    test_utf8();
    test_domain();
    test_bmap();
    test_buf();
    return unit_status();
}
