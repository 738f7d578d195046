/* opendkim_verify: verifies a message's DKIM signature with libopendkim, the verifier of
 * OpenDKIM-based receivers, against a key record given on the command line (no DNS):
 *   opendkim_verify MESSAGE 'v=DKIM1; k=rsa; p=...'
 * Prints "pass", or "fail: <libopendkim's reason>" and exits 1. For tests of the README's
 * advice on the key record's s= tag (tests/e2e/ops_demo.sh).
 *   opendkim_verify MESSAGE SELECTOR:'v=DKIM1; ...' SELECTOR:'...' ...
 * Several signatures: each selector gets its record; first one line per signature,
 * "s=SELECTOR pass" or "s=SELECTOR fail: reason", then the message's result as above. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

static const char *key_record;
static char **by_selector; /* "SELECTOR:RECORD" arguments, or NULL */
static int n_selectors;

static DKIM_CBSTAT lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    (void)dkim;
    const char *rec = key_record;
    if (by_selector != NULL) {
        const char *sel = (const char *)dkim_sig_getselector(sig);
        rec = NULL;
        for (int i = 0; i < n_selectors && sel != NULL; i++) {
            size_t l = strlen(sel);
            if (strncmp(by_selector[i], sel, l) == 0 && by_selector[i][l] == ':')
                rec = by_selector[i] + l + 1;
        }
        if (rec == NULL)
            return DKIM_CBSTAT_NOTFOUND;
    }
    if (strlen(rec) >= buflen)
        return DKIM_CBSTAT_ERROR;
    strcpy((char *)buf, rec);
    return DKIM_CBSTAT_CONTINUE;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    static char data[1 << 20];
    *len = fread(data, 1, sizeof data, f);
    fclose(f);
    return data;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: opendkim_verify MESSAGE KEY-RECORD | SELECTOR:KEY-RECORD...\n");
        return 2;
    }
    key_record = argv[2];
    if (strncmp(argv[2], "v=", 2) != 0) {
        by_selector = argv + 2;
        n_selectors = argc - 2;
    }
    size_t len;
    char *msg = slurp(argv[1], &len);
    DKIM_STAT st;
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    dkim_set_key_lookup(lib, lookup);
    DKIM *d = dkim_verify(lib, (const u_char *)"check", NULL, &st);
    if (d == NULL) {
        printf("fail: dkim_verify: %s\n", dkim_getresultstr(st));
        return 1;
    }
    /* Header fields (folded lines kept together, line ends stripped), then the body. */
    size_t pos = 0;
    st = DKIM_STAT_OK;
    while (pos < len && st == DKIM_STAT_OK) {
        if (msg[pos] == '\r' || msg[pos] == '\n') {
            pos += msg[pos] == '\r' ? 2 : 1;
            break;
        }
        size_t start = pos, end = pos;
        for (;;) {
            char *nl = memchr(msg + pos, '\n', len - pos);
            end = nl ? (size_t)(nl - msg) : len;
            pos = nl ? end + 1 : len;
            if (pos < len && (msg[pos] == ' ' || msg[pos] == '\t'))
                continue;
            break;
        }
        size_t hl = end - start;
        if (hl > 0 && msg[start + hl - 1] == '\r')
            hl--;
        st = dkim_header(d, (u_char *)(msg + start), hl);
    }
    if (st == DKIM_STAT_OK)
        st = dkim_eoh(d);
    if (st == DKIM_STAT_OK && pos < len)
        st = dkim_body(d, (u_char *)(msg + pos), len - pos);
    if (st == DKIM_STAT_OK)
        st = dkim_eom(d, NULL);
    DKIM_SIGINFO **sigs = NULL;
    int nsigs = 0;
    if (by_selector != NULL && dkim_getsiglist(d, &sigs, &nsigs) == DKIM_STAT_OK) {
        for (int i = 0; i < nsigs; i++) {
            const char *sel = (const char *)dkim_sig_getselector(sigs[i]);
            if (DKIM_SIG_CHECK(sigs[i]))
                printf("s=%s pass\n", sel ? sel : "?");
            else
                printf("s=%s fail: %s\n", sel ? sel : "?",
                       dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i])));
        }
    }
    DKIM_SIGINFO *sig = dkim_getsignature(d);
    if (st == DKIM_STAT_OK && sig != NULL && DKIM_SIG_CHECK(sig)) {
        printf("pass\n");
        dkim_free(d);
        dkim_close(lib);
        return 0;
    }
    printf("fail: %s", dkim_getresultstr(st));
    if (sig != NULL)
        printf(": %s", dkim_sig_geterrorstr(dkim_sig_geterror(sig)));
    printf("\n");
    dkim_free(d);
    dkim_close(lib);
    return 1;
}
