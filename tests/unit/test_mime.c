/* mime_build: the golden message, CRLF discipline, the attachment round trip, and refusal of
 * anything that could inject a header. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "reporter/mime.h"
#include "tests/unit/unit.h"

#define GOLDEN "tests/data/reporter/report.eml"

static const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
                                   'a', 'b', 'c', 0xff, 0x00, 0x7f, 0x80, 0x0d, 0x0a};

static struct mime_report sample(void)
{
    struct mime_report r = {
        .from = "tlsrpt@reports.example.net",
        .to = "tls-reports@example.com",
        .policy_domain = "example.com",
        .submitter = "example.net",
        .report_id = "2026-03-01T00:00:00Z_example.com_1",
        .organization = "Example Networks",
        .day = "2026-03-01",
        .filename = "example.net!example.com!1772323200!1772409599!a1b2c3.json.gz",
        .successful = 1234,
        .failed = 5,
        .gzip = gz,
        .gzip_len = sizeof gz,
        .date = 1772413200, /* 2026-03-02T01:00:00Z */
    };
    return r;
}

static int b64val(char c)
{
    const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c ? strchr(t, c) : NULL;
    return p ? (int)(p - t) : -1;
}

/* Decodes the base64 lines between the attachment headers and the closing boundary. */
static size_t decode_attachment(const char *msg, unsigned char *out, size_t size)
{
    const char *p = strstr(msg, "filename=\"");
    p = p ? strstr(p, "\r\n\r\n") : NULL;
    if (p == NULL)
        return 0;
    p += 4;
    size_t o = 0;
    int acc = 0, bits = 0;
    for (; *p && *p != '-'; p++) {
        int v = b64val(*p);
        if (v < 0)
            continue;
        acc = ((acc << 6) | v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o < size)
                out[o++] = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    return o;
}

static void test_golden(void)
{
    struct mime_report r = sample();
    struct buf b = BUF_INIT;
    char err[256];
    int rc = mime_build(&r, &b, err, sizeof err);
    UNIT_CHECK("sample message builds", rc == 0, "%s", err);
    if (getenv("UPDATE_GOLDEN")) {
        FILE *fp = fopen(GOLDEN, "wb");
        fwrite(b.data, 1, b.len, fp);
        fclose(fp);
    }
    size_t glen = 0;
    char *golden = unit_slurp(GOLDEN, &glen);
    UNIT_CHECK("message equals " GOLDEN, golden && glen == b.len && memcmp(golden, b.data, glen) == 0,
               "differs (UPDATE_GOLDEN=1 rewrites it; review with git diff)");
    free(golden);

    int bare_lf = 0, long_line = 0;
    size_t col = 0;
    for (size_t i = 0; i < b.len; i++) {
        if (b.data[i] == '\n' && (i == 0 || b.data[i - 1] != '\r'))
            bare_lf = 1;
        if (b.data[i] == '\n')
            col = 0;
        else if (++col > 998)
            long_line = 1;
    }
    UNIT_CHECK("every line ends in CRLF", !bare_lf && b.len > 2 && b.data[b.len - 1] == '\n', "bare LF");
    UNIT_CHECK("no line longer than 998", !long_line, "long line");

    unsigned char dec[64];
    size_t n = decode_attachment(b.data, dec, sizeof dec);
    UNIT_CHECK("attachment decodes to the gzip bytes", n == sizeof gz && memcmp(dec, gz, n) == 0,
               "decoded %zu bytes", n);
    const char *hdr_end = strstr(b.data, "\r\n\r\n");
    const char *need[] = {"From: ", "To: ", "Subject: Report Domain: example.com", "Date: ",
                          "Message-ID: <", "MIME-Version: 1.0", "Content-Type: multipart/report; "
                          "report-type=\"tlsrpt\"", "TLS-Report-Domain: example.com",
                          "TLS-Report-Submitter: example.net", "TLS-Required: No"};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
        char name[128];
        snprintf(name, sizeof name, "header %s present", need[i]);
        const char *at = strstr(b.data, need[i]);
        UNIT_CHECK(name, at && at < hdr_end && (at == b.data || at[-1] == '\n'), "missing");
    }
    const char *att = strstr(b.data, "application/tlsrpt+gzip");
    UNIT_CHECK("exactly one attachment",
               att && strstr(att + 1, "application/tlsrpt+gzip") == NULL &&
                   strstr(b.data, "Content-Disposition: attachment") &&
                   strstr(strstr(b.data, "Content-Disposition: attachment") + 1,
                          "Content-Disposition") == NULL,
               "attachment count");
    buf_free(&b);
}

