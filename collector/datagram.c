/* Parsing and validating one libtlsrpt datagram with jansson. */
#include "datagram.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/helo.h"
#include "lib/policy_type.h"
#include "lib/result_type.h"
#include "lib/utf8.h"

const char *const datagram_reasons[] = {
    "empty", "truncated", "bad-json", "bad-number", "duplicate-key", "not-object", "bad-dpv",
    "bad-domain", "bad-record", "bad-policies", "bad-policy-type", "bad-final-result",
    "bad-failure-count", "bad-result-type", "bad-field", NULL,
};

static int fail(struct datagram_error *err, const char *reason, const char *fmt, ...)
{
    va_list ap;
    err->reason = reason;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* An integer member within [lo, hi], checked before any narrowing (2^32+2 must not pass as 2). */
static int get_int(json_t *obj, const char *key, long long lo, long long hi, long long *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL || !json_is_integer(v))
        return -1;
    json_int_t i = json_integer_value(v);
    if (i < lo || i > hi)
        return -1;
    *out = i;
    return 0;
}

/* s as a JSON string, escaped exactly as jansson's json_dumpb does without flags (the stored
 * policy texts must not change): \" \\ \b \f \n \r \t, other controls as \u00XX, the rest
 * (valid UTF-8, checked by the parser) as it is. Written here because json_dumpb's callback
 * machinery cost a tenth of the parse. */
static void put_json_string(struct buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_reserve(b, len + 2);
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(b, s + run, i - run);
        run = i + 1;
        char esc[6] = {'\\', (char)c};
        size_t n = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        buf_append(b, esc, n);
    }
    buf_append(b, s + run, len - run);
    buf_putc(b, '"');
}

/* An optional array of strings, as compact JSON text ("[]" when absent), appended NUL-
 * terminated to text; *off receives its offset (text may move until parsing is done). */
static int strings_json(json_t *obj, const char *key, struct buf *text, size_t *off,
                        struct datagram_error *err)
{
    json_t *v = json_object_get(obj, key);
    *off = text->len;
    if (v == NULL) {
        buf_append(text, "[]", 3);
        return 0;
    }
    if (!json_is_array(v))
        return fail(err, "bad-field", "%s is not an array", key);
    size_t i;
    json_t *s;
    buf_putc(text, '[');
    json_array_foreach(v, i, s) {
        if (!json_is_string(s))
            return fail(err, "bad-field", "%s[%zu] is not a string", key, i);
        if (i > 0)
            buf_putc(text, ',');
        put_json_string(text, json_string_value(s), json_string_length(s));
    }
    buf_append(text, "]", 2);
    return 0;
}

/* RFC 5952 text for IPv6; other strings are kept as sent (an IPv4 address that inet_pton
 * accepts is already canonical: four decimal parts without leading zeros). */
static const char *normalize_ip(const char *s, char out[INET6_ADDRSTRLEN])
{
    unsigned char addr[sizeof(struct in6_addr)];
    if (strchr(s, ':') && inet_pton(AF_INET6, s, addr) == 1 &&
        inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN) != NULL)
        return out;
    return s;
}

/* The host name out of an EHLO reply (lib/helo.h), put in place of the reply in the parse
 * tree, which owns the borrowed strings. */
static const char *announced_host(json_t *v)
{
    size_t start, n = helo_host(json_string_value(v), json_string_length(v), &start);
    if (n != json_string_length(v))
        json_string_setn(v, json_string_value(v) + start, n); /* copies before it frees */
    return json_string_value(v);
}

static int parse_detail(json_t *d, size_t idx, struct failure_detail *fd,
                        struct datagram_error *err)
{
    long long code;
    if (!json_is_object(d))
        return fail(err, "bad-field", "failure-details[%zu] is not an object", idx);
    if (get_int(d, "c", 0, 999, &code) != 0 || result_type_name(code) == NULL)
        return fail(err, "bad-result-type", "failure-details[%zu] has no valid result code c", idx);
    fd->code = (int)code;
    for (int f = 0; f < DF_COUNT; f++) {
        json_t *v = json_object_get(d, detail_fields[f].dgram_key);
        fd->field[f] = NULL;
        if (v == NULL)
            continue;
        if (!json_is_string(v))
            return fail(err, "bad-field", "failure-details[%zu].%s is not a string", idx,
                        detail_fields[f].dgram_key);
        const char *s = json_string_value(v);
        if (*s == '\0')
            continue; /* empty means not known, like absent */
        if (f == DF_RECEIVING_MX_HELO)
            s = announced_host(v);
        else if (f == DF_SENDING_MTA_IP)
            s = normalize_ip(s, fd->ip_norm[0]);
        else if (f == DF_RECEIVING_IP)
            s = normalize_ip(s, fd->ip_norm[1]);
        fd->field[f] = s;
    }
    return 0;
}

static int parse_policy(json_t *p, size_t idx, const char *d, struct policy_result *pr,
                        struct buf *text, size_t offs[2], struct datagram_error *err)
{
    long long v;
    if (!json_is_object(p))
        return fail(err, "bad-policies", "policies[%zu] is not an object", idx);
    if (get_int(p, "policy-type", 0, 99, &v) != 0 || policy_type_name(v) == NULL)
        return fail(err, "bad-policy-type", "policies[%zu] has no valid policy-type", idx);
    pr->type = (int)v;

