/* RFC 8460 §3 TXT record parsing: record selection, the field grammar, the rua list. Pure. */
#include "rua.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "reporter/addr.h"

_Static_assert(RUA_ADDR_MAX == ADDR_MAX, "rua entries hold addr_check() results");

#define VERSION_TAG "v=TLSRPTv1"
#define VERSION_LEN (sizeof VERSION_TAG - 1)

static int is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 3986 characters other than '%' (checked separately), minus the rua separators. */
static int is_uri_char(char c)
{
    return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("-._~:/?#[]@!$&'()*+=", c));
}

static int has_version_prefix(const char *rec, size_t len)
{
    if (len < VERSION_LEN || memcmp(rec, VERSION_TAG, VERSION_LEN) != 0)
        return 0;
    size_t i = VERSION_LEN;
    while (i < len && is_wsp(rec[i]))
        i++;
    return i == len || rec[i] == ';';
}

int rua_select(const char *const *recs, const size_t *lens, size_t n, char *err, size_t errsize)
{
    int found = -1;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (has_version_prefix(recs[i], lens[i])) {
            if (found < 0)
                found = (int)i;
            count++;
        }
    }
    if (count == 1)
        return found;
    if (count == 0)
        snprintf(err, errsize, "no v=TLSRPTv1 record among %zu TXT record%s", n,
                 n == 1 ? "" : "s");
    else
        snprintf(err, errsize, "%zu v=TLSRPTv1 records (exactly one is required)", count);
    return -1;
}

/* ---- one URI ---- */

static void set_invalid(struct rua_entry *e, const char *uri, size_t len, const char *why)
{
    e->kind = RUA_INVALID;
    str_excerpt(e->uri, sizeof e->uri, uri, len, 200);
    snprintf(e->error, sizeof e->error, "%s", why);
}

static void parse_mailto(struct rua_entry *e, const char *uri, size_t len)
{
    const size_t skip = 7; /* "mailto:" */
    size_t end = skip;
    while (end < len && uri[end] != '?')
        end++;
    char decoded[RUA_ADDR_MAX];
    size_t o = 0;
    for (size_t i = skip; i < end; i++) {
        char c = uri[i];
        if (c == '%') {
            int hi = i + 2 < end ? hexval(uri[i + 1]) : -1;
            int lo = i + 2 < end ? hexval(uri[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                set_invalid(e, uri, len, "bad percent-encoding in mailto: address");
                return;
            }
            c = (char)(hi * 16 + lo);
            if (c == '\0') {
                set_invalid(e, uri, len, "NUL in mailto: address");
                return;
            }
            i += 2;
        }
        if (o + 1 >= sizeof decoded) {
            set_invalid(e, uri, len, "mailto: address too long");
            return;
        }
        decoded[o++] = c;
    }
    decoded[o] = '\0';
    const char *why;
    if (addr_check(decoded, e->addr, &why) != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "mailto: address refused: %s", why);
        set_invalid(e, uri, len, msg);
        return;
    }
    e->kind = RUA_MAILTO;
    snprintf(e->uri, sizeof e->uri, "mailto:%s", e->addr);
}

static void parse_https(struct rua_entry *e, const char *uri, size_t len)
{
    const size_t skip = 8; /* "https://" */
    size_t host_end = skip;
    while (host_end < len && uri[host_end] != '/' && uri[host_end] != '?' && uri[host_end] != '#')
        host_end++;
    if (host_end == skip) {
        set_invalid(e, uri, len, "https: URI without a host");
        return;
    }
    if (memchr(uri + skip, '@', host_end - skip) != NULL) {
        set_invalid(e, uri, len, "https: URI with user information");
        return;
    }
    if (uri[skip] != '[' && memchr(uri + skip, '%', host_end - skip) != NULL) {
        set_invalid(e, uri, len, "percent-encoded https: host");
        return;
    }
    e->kind = RUA_HTTPS;
    memcpy(e->uri, "https://", 8);
    memcpy(e->uri + 8, uri + skip, len - skip);
    e->uri[len] = '\0';
    for (size_t i = 8; i < host_end; i++) /* host names are case-insensitive */
        if (e->uri[i] >= 'A' && e->uri[i] <= 'Z')
            e->uri[i] = (char)(e->uri[i] + 32);
}

/* Classifies one URI of the list (already split, no surrounding WSP, non-empty). Returns -1
 * when the text is not a URI at all (the record is then invalid), 0 otherwise. */
static int parse_uri(struct rua_entry *e, const char *uri, size_t len)
{
    memset(e, 0, sizeof *e);
    size_t i = 0;
    if (!is_alpha(uri[0]))
        return -1;
    while (i < len && (is_alpha(uri[i]) || is_digit(uri[i]) || uri[i] == '+' || uri[i] == '-' ||
                       uri[i] == '.'))
        i++;
    if (i == len || uri[i] != ':')
        return -1;
    size_t scheme_len = i;
    for (i = scheme_len + 1; i < len; i++) {
        if (uri[i] == '%') {
            if (i + 2 >= len || hexval(uri[i + 1]) < 0 || hexval(uri[i + 2]) < 0)
                return -1;
            i += 2;
        } else if (!is_uri_char(uri[i])) {
            return -1;
        }
    }
    if (len >= RUA_URI_MAX) {
        set_invalid(e, uri, len, "URI too long");
        return 0;
    }
    if (scheme_len == 6 && strncasecmp(uri, "mailto", 6) == 0)
        parse_mailto(e, uri, len);
    else if (scheme_len == 5 && strncasecmp(uri, "https", 5) == 0 && len > 8 &&
             memcmp(uri + 6, "//", 2) == 0)
        parse_https(e, uri, len);
    else if (scheme_len == 5 && strncasecmp(uri, "https", 5) == 0)
        set_invalid(e, uri, len, "https: URI without //host");
    else
        set_invalid(e, uri, len, "scheme not allowed (only mailto: and https:)");
    return 0;
}