struct bad_row {
    const char *name;
    int field; /* 0 to, 1 from, 2 domain, 3 report_id, 4 filename, 5 submitter */
    const char *value;
};

static const struct bad_row bad_rows[] = {
    {"CRLF in To refused", 0, "a@example.com\r\nBcc: evil@example.net"},
    {"LF in To refused", 0, "a@example.com\nX: y"},
    {"empty To refused", 0, ""},
    {"8-bit To refused", 0, "j\xc3\xb6rg@example.com"},
    {"CR in From refused", 1, "a@example.net\r"},
    {"tab in policy domain refused", 2, "example.com\tx"},
    {"LF in report-id refused", 3, "id\nSubject: spam"},
    {"quote in file name refused", 4, "a\"b.json.gz"},
    {"slash in file name refused", 4, "../../etc/passwd"},
    {"NUL-length submitter refused", 5, ""},
};

static void test_refusals(void)
{
    for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
        struct mime_report r = sample();
        const char *v = bad_rows[i].value;
        switch (bad_rows[i].field) {
        case 0: r.to = v; break;
        case 1: r.from = v; break;
        case 2: r.policy_domain = v; break;
        case 3: r.report_id = v; break;
        case 4: r.filename = v; break;
        default: r.submitter = v; break;
        }
        struct buf b = BUF_INIT;
        char err[256] = "";
        int rc = mime_build(&r, &b, err, sizeof err);
        UNIT_CHECK(bad_rows[i].name, rc == -1 && b.len == 0, "built (%s)", err);
        buf_free(&b);
    }
}

static void test_details(void)
{
    char d[32];
    UNIT_STR_EQ("date format", "Mon, 02 Mar 2026 01:00:00 +0000", mime_date(1772413200, d));
    UNIT_STR_EQ("date format, one digit day", "Thu, 01 Jan 1970 00:00:00 +0000", mime_date(0, d));

    char a[256], b[256], c[256];
    mime_message_id("2026-03-01_example.com", "a@example.com", "example.net", a, sizeof a);
    mime_message_id("2026-03-01_example.com", "a@example.com", "example.net", b, sizeof b);
    mime_message_id("2026-03-01_example.com", "b@example.com", "example.net", c, sizeof c);
    UNIT_CHECK("message-id stable for one delivery", strcmp(a, b) == 0, "%s vs %s", a, b);
    UNIT_CHECK("message-id differs per recipient", strcmp(a, c) != 0, "%s", a);
    UNIT_CHECK("message-id shape", a[0] == '<' && strstr(a, "@example.net>") != NULL &&
                                       strchr(a, '_') == NULL, "%s", a);

    /* a UTF-8 organization name makes the text part base64 utf-8, headers stay ASCII */
    struct mime_report r = sample();
    r.organization = "Exempel AB \xc3\x85" "\r\nBcc: x";
    struct buf m = BUF_INIT;
    char err[128];
    int rc = mime_build(&r, &m, err, sizeof err);
    UNIT_CHECK("utf-8 organization: text part in base64",
               rc == 0 && strstr(m.data, "charset=utf-8\r\nContent-Transfer-Encoding: base64") &&
                   strstr(m.data, "Bcc:") == NULL,
               "rc=%d", rc);
    buf_free(&m);

    /* short report: long subject folds, still one logical header */
    r = sample();
    r.policy_domain = "a-rather-long-policy-domain-name.subdomain.example.com";
    rc = mime_build(&r, &m, err, sizeof err);
    UNIT_CHECK("long subject is folded", rc == 0 && strstr(m.data, "Subject: Report Domain: "
                                                   "a-rather-long-policy-domain-name.subdomain."
                                                   "example.com\r\n Submitter: example.net\r\n "
                                                   "Report-ID: <"),
               "not folded");
    buf_free(&m);
}

int main(void)
{
    test_golden();
    test_refusals();
    test_details();
    return unit_status();
}
