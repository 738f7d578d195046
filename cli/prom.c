/* Prometheus text format writer. */
#include "prom.h"

#include <stdarg.h>
#include <string.h>

/* HELP text escapes \ and newline; label values also escape ". */
static void escaped(struct buf *b, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\')
            buf_puts(b, "\\\\");
        else if (*s == '\n')
            buf_puts(b, "\\n");
        else if (quote && *s == '"')
            buf_puts(b, "\\\"");
        else
            buf_putc(b, *s);
    }
}

void prom_family(struct buf *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s ", name);
    escaped(b, help, 0);
    buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void prom_sample(struct buf *b, const char *name, long long value, ...)
{
    va_list ap;
    const char *label;
    int n = 0;
    buf_puts(b, name);
    va_start(ap, value);
    while ((label = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        buf_printf(b, "%s%s=\"", n++ ? "," : "{", label);
        escaped(b, v ? v : "", 1);
        buf_putc(b, '"');
    }
    va_end(ap);
    buf_printf(b, "%s %lld\n", n ? "}" : "", value);
}
