/* The pure pieces of the transports: TXT rdata joining, sendmail argv, outbox names, HTTP
 * status classes, attempt results. */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "reporter/dns.h"
#include "reporter/https.h"
#include "reporter/outbox.h"
#include "reporter/sendmail.h"
#include "reporter/transport.h"
#include "tests/unit/unit.h"

struct join_row {
    const char *name;
    const char *rdata;
    size_t len;
    const char *want; /* NULL = malformed */
};

static const struct join_row join_rows[] = {
    {"one string", "\x05hello", 6, "hello"},
    {"two strings joined without a space", "\x0av=TLSRPTv1\x05; rua", 17, "v=TLSRPTv1; rua"},
    {"empty string", "\x00", 1, ""},
    {"empty string between", "\x01" "a\x00\x01" "b", 5, "ab"},
    {"length past the end", "\x05hel", 4, NULL},
    {"second length past the end", "\x01" "a\x09" "b", 4, NULL},
    {"no data at all", "", 0, ""},
};

static void test_join(void)
{
    for (size_t i = 0; i < sizeof join_rows / sizeof join_rows[0]; i++) {
        const struct join_row *r = &join_rows[i];
        char *out = NULL;
        size_t len = 0;
        int rc = dns_txt_join((const unsigned char *)r->rdata, r->len, &out, &len);
        if (r->want == NULL)
            UNIT_CHECK(r->name, rc == -1, "accepted");
        else
            UNIT_CHECK(r->name, rc == 0 && len == strlen(r->want) && memcmp(out, r->want, len) == 0,
                       "rc=%d", rc);
        free(out);
    }
}

struct argv_row {
    const char *name, *command, *want; /* words joined with '|', or NULL = refused */
};

static const struct argv_row argv_rows[] = {
    {"default command", "/usr/sbin/sendmail -i -f {from} -- {rcpt}",
     "/usr/sbin/sendmail|-i|-f|tlsrpt@example.net|--|r@example.com"},
    {"placeholders inside words", "/bin/msmtp --from={from} -- {rcpt}",
     "/bin/msmtp|--from=tlsrpt@example.net|--|r@example.com"},
    {"tabs and repeated blanks", "  /bin/x\t\t{rcpt}  ", "/bin/x|r@example.com"},
    {"no placeholders", "/bin/true", "/bin/true"},
    {"shell characters stay literal", "/bin/x ;rm|-rf $(id) {rcpt}",
     "/bin/x|;rm|-rf|$(id)|r@example.com"},
    {"empty command refused", "   ", NULL},
};

static void test_argv(void)
{
    for (size_t i = 0; i < sizeof argv_rows / sizeof argv_rows[0]; i++) {
        const struct argv_row *r = &argv_rows[i];
        char **argv = NULL, err[128];
        int rc = sendmail_argv(r->command, "tlsrpt@example.net", "r@example.com", &argv, err,
                               sizeof err);
        if (r->want == NULL) {
            UNIT_CHECK(r->name, rc == -1, "accepted");
            continue;
        }
        struct buf b = BUF_INIT;
        for (size_t k = 0; rc == 0 && argv[k]; k++)
            buf_printf(&b, "%s%s", k ? "|" : "", argv[k]);
        UNIT_STR_EQ(r->name, r->want, rc == 0 ? b.data : err);
        buf_free(&b);
        sendmail_argv_free(argv);
    }
    struct buf many = BUF_INIT;
    for (int i = 0; i < 70; i++)
        buf_puts(&many, "w ");
    char **argv = NULL, err[128];
    UNIT_CHECK("more than 64 words refused",
               sendmail_argv(many.data, "a@b.c", "d@e.f", &argv, err, sizeof err) == -1, "accepted");
    buf_free(&many);
}

/* A 253-octet domain (four labels) and a 64-octet local part: the longest legal ones. */
static void long_domain(char *out, char label_char)
{
    size_t n = 0;
    for (int l = 0; l < 4; l++) {
        int len = l < 3 ? 63 : 61;
        for (int i = 0; i < len; i++)
            out[n++] = (char)(label_char + l);
        out[n++] = l < 3 ? '.' : '\0';
    }
}

