/* gzip_compress()/gzip_decompress(): a deterministic header (no name, mtime 0, Unix) and
 * exact round trips; truncated, foreign or oversized input is refused. */
#include <stdlib.h>

#include "aggregator/gzip.h"
#include "tests/unit/unit.h"

struct row {
    const char *name;
    const char *data;
    size_t len;
};

static const struct row rows[] = {
    {"empty input", "", 0},
    {"short JSON", "{\"a\":1}", 7},
    {"bytes with NUL and high bit", "a\0b\xff\x80z", 6},
};

static void round_trip(const struct row *r)
{
    unsigned char *gz = NULL, *gz2 = NULL;
    size_t n = 0, n2 = 0, plain_len = 0;
    char *plain = NULL, name[200];
    int ok = gzip_compress(r->data, r->len, &gz, &n) == 0;
    snprintf(name, sizeof name, "%s: header 1f 8b, deflate, no flags, mtime 0, OS Unix", r->name);
    UNIT_CHECK(name,
               ok && n >= 18 && gz[0] == 0x1f && gz[1] == 0x8b && gz[2] == 8 && gz[3] == 0 &&
                   gz[4] == 0 && gz[5] == 0 && gz[6] == 0 && gz[7] == 0 && gz[9] == 3,
               "bad header");
    snprintf(name, sizeof name, "%s: round trip", r->name);
    UNIT_CHECK(name,
               ok && gzip_decompress(gz, n, 1 << 20, &plain, &plain_len) == 0 &&
                   plain_len == r->len && memcmp(plain, r->data, r->len) == 0,
               "differs");
    snprintf(name, sizeof name, "%s: same input, same bytes", r->name);
    UNIT_CHECK(name, gzip_compress(r->data, r->len, &gz2, &n2) == 0 && n2 == n &&
                         memcmp(gz, gz2, n) == 0, "not deterministic");
    free(gz);
    free(gz2);
    free(plain);
}

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        round_trip(&rows[i]);

    char big[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 7);
    unsigned char *gz;
    size_t n, len;
    char *out = NULL;
    gzip_compress(big, sizeof big, &gz, &n);
    UNIT_CHECK("repetitive input compresses", n < sizeof big / 50, "%zu bytes", n);
    UNIT_CHECK("larger than max is refused", gzip_decompress(gz, n, 1000, &out, &len) == -1,
               "accepted");
    UNIT_CHECK("truncated input is refused", gzip_decompress(gz, n - 5, 1 << 20, &out, &len) == -1,
               "accepted");
    UNIT_CHECK("the whole member is accepted", gzip_decompress(gz, n, 1 << 20, &out, &len) == 0 &&
                                                   len == sizeof big,
               "refused");
    free(out);
    out = NULL;
    unsigned char *longer = malloc(n + 3);
    memcpy(longer, gz, n);
    memcpy(longer + n, "xyz", 3);
    UNIT_CHECK("trailing garbage is refused", gzip_decompress(longer, n + 3, 1 << 20, &out, &len) == -1,
               "accepted");
    free(longer);
    UNIT_CHECK("not gzip is refused", gzip_decompress("plain text", 10, 1 << 20, &out, &len) == -1,
               "accepted");
    free(gz);
    return unit_status();
}
