/* rua_select / rua_parse / addr_check: one row per behaviour. */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "reporter/addr.h"
#include "reporter/rua.h"
#include "tests/unit/unit.h"

/* Renders a parse result: "ERR:<reason>" or the entries separated by " | ", an invalid entry
 * as "X<error>", and "+dropped=N" when the cap applied. */
static void render(const char *rec, size_t len, size_t max_rua, struct buf *out)
{
    struct rua_list l;
    char err[256];
    buf_reset(out);
    if (rua_parse(rec, len, max_rua, &l, err, sizeof err) != 0) {
        buf_printf(out, "ERR:%s", err);
        return;
    }
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            buf_puts(out, " | ");
        if (l.v[i].kind == RUA_INVALID)
            buf_printf(out, "X%s", l.v[i].error);
        else
            buf_puts(out, l.v[i].uri);
    }
    if (l.dropped)
        buf_printf(out, " +dropped=%zu", l.dropped);
    rua_free(&l);
}

struct parse_row {
    const char *name;
    const char *rec;
    const char *want; /* exact, or "ERR:" + prefix of the reason */
};

static const struct parse_row parse_rows[] = {
    {"plain mailto", "v=TLSRPTv1; rua=mailto:tlsrpt@example.com", "mailto:tlsrpt@example.com"},
    {"plain https", "v=TLSRPTv1; rua=https://reports.example.com/tlsrpt",
     "https://reports.example.com/tlsrpt"},
    {"no space after semicolon", "v=TLSRPTv1;rua=mailto:a@example.com", "mailto:a@example.com"},
    {"spaces and tabs around semicolon", "v=TLSRPTv1 \t;\t rua=mailto:a@example.com",
     "mailto:a@example.com"},
    {"trailing semicolon", "v=TLSRPTv1; rua=mailto:a@example.com;", "mailto:a@example.com"},
    {"trailing semicolon and space", "v=TLSRPTv1; rua=mailto:a@example.com ; ",
     "mailto:a@example.com"},
    {"two uris", "v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/x",
     "mailto:a@example.com | https://r.example.com/x"},
    {"two uris with spaces around comma", "v=TLSRPTv1; rua=mailto:a@example.com , \thttps://r.example.com/x",
     "mailto:a@example.com | https://r.example.com/x"},
    {"unknown field before rua ignored", "v=TLSRPTv1; ext=foo; rua=mailto:a@example.com",
     "mailto:a@example.com"},
    {"unknown field after rua ignored", "v=TLSRPTv1; rua=mailto:a@example.com; x-y.z_1=v!:<>",
     "mailto:a@example.com"},
    {"duplicate uri kept once", "v=TLSRPTv1; rua=mailto:a@example.com,mailto:a@example.com",
     "mailto:a@example.com"},
    {"duplicate after case folding of scheme and domain",
     "v=TLSRPTv1; rua=MAILTO:a@Example.COM,mailto:a@example.com", "mailto:a@example.com"},
    {"local part case is kept", "v=TLSRPTv1; rua=mailto:TLS.Rpt@example.com",
     "mailto:TLS.Rpt@example.com"},
    {"https host lower-cased, path kept", "v=TLSRPTv1; rua=HTTPS://R.Example.com/A%2CB",
     "https://r.example.com/A%2CB"},
    {"percent-encoded comma in mailto refused",
     "v=TLSRPTv1; rua=mailto:a@example.com%2Cb@example.org",
     "Xmailto: address refused: more than one @"},
    {"percent-decoded local part", "v=TLSRPTv1; rua=mailto:tls%2Brpt@example.com",
     "mailto:tls+rpt@example.com"},
    {"hfields dropped", "v=TLSRPTv1; rua=mailto:a@example.com?subject=hi&bcc=evil@example.net",
     "mailto:a@example.com"},
    {"encoded CRLF header injection refused",
     "v=TLSRPTv1; rua=mailto:a@example.com%0D%0ABcc:%20evil@example.net",
     "Xmailto: address refused: control character in address"},
    {"encoded LF refused", "v=TLSRPTv1; rua=mailto:a%0A@example.com",
     "Xmailto: address refused: control character in address"},
    {"encoded NUL refused", "v=TLSRPTv1; rua=mailto:a%00@example.com",
     "XNUL in mailto: address"},
    {"bad percent sequence", "v=TLSRPTv1; rua=mailto:a%zz@example.com", "ERR:rua= item"},
    {"truncated percent at end", "v=TLSRPTv1; rua=mailto:a@example.com%2", "ERR:rua= item"},
    {"encoded angle bracket refused", "v=TLSRPTv1; rua=mailto:%3Ca@example.com%3E",
     "Xmailto: address refused: character not allowed in local part"},
    {"encoded quote refused", "v=TLSRPTv1; rua=mailto:a%22b@example.com",
     "Xmailto: address refused: character not allowed in local part"},
    {"encoded space refused", "v=TLSRPTv1; rua=mailto:a%20b@example.com",
     "Xmailto: address refused: character not allowed in local part"},
    {"encoded semicolon refused", "v=TLSRPTv1; rua=mailto:a%3Bb@example.com",
     "Xmailto: address refused: character not allowed in local part"},
    {"quoted local part accepted", "v=TLSRPTv1; rua=mailto:%22a%20b%22@example.com",
     "mailto:\"a b\"@example.com"},
    {"unterminated quoted local part", "v=TLSRPTv1; rua=mailto:%22ab@example.com",
     "Xmailto: address refused: unterminated quoted local part"},
    {"leading dash refused (argv injection)", "v=TLSRPTv1; rua=mailto:-oQ@example.com",
     "Xmailto: address refused: local part starts with '-'"},
    {"two at signs refused", "v=TLSRPTv1; rua=mailto:a@b@example.com",
     "Xmailto: address refused: more than one @"},
    {"no at sign", "v=TLSRPTv1; rua=mailto:postmaster", "Xmailto: address refused: not local@domain"},
    {"empty mailto", "v=TLSRPTv1; rua=mailto:", "Xmailto: address refused: empty address"},
    {"dotless domain refused", "v=TLSRPTv1; rua=mailto:root@localhost",
     "Xmailto: address refused: domain without a dot"},
    {"address literal refused", "v=TLSRPTv1; rua=mailto:a@[127.0.0.1]",
     "Xmailto: address refused: address literals are not accepted"},
    {"double dot refused", "v=TLSRPTv1; rua=mailto:a..b@example.com",
     "Xmailto: address refused: bad dots in local part"},
    {"utf-8 domain becomes a-label", "v=TLSRPTv1; rua=mailto:a@b%C3%BCcher.example",
     "mailto:a@xn--bcher-kva.example"},
    {"utf-8 local part refused", "v=TLSRPTv1; rua=mailto:j%C3%B6rg@example.com",
     "Xmailto: address refused: non-ASCII address (SMTPUTF8 is not supported)"},
    {"http scheme refused", "v=TLSRPTv1; rua=http://r.example.com/x",
     "Xscheme not allowed (only mailto: and https:)"},
    {"ftp scheme refused, mailto kept", "v=TLSRPTv1; rua=ftp://x.example/,mailto:a@example.com",
     "Xscheme not allowed (only mailto: and https:) | mailto:a@example.com"},
    {"javascript scheme refused", "v=TLSRPTv1; rua=javascript:alert(1)",
     "Xscheme not allowed (only mailto: and https:)"},
    {"https without slashes", "v=TLSRPTv1; rua=https:r.example.com",
     "Xhttps: URI without //host"},
    {"https without host", "v=TLSRPTv1; rua=https:///path", "Xhttps: URI without a host"},
    {"https with userinfo refused", "v=TLSRPTv1; rua=https://user@127.0.0.1/x",
     "Xhttps: URI with user information"},
    {"https ipv6 literal kept", "v=TLSRPTv1; rua=https://[2001:db8::1]:8443/r",
     "https://[2001:db8::1]:8443/r"},
    {"https port and query kept", "v=TLSRPTv1; rua=https://r.example.com:8443/a?b=c",
     "https://r.example.com:8443/a?b=c"},
    {"version only", "v=TLSRPTv1", "ERR:no rua= field"},
    {"version and semicolon only", "v=TLSRPTv1;", "ERR:no rua= field"},
    {"no rua but other field", "v=TLSRPTv1; foo=bar", "ERR:no rua= field"},
    {"rua upper case is an unknown field", "v=TLSRPTv1; RUA=mailto:a@example.com",
     "ERR:no rua= field"},
    {"two rua fields", "v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com",
     "ERR:second rua= field"},
    {"version lower case", "v=tlsrptv1; rua=mailto:a@example.com", "ERR:record does not start"},
    {"version not first", "rua=mailto:a@example.com; v=TLSRPTv1", "ERR:record does not start"},
    {"version with suffix", "v=TLSRPTv10; rua=mailto:a@example.com", "ERR:record does not start"},
    {"leading space", " v=TLSRPTv1; rua=mailto:a@example.com", "ERR:record does not start"},
    {"missing semicolon between fields", "v=TLSRPTv1; rua=mailto:a@example.com foo=bar",
     "ERR:expected \",\""},
    {"field without value", "v=TLSRPTv1; rua=mailto:a@example.com; foo=", "ERR:empty field value"},
    {"field without equals", "v=TLSRPTv1; rua=mailto:a@example.com; junk", "ERR:bad field"},
    {"field value with equals", "v=TLSRPTv1; rua=mailto:a@example.com; a=b=c",
     "ERR:bad character in field value"},
    {"field name too long",
     "v=TLSRPTv1; rua=mailto:a@example.com; abcdefghijklmnopqrstuvwxyz0123456=1", "ERR:bad field"},
    {"field name 32 chars ok",
     "v=TLSRPTv1; rua=mailto:a@example.com; abcdefghijklmnopqrstuvwxyz012345=1",
     "mailto:a@example.com"},
    {"empty rua", "v=TLSRPTv1; rua=", "ERR:empty URI"},
    {"empty item between commas", "v=TLSRPTv1; rua=mailto:a@example.com,,mailto:b@example.com",
     "ERR:empty URI"},
    {"trailing comma", "v=TLSRPTv1; rua=mailto:a@example.com,", "ERR:empty URI"},
    {"raw CR in uri", "v=TLSRPTv1; rua=mailto:a@example.com\r\nBcc: x@example.net",
     "ERR:rua= item"},
    {"raw LF in field value", "v=TLSRPTv1; rua=mailto:a@example.com; x=a\nb",
     "ERR:bad character in field value"},
    {"raw space inside uri list", "v=TLSRPTv1; rua=mailto:a@example.com mailto:b@example.com",
     "ERR:expected \",\""},
    {"not a uri", "v=TLSRPTv1; rua=a@example.com", "ERR:rua= item"},
    {"8-bit byte in uri", "v=TLSRPTv1; rua=mailto:a@ex\xc3\xa4mple.com", "ERR:rua= item"},
    {"angle bracket in uri", "v=TLSRPTv1; rua=<mailto:a@example.com>", "ERR:rua= item"},
};