static void test_long_names(void)
{
    char dom[254], local[65], rcpt[400], rcpt2[400], file[600], out[512], out2[512], rep[512];
    long_domain(dom, 'a');
    memset(local, 'l', 64);
    local[64] = '\0';
    snprintf(rcpt, sizeof rcpt, "%s@%s", local, dom);
    snprintf(rcpt2, sizeof rcpt2, "%.*sm@%s", 63, local, dom);
    snprintf(file, sizeof file, "reporter.example.net!%s!1780012800!1780099199!20260529T000000Z-0001.json.gz", dom);
    UNIT_CHECK("long names: the domain is 253 octets", strlen(dom) == 253, "%zu", strlen(dom));

    outbox_report_name(file, rep, sizeof rep);
    UNIT_CHECK("report name of a 253-octet domain fits (temporary name <= 255)",
               strlen(rep) <= OUTBOX_NAME_MAX && strlen(rep) + 5 <= 255, "%zu bytes", strlen(rep));
    UNIT_CHECK("report name keeps the submitter, times and id, and the suffix",
               strncmp(rep, "reporter.example.net!aaaa", 25) == 0 &&
                   strstr(rep, "!1780012800!1780099199!20260529T000000Z-0001.json.gz") != NULL,
               "%s", rep);
    UNIT_CHECK("report name: the shortened domain ends in ~ and 16 hex digits",
               strchr(rep, '~') != NULL && strspn(strchr(rep, '~') + 1, "0123456789abcdef") == 16,
               "%s", rep);

    outbox_eml_name("reporter.example.net!example.com!1780012800!1780099199!id.json.gz", rcpt, out,
                    sizeof out);
    UNIT_CHECK("eml name, 64-octet local part @ 253-octet domain: fits",
               strlen(out) <= OUTBOX_NAME_MAX, "%zu bytes", strlen(out));
    UNIT_CHECK("eml name: the report part is kept whole, the recipient shortened",
               strncmp(out, "reporter.example.net!example.com!1780012800!1780099199!id!llll", 62) == 0 &&
                   strcmp(out + strlen(out) - 4, ".eml") == 0 && strchr(out, '~') != NULL,
               "%s", out);
    outbox_eml_name("reporter.example.net!example.com!1780012800!1780099199!id.json.gz", rcpt, out2,
                    sizeof out2);
    UNIT_STR_EQ("eml name: deterministic", out, out2);
    outbox_eml_name("reporter.example.net!example.com!1780012800!1780099199!id.json.gz", rcpt2, out2,
                    sizeof out2);
    UNIT_CHECK("eml name: recipients that differ past the cut get different names",
               strcmp(out, out2) != 0, "both %s", out);

    outbox_eml_name(file, rcpt, out, sizeof out);
    UNIT_CHECK("eml name, 253-octet report domain and recipient: fits",
               strlen(out) <= OUTBOX_NAME_MAX, "%zu bytes", strlen(out));
    UNIT_CHECK("eml name, both long: submitter, times and id stay readable",
               strncmp(out, "reporter.example.net!", 21) == 0 &&
                   strstr(out, "!1780012800!1780099199!20260529T000000Z-0001!") != NULL,
               "%s", out);
    char two[254];
    long_domain(two, 'e');
    snprintf(rcpt2, sizeof rcpt2, "%s@%s", local, two);
    outbox_eml_name(file, rcpt2, out2, sizeof out2);
    UNIT_CHECK("eml name, both long: another recipient domain, another name", strcmp(out, out2) != 0,
               "both %s", out);
}

static void test_names(void)
{
    char out[512];
    outbox_eml_name("example.net!example.com!1!2!abc.json.gz", "r@example.com", out, sizeof out);
    UNIT_STR_EQ("eml name", "example.net!example.com!1!2!abc!r@example.com.eml", out);
    outbox_eml_name("x.json.gz", "\"a b/../c\"@example.com", out, sizeof out);
    UNIT_STR_EQ("eml name: quotes, spaces and slashes replaced", "x!_a_b_.._c_@example.com.eml", out);
    outbox_report_name("example.net!example.com!1!2!abc.json.gz", out, sizeof out);
    UNIT_STR_EQ("report name: short names unchanged", "example.net!example.com!1!2!abc.json.gz", out);
    test_long_names();

    struct {
        long status;
        enum outcome want;
    } st[] = {{200, OUTCOME_SENT},     {201, OUTCOME_SENT},     {204, OUTCOME_SENT},
              {299, OUTCOME_SENT},     {408, OUTCOME_TEMPFAIL}, {429, OUTCOME_TEMPFAIL},
              {500, OUTCOME_TEMPFAIL}, {503, OUTCOME_TEMPFAIL}, {599, OUTCOME_TEMPFAIL},
              {400, OUTCOME_PERMFAIL}, {401, OUTCOME_PERMFAIL}, {404, OUTCOME_PERMFAIL},
              {413, OUTCOME_PERMFAIL}, {301, OUTCOME_PERMFAIL}, {100, OUTCOME_PERMFAIL}};
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "HTTP %ld is %s", st[i].status, outcome_name(st[i].want));
        UNIT_CHECK(name, https_status_outcome(st[i].status) == st[i].want, "got %s",
                   outcome_name(https_status_outcome(st[i].status)));
    }

    struct attempt_result r;
    attempt_set(&r, OUTCOME_TEMPFAIL, "451 4.3.0 try\r\nlater \"x\"");
    UNIT_STR_EQ("attempt reply kept printable", "451 4.3.0 try\\x0d\\x0alater \\\"x\\\"", r.reply);
}

/* What a claim's lease must cover besides `timeout`: the longest wait of one lookup. */
static void test_dns_bound(void)
{
    struct {
        const char *servers;
        long connect_timeout_ms, want_ms;
    } rows[] = {
        /* 2 tries x 1 server x retrans (3 s / 2 tries, at least 1 s) */
        {"127.0.0.1:53", 3000, 2000},
        /* retrans 5 s (15 s / 2, at most 5); per try 5 + 10/3 + 20/3 (glibc's divided waits) */
        {"127.0.0.1:53 127.0.0.2:53 127.0.0.3:53", 15000, 28000},
        {"[::1]:53", 60000, 10000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[256], name[160];
        struct dns_resolver *r = dns_resolver_new(rows[i].servers, rows[i].connect_timeout_ms,
                                                  err, sizeof err);
        long got = r ? dns_resolver_max_ms(r) : -1;
        snprintf(name, sizeof name, "DNS wait bound: %s, connect_timeout %ld ms", rows[i].servers,
                 rows[i].connect_timeout_ms);
        UNIT_CHECK(name, got == rows[i].want_ms, "expected %ld ms, got %ld (%s)", rows[i].want_ms,
                   got, r ? "" : err);
        dns_resolver_free(r);
    }
}

int main(void)
{
    test_dns_bound();
    test_join();
    test_argv();
    test_names();
    return unit_status();
}