/* ---- the record ---- */

static int fail(char *err, size_t errsize, const char *what, size_t pos)
{
    snprintf(err, errsize, "%s at offset %zu", what, pos);
    return -1;
}

static int add_entry(struct rua_list *l, const struct rua_entry *e, size_t max_rua)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].kind == e->kind && strcmp(l->v[i].uri, e->uri) == 0)
            return 0;
    if (l->n >= max_rua) {
        l->dropped++;
        return 0;
    }
    l->v = xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = *e;
    return 0;
}

/* Parses the rua value rec[*pos..end): URIs separated by *WSP "," *WSP. */
static int parse_rua_value(const char *rec, size_t end, size_t pos, size_t max_rua,
                           struct rua_list *l, char *err, size_t errsize)
{
    struct rua_entry *e = xmalloc(sizeof *e);
    int rc = 0;
    for (;;) {
        size_t start = pos;
        while (pos < end && rec[pos] != ',' && !is_wsp(rec[pos]))
            pos++;
        if (pos == start) {
            rc = fail(err, errsize, "empty URI in rua=", start);
            break;
        }
        if (parse_uri(e, rec + start, pos - start) != 0) {
            rc = fail(err, errsize, "rua= item is not a URI", start);
            break;
        }
        l->listed++;
        add_entry(l, e, max_rua);
        while (pos < end && is_wsp(rec[pos]))
            pos++;
        if (pos == end)
            break;
        if (rec[pos] != ',') {
            rc = fail(err, errsize, "expected \",\" between rua= URIs", pos);
            break;
        }
        pos++;
        while (pos < end && is_wsp(rec[pos]))
            pos++;
    }
    free(e);
    return rc;
}

int rua_parse(const char *rec, size_t len, size_t max_rua, struct rua_list *out, char *err,
              size_t errsize)
{
    memset(out, 0, sizeof *out);
    if (len > RUA_RECORD_MAX)
        return fail(err, errsize, "record too long", (size_t)RUA_RECORD_MAX);
    if (memchr(rec, '\0', len) != NULL)
        return fail(err, errsize, "NUL byte in record",
                    (size_t)((const char *)memchr(rec, '\0', len) - rec));
    if (!has_version_prefix(rec, len)) {
        snprintf(err, errsize, "record does not start with v=TLSRPTv1");
        return -1;
    }

    size_t pos = VERSION_LEN;
    int rua_fields = 0;
    for (;;) {
        while (pos < len && is_wsp(rec[pos]))
            pos++;
        if (pos == len)
            break;
        if (rec[pos] != ';') {
            rua_free(out);
            return fail(err, errsize, "expected \";\"", pos);
        }
        pos++;
        while (pos < len && is_wsp(rec[pos]))
            pos++;
        if (pos == len)
            break; /* a trailing ";" */
        /* tlsrpt-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".") */
        size_t name = pos;
        if (!is_alpha(rec[pos]) && !is_digit(rec[pos])) {
            rua_free(out);
            return fail(err, errsize, "bad field name", pos);
        }
        while (pos < len && (is_alpha(rec[pos]) || is_digit(rec[pos]) || rec[pos] == '_' ||
                             rec[pos] == '-' || rec[pos] == '.'))
            pos++;
        if (pos - name > 32 || pos == len || rec[pos] != '=') {
            rua_free(out);
            return fail(err, errsize, "bad field", name);
        }
        size_t name_len = pos - name;
        pos++;
        size_t value = pos;
        while (pos < len && rec[pos] != ';')
            pos++;
        size_t vend = pos;
        while (vend > value && is_wsp(rec[vend - 1]))
            vend--;
        if (name_len == 3 && memcmp(rec + name, "rua", 3) == 0) {
            if (++rua_fields > 1) {
                rua_free(out);
                return fail(err, errsize, "second rua= field", name);
            }
            if (parse_rua_value(rec, vend, value, max_rua, out, err, errsize) != 0) {
                rua_free(out);
                return -1;
            }
        } else {
            /* tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): ignored when well-formed */
            if (vend == value) {
                rua_free(out);
                return fail(err, errsize, "empty field value", value);
            }
            for (size_t i = value; i < vend; i++) {
                unsigned char c = (unsigned char)rec[i];
                if (c < 0x21 || c > 0x7e || c == '=') {
                    rua_free(out);
                    return fail(err, errsize, "bad character in field value", i);
                }
            }
        }
        pos = vend;
    }
    if (rua_fields == 0) {
        rua_free(out);
        return fail(err, errsize, "no rua= field", len);
    }
    return 0;
}

int rua_from_txt(const char *const *recs, const size_t *lens, size_t n, size_t max_rua,
                 struct rua_list *out, char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    int i = rua_select(recs, lens, n, err, errsize);
    if (i < 0)
        return -1;
    return rua_parse(recs[i], lens[i], max_rua, out, err, errsize);
}

void rua_free(struct rua_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}
