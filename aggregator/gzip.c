/* gzip with zlib's deflate/inflate and a fixed header. */
#include "aggregator/gzip.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/buf.h"

#define GZIP_WINDOW (15 + 16) /* 32 KiB window, gzip wrapper */
#define GZIP_OS_UNIX 3

/* One deflate state per thread, reset between reports: setting one up allocates and clears
 * about 270 KiB, which for 100,000 small reports costs more than compressing them. */
static __thread z_stream tls_zs;
static __thread int tls_ready;

static z_stream *deflater(void)
{
    if (!tls_ready) {
        memset(&tls_zs, 0, sizeof tls_zs);
        if (deflateInit2(&tls_zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, GZIP_WINDOW, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            return NULL;
        tls_ready = 1;
    } else if (deflateReset(&tls_zs) != Z_OK) {
        return NULL;
    }
    return &tls_zs;
}

void gzip_release(void)
{
    if (tls_ready)
        deflateEnd(&tls_zs);
    tls_ready = 0;
}

int gzip_compress(const void *in, size_t len, unsigned char **out, size_t *out_len)
{
    static __thread gz_header hdr; /* deflate keeps a pointer to it until the stream ends */
    z_stream *zs;
    if (len > UINT_MAX || (zs = deflater()) == NULL)
        return -1;
    memset(&hdr, 0, sizeof hdr);
    hdr.time = 0;
    hdr.os = GZIP_OS_UNIX;
    if (deflateSetHeader(zs, &hdr) != Z_OK)
        return -1;
    size_t cap = deflateBound(zs, (uLong)len) + 32;
    unsigned char *buf = xmalloc(cap);
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = (uInt)len;
    zs->next_out = buf;
    zs->avail_out = (uInt)cap;
    int rc = deflate(zs, Z_FINISH);
    size_t n = zs->total_out;
    zs->next_in = zs->next_out = NULL;
    if (rc != Z_STREAM_END) {
        free(buf);
        gzip_release();
        return -1;
    }
    *out = buf;
    *out_len = n;
    return 0;
}

int gzip_decompress(const void *in, size_t len, size_t max, char **out, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (len > UINT_MAX || inflateInit2(&zs, GZIP_WINDOW) != Z_OK)
        return -1;
    struct buf b = BUF_INIT;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    int rc;
    do {
        buf_reserve(&b, 65536);
        zs.next_out = (Bytef *)b.data + b.len;
        zs.avail_out = 65536;
        rc = inflate(&zs, Z_NO_FLUSH);
        b.len = zs.total_out;
        b.data[b.len] = '\0';
        if (b.len > max)
            rc = Z_DATA_ERROR;
    } while (rc == Z_OK);
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || zs.avail_in != 0) {
        buf_free(&b);
        return -1;
    }
    *out_len = b.len;
    *out = buf_steal(&b);
    return 0;
}
