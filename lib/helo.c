#include "helo.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The end of a word: a space, tab, or the end of the line. */
static int word_end(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

size_t helo_host(const char *s, size_t len, size_t *start)
{
    *start = 0;
    if (len < 3 || s[0] != '2' || !is_digit(s[1]) || !is_digit(s[2]))
        return len;
    if (len > 3 && s[3] != '-' && s[3] != ' ')
        return len; /* "2500 x", "250x": not a reply code */
    size_t b = len > 3 ? 4 : 3;
    while (b < len && (s[b] == ' ' || s[b] == '\t'))
        b++;
    size_t e = b;
    while (e < len && !word_end(s[e]))
        e++;
    if (e == b)
        return len; /* a code and no name: nothing announced, keep what was sent */
    *start = b;
    return e - b;
}