static void test_parse(void)
{
    struct buf out = BUF_INIT;
    for (size_t i = 0; i < sizeof parse_rows / sizeof parse_rows[0]; i++) {
        const struct parse_row *r = &parse_rows[i];
        render(r->rec, strlen(r->rec), 10, &out);
        if (strncmp(r->want, "ERR:", 4) == 0)
            UNIT_CHECK(r->name, strncmp(out.data, r->want, strlen(r->want)) == 0,
                       "expected \"%s...\", got \"%s\"", r->want, out.data);
        else
            UNIT_STR_EQ(r->name, r->want, out.data);
    }
    buf_free(&out);
}

static void test_limits(void)
{
    struct buf rec = BUF_INIT, out = BUF_INIT;

    /* 200 distinct URIs: the first 10 kept, 190 dropped */
    buf_puts(&rec, "v=TLSRPTv1; rua=");
    for (int i = 0; i < 200; i++)
        buf_printf(&rec, "%smailto:r%d@example.com", i ? "," : "", i);
    render(rec.data, rec.len, 10, &out);
    UNIT_CHECK("200 uris capped at max_rua",
               strstr(out.data, "mailto:r9@example.com +dropped=190") != NULL &&
                   strstr(out.data, "r10@") == NULL,
               "got %.200s", out.data);
    render(rec.data, rec.len, 1, &out);
    UNIT_STR_EQ("200 uris, max_rua 1", "mailto:r0@example.com +dropped=199", out.data);

    /* duplicates do not count towards the cap */
    buf_reset(&rec);
    buf_puts(&rec, "v=TLSRPTv1; rua=mailto:a@example.com,mailto:a@example.com,https://h.example/");
    render(rec.data, rec.len, 2, &out);
    UNIT_STR_EQ("duplicates do not use the cap", "mailto:a@example.com | https://h.example/",
                out.data);

    /* a 5 KB unknown field is ignored */
    buf_reset(&rec);
    buf_puts(&rec, "v=TLSRPTv1; rua=mailto:a@example.com; junk=");
    for (int i = 0; i < 5000; i++)
        buf_putc(&rec, 'x');
    render(rec.data, rec.len, 10, &out);
    UNIT_STR_EQ("5 KB extension value ignored", "mailto:a@example.com", out.data);

    /* a 5 KB URI is refused as one invalid entry */
    buf_reset(&rec);
    buf_puts(&rec, "v=TLSRPTv1; rua=https://h.example/");
    for (int i = 0; i < 5000; i++)
        buf_putc(&rec, 'a');
    buf_puts(&rec, ",mailto:a@example.com");
    render(rec.data, rec.len, 10, &out);
    UNIT_STR_EQ("5 KB uri refused", "XURI too long | mailto:a@example.com", out.data);

    /* a 5 KB mailto address */
    buf_reset(&rec);
    buf_puts(&rec, "v=TLSRPTv1; rua=mailto:");
    for (int i = 0; i < 5000; i++)
        buf_putc(&rec, 'a');
    buf_puts(&rec, "@example.com");
    render(rec.data, rec.len, 10, &out);
    UNIT_STR_EQ("5 KB mailto refused", "XURI too long", out.data);

    /* NUL byte inside the record */
    static const char nul[] = "v=TLSRPTv1; rua=mailto:a@example.com\0x";
    render(nul, sizeof nul - 1, 10, &out);
    UNIT_CHECK("NUL byte in record", strncmp(out.data, "ERR:NUL byte", 12) == 0, "got %s",
               out.data);

    /* invalid entry excerpt is printable */
    buf_reset(&rec);
    buf_puts(&rec, "v=TLSRPTv1; rua=mailto:a%0D%0A@example.com");
    struct rua_list l;
    char err[128];
    int rc = rua_parse(rec.data, rec.len, 10, &l, err, sizeof err);
    UNIT_CHECK("invalid entry keeps a printable excerpt",
               rc == 0 && l.n == 1 && strchr(l.v[0].uri, '\r') == NULL &&
                   strchr(l.v[0].uri, '\n') == NULL,
               "rc=%d", rc);
    if (rc == 0)
        rua_free(&l);
    buf_free(&rec);
    buf_free(&out);
}

