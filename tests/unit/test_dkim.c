/* dkim_signer: the signature's tags, refusal without a usable key. The signatures themselves
 * are verified by an independent verifier (dkimpy) in tests/e2e/reporter_*.sh. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "lib/log.h"
#include "reporter/dkim.h"
#include "tests/unit/unit.h"

static const char msg[] =
    "From: tlsrpt@example.net\r\nTo: r@example.com\r\nSubject: Report Domain: example.com\r\n"
    " Submitter: example.net\r\nDate: Mon, 02 Mar 2026 01:00:00 +0000\r\n"
    "Message-ID: <x@example.net>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
    "TLS-Report-Domain: example.com\r\nTLS-Report-Submitter: example.net\r\n"
    "TLS-Required: No\r\nAuto-Submitted: auto-generated\r\n\r\nbody\r\n";

static struct dkim_signer *signer(const char *key, const char *alg, const char *sel, char *err,
                                  size_t errsize)
{
    struct config cfg;
    char e[256];
    config_defaults(&cfg);
    config_set(&cfg, "dkim", "key_file", key, e, sizeof e);
    config_set(&cfg, "dkim", "selector", sel, e, sizeof e);
    config_set(&cfg, "dkim", "domain", "example.net", e, sizeof e);
    config_set(&cfg, "dkim", "algorithm", alg, e, sizeof e);
    struct dkim_signer *s = dkim_signer_new(&cfg, 1772413200, err, errsize);
    config_free(&cfg);
    return s;
}

static void check_sig(const char *name, const char *key, const char *alg)
{
    char err[512] = "", tname[128];
    struct dkim_signer *s = signer(key, alg, "tlsrpt", err, sizeof err);
    snprintf(tname, sizeof tname, "%s: signer created", name);
    UNIT_CHECK(tname, s != NULL, "%s", err);
    if (s == NULL)
        return;
    struct buf sig = BUF_INIT;
    int rc = dkim_signer_sign(s, msg, sizeof msg - 1, &sig, err, sizeof err);
    snprintf(tname, sizeof tname, "%s: message signed", name);
    UNIT_CHECK(tname, rc == 0, "%s", err);
    /* unfold for the tag checks */
    struct buf flat = BUF_INIT;
    for (size_t i = 0; i < sig.len; i++)
        if (sig.data[i] != '\r' && sig.data[i] != '\n' && sig.data[i] != '\t')
            buf_putc(&flat, (char)tolower((unsigned char)sig.data[i]));
    char want[64];
    snprintf(want, sizeof want, "a=%s;", alg);
    struct {
        const char *what, *needle;
        int present;
    } tags[] = {
        {"algorithm", want, 1},
        {"relaxed/relaxed", "c=relaxed/relaxed;", 1},
        {"d=", "d=example.net;", 1},
        {"s=", "s=tlsrpt;", 1},
        {"b= present", "b=", 1},
        {"t= from the program clock", "t=1772413200;", 1},
        {"no l=", " l=", 0},
        {"h= list",
         "h=from:to:subject:date:message-id:mime-version:content-type: tls-report-domain:"
         "tls-report-submitter:tls-required;",
         1},
        {"auto-submitted not signed", "auto-submitted", 0},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        snprintf(tname, sizeof tname, "%s: %s", name, tags[i].what);
        int has = strstr(flat.data ? flat.data : "", tags[i].needle) != NULL;
        UNIT_CHECK(tname, has == tags[i].present, "in %s", flat.data);
    }
    snprintf(tname, sizeof tname, "%s: header starts and ends right", name);
    UNIT_CHECK(tname, strncmp(sig.data, "DKIM-Signature: ", 16) == 0 && sig.len > 4 &&
                          strcmp(sig.data + sig.len - 2, "\r\n") == 0,
               "%s", sig.data);
    int bare = 0;
    for (size_t i = 0; i < sig.len; i++)
        if (sig.data[i] == '\n' && (i == 0 || sig.data[i - 1] != '\r'))
            bare = 1;
    snprintf(tname, sizeof tname, "%s: folded with CRLF only", name);
    UNIT_CHECK(tname, !bare, "bare LF");
    if (getenv("DKIM_DUMP")) {
        FILE *fp = fopen(getenv("DKIM_DUMP"), "wb");
        fwrite(sig.data, 1, sig.len, fp);
        fwrite(msg, 1, sizeof msg - 1, fp);
        fclose(fp);
    }
    buf_free(&sig);
    buf_free(&flat);
    dkim_signer_free(s);
}

