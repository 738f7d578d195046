/* Deterministic gzip (RFC 1952) with zlib: the same bytes in always give the same bytes out
 * (no file name, modification time 0, OS "Unix"), so stored reports and golden files are
 * reproducible. Pure. */
#ifndef TLSRPT_GZIP_H
#define TLSRPT_GZIP_H

#include <stddef.h>

/* Compresses in[0..len) into a new buffer (*out, freed by the caller). Returns 0, or -1 when
 * zlib fails (out of memory). */
int gzip_compress(const void *in, size_t len, unsigned char **out, size_t *out_len);
/* Frees the calling thread's compressor (kept between calls for speed); optional. */
void gzip_release(void);

/* Decompresses a whole gzip member into a new NUL-terminated buffer of at most max bytes.
 * Returns 0, or -1 when the input is not gzip, is truncated or inflates beyond max. */
int gzip_decompress(const void *in, size_t len, size_t max, char **out, size_t *out_len);

#endif
