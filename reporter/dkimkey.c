/* A DKIM key's type from its DER. */
#include "dkimkey.h"

#include <string.h>

#include "lib/buf.h"

/* The AlgorithmIdentifier OIDs of PKCS#8, DER-encoded with their tag and length. */
static const unsigned char oid_rsa[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                        0xf7, 0x0d, 0x01, 0x01, 0x01};
static const unsigned char oid_ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};

static int b64_value(char ch)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = ch ? strchr(alphabet, ch) : NULL;
    return p ? (int)(p - alphabet) : -1;
}

/* Decodes the base64 of text, skipping "-----" lines and whitespace; stops at '='. */
static void b64_decode_body(const char *text, struct buf *out)
{
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = text; *p; p++) {
        if (p[0] == '-' && strncmp(p, "-----", 5) == 0) {
            p += strcspn(p, "\n");
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == '=')
            break;
        int v = b64_value(*p);
        if (v < 0)
            continue;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf_putc(out, (char)((acc >> bits) & 0xff));
        }
    }
}

static int has_bytes(const struct buf *b, const unsigned char *pat, size_t n)
{
    return b->len >= n && memmem(b->data, b->len, pat, n) != NULL;
}

enum dkimkey_type dkimkey_type_of(const char *key)
{
    if (strstr(key, "-----BEGIN RSA PRIVATE KEY-----") != NULL)
        return DKIMKEY_RSA;
    if (strstr(key, "-----BEGIN ") != NULL && strstr(key, "-----BEGIN PRIVATE KEY-----") == NULL)
        return DKIMKEY_NONE; /* EC, encrypted, a certificate, a public key... */
    struct buf der = BUF_INIT;
    b64_decode_body(key, &der);
    enum dkimkey_type t = has_bytes(&der, oid_rsa, sizeof oid_rsa)           ? DKIMKEY_RSA
                          : has_bytes(&der, oid_ed25519, sizeof oid_ed25519) ? DKIMKEY_ED25519
                                                                             : DKIMKEY_NONE;
    buf_free(&der);
    return t;
}

size_t dkimkey_b64_bytes(const char *b64, size_t len)
{
    size_t chars = 0; /* '=' padding carries no bits */
    for (size_t i = 0; i < len; i++)
        if (b64_value(b64[i]) >= 0)
            chars++;
    return chars * 6 / 8;
}

const char *dkimkey_algorithm(enum dkimkey_type type)
{
    return type == DKIMKEY_RSA ? "rsa-sha256" : type == DKIMKEY_ED25519 ? "ed25519-sha256" : "";
}
