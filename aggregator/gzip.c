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

int gzip_compress(const void *in, size_t len, unsigned char **out, size_t *out_len)
{
    z_stream zs;
    gz_header hdr;
    memset(&zs, 0, sizeof zs);
    memset(&hdr, 0, sizeof hdr);
    hdr.time = 0;
    hdr.os = GZIP_OS_UNIX;
    if (len > UINT_MAX)
        return -1;
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, GZIP_WINDOW, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return -1;
    if (deflateSetHeader(&zs, &hdr) != Z_OK) {
        deflateEnd(&zs);
        return -1;
    }
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    unsigned char *buf = xmalloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
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
