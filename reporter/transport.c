/* Attempt results. */
#include "transport.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/buf.h"

void attempt_set(struct attempt_result *r, enum outcome o, const char *fmt, ...)
{
    char raw[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    r->outcome = o;
    /* replies come from remote servers: keep them printable, without the quotes excerpt adds */
    char ex[sizeof r->reply + 8];
    size_t n = 0;
    while (raw[n])
        n++;
    str_excerpt(ex, sizeof ex, raw, n, 400);
    size_t l = 0;
    while (ex[l])
        l++;
    if (l >= 2) {
        ex[l - 1] = '\0';
        bcopy_str(r->reply, sizeof r->reply, ex + 1);
    } else {
        r->reply[0] = '\0';
    }
}

const char *outcome_name(enum outcome o)
{
    switch (o) {
    case OUTCOME_SENT:
        return "sent";
    case OUTCOME_TEMPFAIL:
        return "temporary failure";
    case OUTCOME_INTERRUPTED:
        return "interrupted";
    default:
        return "permanent failure";
    }
}