struct select_row {
    const char *name;
    const char *recs[4];
    int want; /* index, or -1 */
};

static const struct select_row select_rows[] = {
    {"one record", {"v=TLSRPTv1; rua=mailto:a@example.com"}, 0},
    {"spf and tlsrpt", {"v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.com"}, 1},
    {"two tlsrpt records", {"v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1;rua=mailto:b@example.com"}, -1},
    {"no tlsrpt record", {"v=spf1 -all", "google-site-verification=abc"}, -1},
    {"version then space then semicolon", {"junk", "v=TLSRPTv1 ;rua=mailto:a@example.com"}, 1},
    {"version alone selected", {"v=TLSRPTv1"}, 0},
    {"v=TLSRPTv10 not selected", {"v=TLSRPTv10; rua=mailto:a@example.com"}, -1},
    {"v=TLSRPTv1x not selected", {"v=TLSRPTv1x", "v=TLSRPTv1; rua=mailto:a@example.com"}, 1},
    {"lower-case version not selected", {"v=tlsrptv1; rua=mailto:a@example.com"}, -1},
    {"broken second record still counts", {"v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; junk"}, -1},
};

static void test_select(void)
{
    for (size_t i = 0; i < sizeof select_rows / sizeof select_rows[0]; i++) {
        const struct select_row *r = &select_rows[i];
        size_t lens[4], n = 0;
        while (n < 4 && r->recs[n]) {
            lens[n] = strlen(r->recs[n]);
            n++;
        }
        char err[128] = "";
        int got = rua_select(r->recs, lens, n, err, sizeof err);
        UNIT_CHECK(r->name, got == r->want, "expected %d, got %d (%s)", r->want, got, err);
    }
    char err[128];
    size_t zero = 0;
    UNIT_CHECK("no records at all", rua_select(NULL, &zero, 0, err, sizeof err) == -1, "?");

    /* rua_from_txt on records as DNS returns them, joined from strings by dns.c */
    const char *recs[] = {"v=spf1 -all", "v=TLSRPTv1; rua=mailto:a@example.com"};
    size_t lens[] = {11, 36};
    struct rua_list l;
    int rc = rua_from_txt(recs, lens, 2, 10, &l, err, sizeof err);
    UNIT_CHECK("rua_from_txt picks and parses", rc == 0 && l.n == 1 && l.v[0].kind == RUA_MAILTO,
               "rc=%d %s", rc, err);
    if (rc == 0)
        rua_free(&l);
}

