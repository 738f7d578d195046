/* libopendkim signing. */
#include "dkim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opendkim/dkim.h>

#include "lib/log.h"
#include "reporter/dkimkey.h"

#define KEY_FILE_MAX (64 * 1024)

/* libopendkim keeps this pointer (DKIM_OPTS_SIGNHDRS): it must live as long as the library. */
static const char *sign_headers[] = {
    "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
    "tls-report-domain", "tls-report-submitter", "tls-required", NULL,
};

/* libopendkim 2.11's Ed25519 path never frees the key it loads for each signature (about
 * 500 bytes per ed25519-sha256 message; RSA is clean). It is the library's leak, bounded by
 * the number of messages of one run; LeakSanitizer builds are told so here, where the call
 * is. The stacks end inside libcrypto (no frame pointers there), hence the second line. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:dkim_privkey_load\nleak:libcrypto.so.3\n";
}

/* One key: its own libopendkim handle (the options are per handle). */
struct dkim_one {
    DKIM_LIB *lib;
    char *key;          /* PEM text */
    char *selector;
    dkim_alg_t alg;
};

/* Every configured key; each message gets one signature per key, in the configured order. */
struct dkim_signer {
    struct dkim_one one[DKIM_KEYS_MAX];
    size_t n;
    char *domain;
    uint64_t fixed_time;
};

static char *read_key(const char *path, char *err, size_t errsize)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errsize, "[dkim] key_file %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        st.st_size > KEY_FILE_MAX) {
        snprintf(err, errsize, "[dkim] key_file %s: not a regular file of 1..%d bytes", path,
                 KEY_FILE_MAX);
        close(fd);
        return NULL;
    }
    /* The same rule as check-config: a key others can read may already be someone else's. */
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        snprintf(err, errsize,
                 "[dkim] key_file %s: readable or writable by others (mode %04o); refusing to "
                 "use it (chmod o-rwx)",
                 path, (unsigned)(st.st_mode & 07777));
        close(fd);
        return NULL;
    }
    char *key = xmalloc((size_t)st.st_size + 1);
    ssize_t n = read(fd, key, (size_t)st.st_size);
    close(fd);
    if (n != st.st_size) {
        snprintf(err, errsize, "[dkim] key_file %s: short read", path);
        free(key);
        return NULL;
    }
    key[n] = '\0';
    return key;
}

/* Splits msg into header fields (folded lines kept together) and feeds them, then the body. */
static int feed(DKIM *d, const char *msg, size_t len, char *err, size_t errsize)
{
    size_t pos = 0;
    while (pos < len) {
        if (len - pos >= 2 && msg[pos] == '\r' && msg[pos + 1] == '\n') {
            pos += 2;
            break; /* end of headers */
        }
        size_t start = pos, end;
        for (;;) {
            const char *nl = memchr(msg + pos, '\n', len - pos);
            if (nl == NULL) {
                snprintf(err, errsize, "message has no end of headers");
                return -1;
            }
            end = (size_t)(nl - msg) + 1;
            pos = end;
            if (pos < len && (msg[pos] == ' ' || msg[pos] == '\t'))
                continue; /* folded continuation */
            break;
        }
        size_t hl = end - start;
        while (hl > 0 && (msg[start + hl - 1] == '\n' || msg[start + hl - 1] == '\r'))
            hl--;
        DKIM_STAT st = dkim_header(d, (u_char *)(uintptr_t)(msg + start), hl);
        if (st != DKIM_STAT_OK) {
            snprintf(err, errsize, "dkim_header: %s", dkim_getresultstr(st));
            return -1;
        }
    }
    DKIM_STAT st = dkim_eoh(d);
    if (st == DKIM_STAT_OK && pos < len)
        st = dkim_body(d, (u_char *)(uintptr_t)(msg + pos), len - pos);
    if (st == DKIM_STAT_OK)
        st = dkim_eom(d, NULL);
    if (st != DKIM_STAT_OK) {
        const char *e = dkim_geterror(d);
        snprintf(err, errsize, "signing failed: %s%s%s", dkim_getresultstr(st), e ? ": " : "",
                 e ? e : "");
        return -1;
    }
    return 0;
}

