/* A DKIM key's type from its DER, and a trial signature with libopendkim. */
#include "dkimkey.h"

#include <opendkim/dkim.h>
#include <stdio.h>
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

/* Signs a one-header empty message; 0 and the decoded length of b= in *sig_bytes, or -1 with
 * the library's reason. */
static int trial(const char *key, dkim_alg_t alg, size_t *sig_bytes, char *err, size_t errsize)
{
    static const char header[] = "From: check-config@example.invalid";
    DKIM_STAT st;
    int rc = -1;
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    if (lib == NULL) {
        snprintf(err, errsize, "libopendkim could not be initialised");
        return -1;
    }
    DKIM *d = dkim_sign(lib, (const unsigned char *)"check-config", NULL, (dkim_sigkey_t)key,
                        (const unsigned char *)"check", (const unsigned char *)"example.invalid",
                        DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, alg, -1, &st);
    if (d == NULL) {
        snprintf(err, errsize, "%s", dkim_getresultstr(st));
        dkim_close(lib);
        return -1;
    }
    unsigned char sig[8192];
    if (dkim_header(d, (unsigned char *)header, sizeof header - 1) != DKIM_STAT_OK ||
        dkim_eoh(d) != DKIM_STAT_OK || dkim_eom(d, NULL) != DKIM_STAT_OK ||
        dkim_getsighdr(d, sig, sizeof sig, 0) != DKIM_STAT_OK) {
        const char *why = dkim_geterror(d);
        snprintf(err, errsize, "%s", why && *why ? why : "signing failed");
        goto out;
    }
    /* b= is the last tag; its base64 (folded with whitespace) encodes the signature. */
    const char *b = strstr((const char *)sig, "b=");
    while (b != NULL && b != (const char *)sig && b[-1] != ' ' && b[-1] != '\t')
        b = strstr(b + 1, "b=");
    if (b == NULL) {
        snprintf(err, errsize, "no b= in the trial signature");
        goto out;
    }
    struct buf raw = BUF_INIT;
    b64_decode_body(b + 2, &raw);
    *sig_bytes = raw.len;
    buf_free(&raw);
    rc = 0;
out:
    dkim_free(d);
    dkim_close(lib);
    return rc;
}

int dkimkey_probe(const char *key, struct dkimkey_info *info, char *err, size_t errsize)
{
    size_t bytes = 0;
    char why[256];
    info->bits = 0;
    info->type = dkimkey_type_of(key);
    if (info->type == DKIMKEY_NONE) {
        snprintf(err, errsize, "not an unencrypted RSA or Ed25519 private key (PEM or base64 DER)");
        return -1;
    }
    dkim_alg_t alg = info->type == DKIMKEY_RSA ? DKIM_SIGN_RSASHA256 : DKIM_SIGN_ED25519SHA256;
    if (trial(key, alg, &bytes, why, sizeof why) != 0) {
        snprintf(err, errsize, "libopendkim cannot sign with it: %s", why);
        info->type = DKIMKEY_NONE;
        return -1;
    }
    info->bits = info->type == DKIMKEY_RSA ? (int)(bytes * 8) : 256;
    return 0;
}

const char *dkimkey_algorithm(enum dkimkey_type type)
{
    return type == DKIMKEY_RSA ? "rsa-sha256" : type == DKIMKEY_ED25519 ? "ed25519-sha256" : "";
}