struct addr_row {
    const char *in;
    const char *want; /* normalised, or NULL when refused */
};

static const struct addr_row addr_rows[] = {
    {"a@example.com", "a@example.com"},
    {"a.b-c+d@sub.example.co.uk", "a.b-c+d@sub.example.co.uk"},
    {"a@EXAMPLE.com.", "a@example.com"},
    {"!#$%&'*+/=?^_`{|}~@example.com", "!#$%&'*+/=?^_`{|}~@example.com"},
    {"\"x y\"@example.com", "\"x y\"@example.com"},
    {"\"x\\\"y\"@example.com", "\"x\\\"y\"@example.com"},
    {"\"\"@example.com", NULL},
    {".a@example.com", NULL},
    {"a.@example.com", NULL},
    {"a@example.com>", NULL},
    {"a b@example.com", NULL},
    {"a,b@example.com", NULL},
    {"a;b@example.com", NULL},
    {"a@exa mple.com", NULL},
    {"a@example..com", NULL},
    {"a@-", NULL},
    {"a@_dmarc.example.com", NULL},
    {"@example.com", NULL},
    {"a@", NULL},
    {"a\r@example.com", NULL},
    {"a\t@example.com", NULL},
    {"a@example.com\n", NULL},
    {"a\x7f@example.com", NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com", NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com",
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.com"},
};

/* The longest legal address: a 64-octet local part at a 253-octet domain (318 bytes). */
static void test_addr_longest(void)
{
    struct buf a = BUF_INIT;
    for (int i = 0; i < 64; i++)
        buf_putc(&a, 'l');
    buf_putc(&a, '@');
    for (int l = 0; l < 4; l++) {
        for (int i = 0; i < (l < 3 ? 63 : 56); i++)
            buf_putc(&a, (char)('a' + l));
        buf_putc(&a, '.');
    }
    buf_puts(&a, "test");
    char out[RUA_ADDR_MAX];
    const char *why = "";
    int rc = addr_check(a.data, out, &why);
    UNIT_CHECK("address of 318 bytes (64-octet local part, 253-octet domain) accepted",
               a.len == 318 && rc == 0 && strcmp(out, a.data) == 0, "len=%zu rc=%d why=%s",
               a.len, rc, why);
    buf_puts(&a, "x");
    rc = addr_check(a.data, out, &why);
    UNIT_CHECK("address with a 254-octet domain refused", rc == -1, "accepted");
    buf_free(&a);
}

static void test_addr(void)
{
    for (size_t i = 0; i < sizeof addr_rows / sizeof addr_rows[0]; i++) {
        char out[RUA_ADDR_MAX], name[160], ex[96];
        const char *why = "";
        int rc = addr_check(addr_rows[i].in, out, &why);
        str_excerpt(ex, sizeof ex, addr_rows[i].in, strlen(addr_rows[i].in), 60);
        snprintf(name, sizeof name, "address %s %s", ex, addr_rows[i].want ? "accepted" : "refused");
        if (addr_rows[i].want)
            UNIT_CHECK(name, rc == 0 && strcmp(out, addr_rows[i].want) == 0, "rc=%d why=%s out=%s",
                       rc, why, rc == 0 ? out : "");
        else
            UNIT_CHECK(name, rc == -1, "accepted as %s", out);
    }
}

int main(void)
{
    test_parse();
    test_limits();
    test_select();
    test_addr();
    test_addr_longest();
    return unit_status();
}