static int sign_one(const struct dkim_signer *s, const struct dkim_one *k, const char *msg,
                    size_t len, struct buf *sig, char *err, size_t errsize)
{
    DKIM_STAT st;
    DKIM *d = dkim_sign(k->lib, (const unsigned char *)"tlsrpt", NULL,
                        (dkim_sigkey_t)k->key, (const unsigned char *)k->selector,
                        (const unsigned char *)s->domain, DKIM_CANON_RELAXED, DKIM_CANON_RELAXED,
                        k->alg, -1, &st);
    if (d == NULL) {
        snprintf(err, errsize, "dkim_sign: %s", dkim_getresultstr(st));
        return -1;
    }
    int rc = feed(d, msg, len, err, errsize);
    if (rc == 0) {
        u_char *hdr = NULL;
        size_t hlen = 0;
        const char *prefix = "DKIM-Signature: ";
        st = dkim_getsighdr_d(d, strlen(prefix), &hdr, &hlen);
        if (st != DKIM_STAT_OK || hdr == NULL) {
            snprintf(err, errsize, "dkim_getsighdr: %s", dkim_getresultstr(st));
            rc = -1;
        } else {
            buf_puts(sig, prefix);
            for (size_t i = 0; i < hlen; i++) { /* the library folds with bare LF */
                if (hdr[i] == '\n' && (i == 0 || hdr[i - 1] != '\r'))
                    buf_putc(sig, '\r');
                buf_putc(sig, (char)hdr[i]);
            }
            buf_puts(sig, "\r\n");
        }
    }
    dkim_free(d);
    return rc;
}

int dkim_signer_sign(struct dkim_signer *s, const char *msg, size_t len, struct buf *sig,
                     char *err, size_t errsize)
{
    for (size_t i = 0; i < s->n; i++) {
        /* The reason names the key: "s=SELECTOR: why". */
        int at = snprintf(err, errsize, "s=%.64s: ", s->one[i].selector);
        size_t off = at > 0 && (size_t)at < errsize ? (size_t)at : 0;
        if (sign_one(s, &s->one[i], msg, len, sig, err + off, errsize - off) != 0)
            return -1;
    }
    if (errsize > 0)
        err[0] = '\0';
    return 0;
}

