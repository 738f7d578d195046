/* helo_host: the announced host name out of an EHLO reply, or the value as sent. */
#include <stdio.h>
#include <string.h>

#include "lib/helo.h"
#include "unit.h"

static const struct {
    const char *name, *in, *want;
} rows[] = {
    {"single-line reply", "250 mx.example", "mx.example"},
    {"multi-line reply, CRLF (Postfix)", "250-mx.example\r\n250-SIZE 10240000\r\n250 STARTTLS",
     "mx.example"},
    {"multi-line reply, LF", "250-mx.example\n250 STARTTLS", "mx.example"},
    {"greeting text after the name", "250-mx.example ESMTP text", "mx.example"},
    {"tab after the name", "250 mx.example\tready", "mx.example"},
    {"name ends the first line (CR)", "250 mx.example\r\n", "mx.example"},
    {"220 greeting", "220 mx.example ESMTP Postfix (Debian/GNU)", "mx.example"},
    {"address literal kept as the word", "250 [192.0.2.25]", "[192.0.2.25]"},
    {"two spaces after the code", "250  mx.example", "mx.example"},
    {"vector 18: quoted greeting", "250-mx.escapes.example \"ESMTP\"\r\n250 STARTTLS",
     "mx.escapes.example"},
    {"code only: as sent", "250", "250"},
    {"code and dash only: as sent", "250-", "250-"},
    {"code, then a new line: as sent", "250-\r\n250 STARTTLS", "250-\r\n250 STARTTLS"},
    {"a host name: as sent", "mx.example", "mx.example"},
    {"text that is not a reply: as sent", "mx.example ESMTP", "mx.example ESMTP"},
    {"four digits: not a reply", "2500 mx.example", "2500 mx.example"},
    {"code without separator: not a reply", "250mx.example", "250mx.example"},
    {"error reply: as sent", "554 5.7.1 go away", "554 5.7.1 go away"},
    {"two digits: as sent", "25 mx.example", "25 mx.example"},
    {"empty", "", ""},
};

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char got[256], name[128];
        size_t start, n = helo_host(rows[i].in, strlen(rows[i].in), &start);
        snprintf(got, sizeof got, "%.*s", (int)n, rows[i].in + start);
        snprintf(name, sizeof name, "helo %s", rows[i].name);
        UNIT_STR_EQ(name, rows[i].want, got);
    }
    /* Bounded by len, not by a NUL: a datagram's bytes are not NUL-terminated. */
    size_t start, n = helo_host("250 mx.example.junk", 14, &start);
    UNIT_CHECK("helo stays within len", start == 4 && n == 10, "start=%zu n=%zu", start, n);
    return unit_status();
}
