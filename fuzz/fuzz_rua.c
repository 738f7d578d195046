/* Fuzz target: the _smtp._tls TXT record parser (reporter/rua.c), whose input anyone can
 * publish in DNS. The input is a list of TXT records, one per line (\n); rua_from_txt picks the
 * one v=TLSRPTv1 record and parses it, once with max_rua = 10 (the default) and once with 1.
 * Properties checked besides "no crash, no sanitizer report":
 *   - a refused input has a reason and an empty list; rua_select agrees with rua_from_txt;
 *   - at most max_rua entries, listed >= kept, and no URI kept twice;
 *   - a mailto: entry is "mailto:" + its address, and the address is one plain local@domain
 *     that is safe in a mail header and on a sendmail command line: printable ASCII only (no
 *     CR, LF, NUL or other controls), no leading '-', an '@' followed by an LDH A-label
 *     domain with a dot;
 *   - an https: entry starts with "https://", has a host without user information, and only
 *     printable ASCII without spaces; an invalid entry has a reason and a printable excerpt;
 *   - max_rua = 1 keeps exactly the first entry of the max_rua = 10 parse. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "reporter/rua.h"

#define RUAFZ_MAX_RECORDS 16

static int ruafz_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

static void ruafz_check_mailto(const struct rua_entry *e)
{
    const char *a = e->addr;
    FUZZ_CHECK(memchr(e->addr, '\0', sizeof e->addr) != NULL);
    FUZZ_CHECK(a[0] != '\0' && a[0] != '-');
    FUZZ_CHECK(ruafz_printable(a));
    FUZZ_CHECK(strncmp(e->uri, "mailto:", 7) == 0 && strcmp(e->uri + 7, a) == 0);
    const char *at = strrchr(a, '@');
    FUZZ_CHECK(at != NULL && at != a);
    const char *d = at + 1;
    FUZZ_CHECK(strchr(d, '.') != NULL && d[0] != '.' && d[strlen(d) - 1] != '.');
    for (const char *p = d; *p; p++)
        FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') || *p == '-' || *p == '.');
}

static void ruafz_check_list(const struct rua_list *l, size_t max_rua)
{
    FUZZ_CHECK(l->n <= max_rua);
    FUZZ_CHECK(l->listed >= l->n);
    FUZZ_CHECK(l->dropped <= l->listed);
    for (size_t i = 0; i < l->n; i++) {
        const struct rua_entry *e = &l->v[i];
        FUZZ_CHECK(memchr(e->uri, '\0', sizeof e->uri) != NULL);
        FUZZ_CHECK(e->uri[0] != '\0');
        switch (e->kind) {
        case RUA_MAILTO:
            ruafz_check_mailto(e);
            break;
        case RUA_HTTPS:
            FUZZ_CHECK(strncmp(e->uri, "https://", 8) == 0);
            FUZZ_CHECK(ruafz_printable(e->uri) && strchr(e->uri, ' ') == NULL);
            FUZZ_CHECK(e->uri[8] != '\0' && e->uri[8] != '/');
            FUZZ_CHECK(strcspn(e->uri + 8, "/?#") == 0 ||
                       memchr(e->uri + 8, '@', strcspn(e->uri + 8, "/?#")) == NULL);
            break;
        case RUA_INVALID:
            FUZZ_CHECK(e->error[0] != '\0' && memchr(e->error, '\0', sizeof e->error) != NULL);
            FUZZ_CHECK(ruafz_printable(e->uri));
            break;
        default:
            FUZZ_CHECK(!"unknown rua_kind");
        }
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(e->kind == RUA_INVALID || l->v[j].kind == RUA_INVALID ||
                       strcmp(e->uri, l->v[j].uri) != 0);
    }
}

int fuzz_rua(const uint8_t *data, size_t size);
int fuzz_rua(const uint8_t *data, size_t size)
{
    const char *recs[RUAFZ_MAX_RECORDS];
    size_t lens[RUAFZ_MAX_RECORDS], n = 0;
    const char *p = (const char *)data, *end = p + size;
    while (n < RUAFZ_MAX_RECORDS && (p < end || n == 0)) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        recs[n] = p;
        lens[n] = (size_t)((nl ? nl : end) - p);
        n++;
        p = nl ? nl + 1 : end;
        if (nl == NULL)
            break;
    }

    char err[256], err1[256], serr[256];
    struct rua_list l10, l1;
    memset(&l10, 0, sizeof l10);
    memset(&l1, 0, sizeof l1);
    err[0] = err1[0] = serr[0] = '\0';
    int rc = rua_from_txt(recs, lens, n, 10, &l10, err, sizeof err);
    int rc1 = rua_from_txt(recs, lens, n, 1, &l1, err1, sizeof err1);
    int sel = rua_select(recs, lens, n, serr, sizeof serr);

    FUZZ_CHECK(rc == rc1);
    FUZZ_CHECK(sel >= -1 && sel < (int)n);
    if (sel < 0)
        FUZZ_CHECK(rc != 0 && serr[0] != '\0');
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
        FUZZ_CHECK(l10.n == 0 && l1.n == 0);
    } else {
        FUZZ_CHECK(sel >= 0);
        ruafz_check_list(&l10, 10);
        ruafz_check_list(&l1, 1);
        FUZZ_CHECK(l1.listed == l10.listed);
        FUZZ_CHECK(l1.n == (l10.n > 0 ? 1u : 0u));
        if (l1.n == 1)
            FUZZ_CHECK(l1.v[0].kind == l10.v[0].kind && strcmp(l1.v[0].uri, l10.v[0].uri) == 0);
    }
    rua_free(&l10);
    rua_free(&l1);
    return 0;
}

FUZZ_ENTRY(fuzz_rua)