    json_t *pd = json_object_get(p, "policy-domain");
    if (pd == NULL) {
        memcpy(pr->domain, d, strlen(d) + 1);
    } else {
        const char *why;
        if (!json_is_string(pd))
            return fail(err, "bad-domain", "policies[%zu].policy-domain is not a string", idx);
        if (domain_normalize(json_string_value(pd), json_string_length(pd), pr->domain, &why))
            return fail(err, "bad-domain", "policies[%zu].policy-domain: %s", idx, why);
    }
    if (strings_json(p, "policy-string", text, &offs[0], err) ||
        strings_json(p, "mx-host", text, &offs[1], err))
        return -1;

    if (get_int(p, "f", 0, 1, &v) != 0)
        return fail(err, "bad-final-result", "policies[%zu].f is not 0 or 1", idx);
    pr->failed = (int)v;

    json_t *fds = json_object_get(p, "failure-details");
    size_t n = 0;
    if (fds != NULL) {
        if (!json_is_array(fds))
            return fail(err, "bad-field", "policies[%zu].failure-details is not an array", idx);
        n = json_array_size(fds);
        if (n > DATAGRAM_MAX_DETAILS)
            return fail(err, "bad-field", "policies[%zu] has %zu failure details (max %d)", idx, n,
                        DATAGRAM_MAX_DETAILS);
    }
    if (get_int(p, "t", 0, DATAGRAM_MAX_DETAILS, &v) != 0 || (size_t)v != n)
        return fail(err, "bad-failure-count",
                    "policies[%zu].t does not match its %zu failure details", idx, n);
    pr->ndetails = n;
    pr->details = n ? xcalloc(n, sizeof *pr->details) : NULL;
    for (size_t i = 0; i < n; i++)
        if (parse_detail(json_array_get(fds, i), i, &pr->details[i], err) != 0)
            return -1;
    return 0;
}

static int parse_root(json_t *root, struct tls_result *out, struct datagram_error *err)
{
    if (!json_is_object(root))
        return fail(err, "not-object", "the datagram is not a JSON object");

    /* libtlsrpt before 0.5.0 (Debian 13 ships 0.5.0rc1) sends no dpv; its datagrams are
     * otherwise those of version 1. */
    json_t *dpv = json_object_get(root, "dpv");
    out->nodpv = dpv == NULL;
    if (dpv != NULL && (!json_is_string(dpv) || strcmp(json_string_value(dpv), "1") != 0))
        return fail(err, "bad-dpv", "unsupported protocol version (dpv is not \"1\")");

    json_t *d = json_object_get(root, "d");
    const char *why;
    if (d == NULL || !json_is_string(d))
        return fail(err, "bad-domain", "d (recipient domain) is missing or not a string");
    if (domain_normalize(json_string_value(d), json_string_length(d), out->domain, &why) != 0)
        return fail(err, "bad-domain", "d: %s", why);

    json_t *pr = json_object_get(root, "pr");
    if (pr == NULL || !json_is_string(pr))
        return fail(err, "bad-record", "pr (TLSRPT record) is missing or not a string");
    out->record = json_string_value(pr);

    json_t *pols = json_object_get(root, "policies");
    if (pols == NULL || !json_is_array(pols))
        return fail(err, "bad-policies", "policies is missing or not an array");
    size_t n = json_array_size(pols);
    if (n == 0 || n > DATAGRAM_MAX_POLICIES)
        return fail(err, "bad-policies", "%zu policies (want 1 to %d)", n, DATAGRAM_MAX_POLICIES);
    size_t offs[DATAGRAM_MAX_POLICIES][2];
    for (size_t i = 0; i < n; i++) {
        memset(&out->policies[i], 0, sizeof out->policies[i]);
        out->npolicies = i + 1; /* so that tls_result_free releases what was built */
        if (parse_policy(json_array_get(pols, i), i, out->domain, &out->policies[i], &out->text,
                         offs[i], err) != 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++) {
        out->policies[i].strings_json = out->text.data + offs[i][0];
        out->policies[i].mx_json = out->text.data + offs[i][1];
    }
    return 0;
}

int datagram_parse(const char *buf, size_t len, struct tls_result *out, struct datagram_error *err)
{
    struct buf fixed = BUF_INIT;
    json_error_t jerr;

    out->domain[0] = '\0';
    out->record = NULL;
    out->npolicies = 0;
    out->repaired = 0;
    out->nodpv = 0;
    out->json = NULL;
    buf_reset(&out->text);
    err->reason = NULL;
    err->message[0] = '\0';

    if (len == 0)
        return fail(err, "empty", "empty datagram");
    if (utf8_valid_prefix(buf, len) != len) {
        out->repaired = utf8_repair(buf, len, &fixed);
        buf = fixed.data;
        len = fixed.len;
    }
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    buf_free(&fixed);
    if (root == NULL) {
        enum json_error_code code = json_error_code(&jerr);
        const char *reason = code == json_error_duplicate_key      ? "duplicate-key"
                             : code == json_error_numeric_overflow ? "bad-number"
                                                                   : "bad-json";
        return fail(err, reason, "at byte %d: %s", jerr.position, jerr.text);
    }
    out->json = root;
    if (parse_root(root, out, err) != 0) {
        tls_result_free(out);
        return -1;
    }
    return 0;
}

void tls_result_free(struct tls_result *r)
{
    for (size_t i = 0; i < r->npolicies; i++) {
        struct policy_result *p = &r->policies[i];
        free(p->details);
        p->strings_json = p->mx_json = NULL;
        p->details = NULL;
    }
    r->npolicies = 0;
    if (r->json)
        json_decref(r->json);
    r->json = NULL;
}

void tls_result_drop_json(struct tls_result *r)
{
    r->json = NULL;
}

void tls_result_release(struct tls_result *r)
{
    tls_result_free(r);
    buf_free(&r->text);
}
