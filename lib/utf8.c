#include "utf8.h"

/* Length of the valid sequence at s (1..4), or 0 when the bytes there are not valid UTF-8. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* > U+10FFFF */
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

size_t utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = utf8_seq(u + i, len - i);
        if (n == 0)
            break;
        i += n;
    }
    return i;
}

size_t utf8_repair(const char *s, size_t len, struct buf *out)
{
    static const char replacement[] = "\xEF\xBF\xBD";
    const unsigned char *u = (const unsigned char *)s;
    size_t repaired = 0, i = 0, run = 0;
    buf_reserve(out, len);
    while (i < len) {
        size_t n = utf8_seq(u + i, len - i);
        if (n) {
            i += n;
            continue;
        }
        buf_append(out, s + run, i - run);
        buf_append(out, replacement, 3);
        repaired++;
        i++;
        run = i;
    }
    buf_append(out, s + run, len - run);
    return repaired;
}
