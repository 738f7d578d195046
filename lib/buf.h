/* Growable byte buffers and bounded string copies.
 * Every size sum is checked before the buffer grows; allocation failure is fatal (resource
 * exhaustion is not an input error). bcopy_str/bfmt report truncation instead of hiding it. */
#ifndef TLSRPT_BUF_H
#define TLSRPT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
    char *data;     /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Hands the data to the caller (who frees it) and leaves the buffer empty. */
char *buf_steal(struct buf *b);

/* Bounded copy / format: return 0, or -1 when the result did not fit (dst then holds a
 * truncated, NUL-terminated prefix). Truncation is meant to be treated as an error. */
int bcopy_str(char *dst, size_t size, const char *src);
int bfmt(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Allocation helpers that never return NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Writes a printable, quoted, length-limited excerpt of untrusted bytes into dst (for logs):
 * non-printable bytes become \xNN, quotes and backslashes are escaped, the result is cut at
 * about max_in input bytes with "..." appended. Returns dst. */
char *str_excerpt(char *dst, size_t size, const void *src, size_t len, size_t max_in);

#endif