static void check_refused(const char *name, const char *key, const char *alg, const char *sel,
                          const char *reason)
{
    char err[512] = "";
    struct dkim_signer *s = signer(key, alg, sel, err, sizeof err);
    UNIT_CHECK(name, s == NULL && strstr(err, reason) != NULL, "err=%s", err);
    dkim_signer_free(s);
}

/* The key text without its PEM armour: bare base64 DER, which libopendkim also reads. */
static char *bare_der(const char *pem)
{
    struct buf b = BUF_INIT;
    for (const char *p = pem; *p;) {
        size_t n = strcspn(p, "\n");
        if (strncmp(p, "-----", 5) != 0)
            buf_append(&b, p, n);
        p += n + (p[n] == '\n');
    }
    buf_putc(&b, '\0');
    return buf_steal(&b);
}

/* dkim_signer_from_key, the one key test of send, send --check and check-config. */
static const char rsa512[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAvNMIh40cPwC1TpvV\n"
    "AI5/QrW7PKi3XshKSPKi29Q6CVfk5/lQT9V41sx4o9dYaWTa+9omJf0eSAk6Lojq\n"
    "ZeFw9wIDAQABAkEAoj7SfWaKdrgtEbZkd235e2Cb2as+pHqFGdkihrD8jTk0Acx1\n"
    "bwRDWpw9V1Lu2eUiUQS9u+iVTuh/sWdMrUxIAQIhAPjfgiqa0bifMCt7wgpXnGMx\n"
    "+N2p3Mwtyi2LbKhVHsqBAiEAwjtOkC3cR6jmtlGmydjPuPhKd6b58jNHKny+8cdT\n"
    "z3cCIQDLTcLGzRxfpmMyUnIMAs/1VKBJa/a8MPfFRu1ngcmagQIgR57i21ttzKbF\n"
    "XBlDrU5bWlOD8hcKN3sdFNem+TSM/QUCID4pf70/uGKCA6Tn8IjdXegZ7NC/JAJw\n"
    "qtq4336gwJ4w\n"
    "-----END PRIVATE KEY-----\n";

static void check_from_key(void)
{
    char *rsa = unit_slurp("tests/data/reporter/dkim-rsa.pem", NULL);
    char *ed = unit_slurp("tests/data/reporter/dkim-ed25519.pem", NULL);
    char *rsa_der = bare_der(rsa);
    char *cut = strdup(rsa);
    cut[strlen(cut) / 2] = '\0';
    strcat(cut, "\n-----END PRIVATE KEY-----\n");
    struct {
        const char *name, *key, *alg, *domain;
        int bits;            /* > 0: accepted with this size */
        const char *reason;  /* else: refused with this reason */
    } rows[] = {
        {"RSA-2048 PEM: 2048 bits", rsa, "rsa-sha256", "example.net", 2048, NULL},
        {"RSA-2048 as bare base64 DER: accepted too", rsa_der, "rsa-sha256", "example.net", 2048,
         NULL},
        {"Ed25519: 256 bits", ed, "ed25519-sha256", "example.net", 256, NULL},
        {"RSA-512: refused (libopendkim, as RFC 8301 asks)", rsa512, "rsa-sha256", "example.net",
         0, "private key too small (512 bits"},
        {"truncated RSA key: libopendkim cannot sign", cut, "rsa-sha256", "example.net", 0,
         "libopendkim cannot sign with it"},
        {"not a key", "hello", "rsa-sha256", "example.net", 0,
         "not an unencrypted RSA or Ed25519 private key"},
        {"d= without a dot", rsa, "rsa-sha256", "localhost", 0,
         "[dkim] domain \"localhost\" is not a domain name"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct config cfg;
        char e[256], err[768] = "";
        config_defaults(&cfg);
        config_set(&cfg, "dkim", "key_file", "/k.pem", e, sizeof e);
        config_set(&cfg, "dkim", "selector", "s", e, sizeof e);
        config_set(&cfg, "dkim", "domain", rows[i].domain, e, sizeof e);
        config_set(&cfg, "dkim", "algorithm", rows[i].alg, e, sizeof e);
        struct dkimkey_info info;
        struct dkim_keyspec spec;
        dkim_keyspecs(&cfg, &spec, 1, err, sizeof err);
        struct dkim_signer *s = dkim_signer_from_key(&cfg, &spec, rows[i].key, 1772413200, &info,
                                                     err, sizeof err);
        if (rows[i].bits > 0)
            UNIT_CHECK(rows[i].name, s != NULL && info.bits == rows[i].bits, "bits=%d err=%s",
                       info.bits, err);
        else
            UNIT_CHECK(rows[i].name, s == NULL && strstr(err, rows[i].reason) != NULL, "err=%s",
                       err);
        dkim_signer_free(s);
        config_free(&cfg);
    }
    static const struct {
        const char *name, *b64;
        size_t bytes;
    } sizes[] = {{"b= size: 4 characters, 3 bytes", "AAAA", 3},
                 {"b= size: one '=', 2 bytes", "AAA=", 2},
                 {"b= size: two '=', 1 byte", "AA==", 1},
                 {"b= size: folding whitespace skipped", "AA\r\n\tAA", 3},
                 {"b= size: empty", "", 0}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        const char *name = sizes[i].name;
        UNIT_CHECK(name, dkimkey_b64_bytes(sizes[i].b64, strlen(sizes[i].b64)) == sizes[i].bytes,
                   "got %zu", dkimkey_b64_bytes(sizes[i].b64, strlen(sizes[i].b64)));
    }
    free(rsa);
    free(ed);
    free(rsa_der);
    free(cut);
}

/* A private copy (mode 0600, as a key must be) of a file of the repository, whose checkout
 * mode is 0644. The caller unlinks and frees it. */
static char *private_copy(const char *path, mode_t mode)
{
    char *text = unit_slurp(path, NULL);
    char *tmp = strdup("/tmp/tlsrpt-test-dkim.XXXXXX");
    int fd = mkstemp(tmp);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || fchmod(fd, mode))
        abort();
    close(fd);
    free(text);
    return tmp;
}

int main(void)
{
    log_set_level(LOG_LVL_ERROR);
    char *rsa = private_copy("tests/data/reporter/dkim-rsa.pem", 0600);
    char *ed = private_copy("tests/data/reporter/dkim-ed25519.pem", 0640);
    char *eml = private_copy("tests/data/reporter/report.eml", 0600);
    char *open_rsa = private_copy("tests/data/reporter/dkim-rsa.pem", 0644);
    char *writable_rsa = private_copy("tests/data/reporter/dkim-rsa.pem", 0602);

    check_sig("rsa-sha256", rsa, "rsa-sha256");
    check_sig("ed25519-sha256 (group-readable key is allowed)", ed, "ed25519-sha256");
    check_refused("no key file configured", "", "rsa-sha256", "tlsrpt", "key_file is not set");
    check_refused("no selector", rsa, "rsa-sha256", "", "selector is not set");
    check_refused("missing key file", "/nonexistent/key.pem", "rsa-sha256", "tlsrpt",
                  "No such file");
    check_refused("not a key", eml, "rsa-sha256", "tlsrpt",
                  "not an unencrypted RSA or Ed25519 private key");
    check_refused("rsa key used as ed25519", rsa, "ed25519-sha256", "tlsrpt",
                  "an RSA key cannot sign with [dkim] algorithm = ed25519-sha256");
    check_refused("ed25519 key used as rsa", ed, "rsa-sha256", "tlsrpt",
                  "an Ed25519 key cannot sign with [dkim] algorithm = rsa-sha256");
    check_refused("key readable by others refused", open_rsa, "rsa-sha256", "tlsrpt",
                  "readable or writable by others (mode 0644)");
    check_refused("key writable by others refused", writable_rsa, "rsa-sha256", "tlsrpt",
                  "readable or writable by others (mode 0602)");
    check_from_key();

    char *tmp[] = {rsa, ed, eml, open_rsa, writable_rsa};
    for (size_t i = 0; i < sizeof tmp / sizeof tmp[0]; i++) {
        unlink(tmp[i]);
        free(tmp[i]);
    }
    return unit_status();
}