/* The size in bytes of the signature in the b= tag of a signature header. */
static size_t sig_bytes(const char *sig)
{
    const char *p = strstr(sig, "b=");
    while (p && p > sig && p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t')
        p = strstr(p + 1, "b=");
    if (p == NULL)
        return 0;
    p += 2;
    return dkimkey_b64_bytes(p, strcspn(p, ";"));
}

/* Signs a probe message: proves the key works now rather than on the first report, and gives
 * the key's size (RSA: the signature is as long as the modulus). */
static int trial(struct dkim_signer *s, const char *path, struct dkimkey_info *info, char *err,
                 size_t errsize)
{
    static const char probe[] =
        "From: a@example.com\r\nTo: b@example.com\r\nSubject: x\r\n\r\nx\r\n";
    struct buf sig = BUF_INIT;
    char why[256];
    if (dkim_signer_sign(s, probe, sizeof probe - 1, &sig, why, sizeof why) != 0) {
        snprintf(err, errsize, "[dkim] key_file %s: libopendkim cannot sign with it: %s", path,
                 why);
        buf_free(&sig);
        return -1;
    }
    size_t bytes = sig_bytes(sig.data);
    buf_free(&sig);
    if (info->type == DKIMKEY_ED25519 && bytes != 64) {
        snprintf(err, errsize, "[dkim] key_file %s: libopendkim cannot sign with it: a %zu-byte "
                               "signature is not Ed25519's", path, bytes);
        return -1;
    }
    info->bits = info->type == DKIMKEY_RSA ? (int)(bytes * 8) : 256;
    if (info->type == DKIMKEY_RSA && info->bits < 1024) {
        snprintf(err, errsize, "[dkim] key_file %s: RSA key of %d bits; verifiers refuse keys "
                               "under 1024 bits (RFC 8301)", path, info->bits);
        return -1;
    }
    return 0;
}

struct dkim_signer *dkim_signer_from_key(const struct config *cfg,
                                         const struct dkim_keyspec *spec, const char *key,
                                         time_t now, struct dkimkey_info *info, char *err,
                                         size_t errsize)
{
    const char *path = spec->key_file;
    info->type = DKIMKEY_NONE;
    info->bits = 0;
    if (spec->selector[0] == '\0') {
        snprintf(err, errsize, "[dkim] selector is not set");
        return NULL;
    }
    if (cfg->dkim_domain[0] == '\0' || strchr(cfg->dkim_domain, '.') == NULL) {
        snprintf(err, errsize, "[dkim] domain \"%s\" is not a domain name", cfg->dkim_domain);
        return NULL;
    }
    enum dkimkey_type type = dkimkey_type_of(key);
    if (type == DKIMKEY_NONE) {
        snprintf(err, errsize, "[dkim] key_file %s: not an unencrypted RSA or Ed25519 private "
                               "key (PEM or base64 DER)", path);
        return NULL;
    }
    if (spec->algorithm[0] != '\0' && strcmp(dkimkey_algorithm(type), spec->algorithm) != 0) {
        snprintf(err, errsize, "[dkim] key_file %s: an %s key cannot sign with [dkim] "
                               "algorithm = %s", path, type == DKIMKEY_RSA ? "RSA" : "Ed25519",
                 spec->algorithm);
        return NULL;
    }
    info->type = type;

    struct dkim_signer *s = xcalloc(1, sizeof *s);
    struct dkim_one *k = &s->one[0];
    s->n = 1;
    k->key = xstrdup(key);
    k->selector = xstrdup(spec->selector);
    s->domain = xstrdup(cfg->dkim_domain);
    k->alg = type == DKIMKEY_ED25519 ? DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256;
    k->lib = dkim_init(NULL, NULL);
    if (k->lib == NULL) {
        snprintf(err, errsize, "dkim_init failed");
        dkim_signer_free(s);
        return NULL;
    }
    if (k->alg == DKIM_SIGN_ED25519SHA256 && !dkim_libfeature(k->lib, DKIM_FEATURE_ED25519)) {
        snprintf(err, errsize, "this libopendkim has no ed25519-sha256 support");
        dkim_signer_free(s);
        return NULL;
    }
    unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
    s->fixed_time = (uint64_t)now;
    if (dkim_options(k->lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) != DKIM_STAT_OK ||
        dkim_options(k->lib, DKIM_OP_SETOPT, DKIM_OPTS_SIGNHDRS, sign_headers,
                     sizeof(char **)) != DKIM_STAT_OK ||
        dkim_options(k->lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME, &s->fixed_time,
                     sizeof s->fixed_time) != DKIM_STAT_OK) {
        snprintf(err, errsize, "libopendkim refused the signing options");
        dkim_signer_free(s);
        return NULL;
    }
    if (trial(s, path, info, err, errsize) != 0) {
        dkim_signer_free(s);
        return NULL;
    }
    return s;
}

struct dkim_signer *dkim_signer_new(const struct config *cfg, time_t now, char *err,
                                    size_t errsize)
{
    if (cfg->dkim_key_file[0] == '\0') {
        snprintf(err, errsize, "[dkim] key_file is not set: report mail must be DKIM-signed "
                               "(RFC 8460 §3); set [dkim] key_file and selector");
        return NULL;
    }
    if (cfg->dkim_selector[0] == '\0') {
        snprintf(err, errsize, "[dkim] selector is not set");
        return NULL;
    }
    struct dkim_keyspec specs[DKIM_KEYS_MAX];
    int n = dkim_keyspecs(cfg, specs, DKIM_KEYS_MAX, err, errsize);
    if (n <= 0)
        return NULL;
    struct dkim_signer *all = NULL;
    for (int i = 0; i < n; i++) {
        char *key = read_key(specs[i].key_file, err, errsize);
        if (key == NULL) {
            dkim_signer_free(all);
            return NULL;
        }
        struct dkimkey_info info;
        struct dkim_signer *s = dkim_signer_from_key(cfg, &specs[i], key, now, &info, err,
                                                     errsize);
        explicit_bzero(key, strlen(key));
        free(key);
        if (s == NULL) {
            dkim_signer_free(all);
            return NULL;
        }
        if (info.type == DKIMKEY_RSA && info.bits < 2048)
            log_warn("dkim rsa key shorter than 2048 bits path=%s bits=%d", specs[i].key_file,
                     info.bits);
        if (all == NULL) {
            all = s;
            continue;
        }
        all->one[all->n++] = s->one[0]; /* the key moves; its shell goes */
        memset(&s->one[0], 0, sizeof s->one[0]);
        dkim_signer_free(s);
    }
    return all;
}

size_t dkim_signer_keys(const struct dkim_signer *s)
{
    return s ? s->n : 0;
}

void dkim_signer_free(struct dkim_signer *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        struct dkim_one *k = &s->one[i];
        if (k->lib)
            dkim_close(k->lib);
        if (k->key) {
            explicit_bzero(k->key, strlen(k->key));
            free(k->key);
        }
        free(k->selector);
    }
    free(s->domain);
    free(s);
}
