/* multipart/report message construction. Pure. */
#include "mime.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LINE_MAX_FOLD 78

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

char *mime_date(time_t t, char out[32])
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    char tmp[80];
    snprintf(tmp, sizeof tmp, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    bcopy_str(out, 32, tmp);
    return out;
}

void mime_message_id(const char *report_id, const char *to, const char *submitter, char *out,
                     size_t size)
{
    char left[128];
    size_t o = 0;
    for (const char *p = report_id; *p && o + 1 < sizeof left; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        left[o++] = ok ? c : '-';
    }
    left[o] = '\0';
    uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ULL, report_id), to);
    snprintf(out, size, "<tlsrpt.%s.%016llx@%s>", left, (unsigned long long)h, submitter);
}

/* A header value we write must be printable ASCII: no CR, LF, other controls or 8-bit. */
static int header_safe(const char *what, const char *v, char *err, size_t errsize)
{
    if (v == NULL || *v == '\0') {
        snprintf(err, errsize, "%s is empty", what);
        return -1;
    }
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f) {
            snprintf(err, errsize, "%s contains a control or non-ASCII character", what);
            return -1;
        }
    }
    if (strlen(v) > 900) {
        snprintf(err, errsize, "%s is too long", what);
        return -1;
    }
    return 0;
}

static int filename_safe(const char *f)
{
    for (const char *p = f; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '!' || c == '-' || c == '_'))
            return 0;
    }
    return *f != '\0';
}

static void base64_lines(struct buf *out, const unsigned char *in, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char line[80];
    size_t o = 0;
    buf_reserve(out, len / 3 * 4 + len / 57 * 2 + 8);
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        line[o++] = tbl[(v >> 18) & 63];
        line[o++] = tbl[(v >> 12) & 63];
        line[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        line[o++] = i + 2 < len ? tbl[v & 63] : '=';
        if (o == 76) {
            buf_append(out, line, o);
            buf_puts(out, "\r\n");
            o = 0;
        }
    }
    if (o) {
        buf_append(out, line, o);
        buf_puts(out, "\r\n");
    }
}

/* Appends "Name: value" folding at the given break points when the line would be long. */
static void header_folded(struct buf *out, const char *name, const char *const *parts, size_t n)
{
    size_t total = strlen(name) + 2;
    for (size_t i = 0; i < n; i++)
        total += strlen(parts[i]) + 1;
    buf_printf(out, "%s:", name);
    for (size_t i = 0; i < n; i++)
        buf_printf(out, "%s%s", total > LINE_MAX_FOLD && i ? "\r\n " : " ", parts[i]);
    buf_puts(out, "\r\n");
}

/* The human summary; organization text may be any UTF-8, so controls become spaces. */
static void summary_text(struct buf *t, const struct mime_report *r)
{
    buf_puts(t, "This is an aggregate TLS report (RFC 8460) from\r\n");
    for (const unsigned char *p = (const unsigned char *)r->organization; *p; p++)
        buf_putc(t, *p < 0x20 || *p == 0x7f ? ' ' : (char)*p);
    buf_puts(t, ".\r\n\r\n");
    buf_printf(t, "Report domain:       %s\r\n", r->policy_domain);
    buf_printf(t, "Submitter:           %s\r\n", r->submitter);
    buf_printf(t, "Report-ID:           %s\r\n", r->report_id);
    buf_printf(t, "Period (UTC):        %sT00:00:00Z to %sT23:59:59Z\r\n", r->day, r->day);
    buf_printf(t, "Successful sessions: %lld\r\n", r->successful);
    buf_printf(t, "Failed sessions:     %lld\r\n", r->failed);
    buf_printf(t, "\r\nThe report is attached (gzip-compressed JSON):\r\n%s\r\n", r->filename);
}

int mime_build(const struct mime_report *r, struct buf *out, char *err, size_t errsize)
{
    if (header_safe("From address", r->from, err, errsize) ||
        header_safe("To address", r->to, err, errsize) ||
        header_safe("report domain", r->policy_domain, err, errsize) ||
        header_safe("submitter", r->submitter, err, errsize) ||
        header_safe("report-id", r->report_id, err, errsize) ||
        header_safe("day", r->day, err, errsize))
        return -1;
    if (r->organization == NULL) {
        snprintf(err, errsize, "organization is missing");
        return -1;
    }
    if (!filename_safe(r->filename)) {
        snprintf(err, errsize, "file name has characters outside [A-Za-z0-9.!_-]");
        return -1;
    }

    char date[32], msgid[512], boundary[64], subj_rid[1024];
    mime_date(r->date, date);
    mime_message_id(r->report_id, r->to, r->submitter, msgid, sizeof msgid);
    snprintf(boundary, sizeof boundary, "tlsrpt-%016llx",
             (unsigned long long)fnv1a(fnv1a(0x84222325cbf29ce4ULL, msgid), r->filename));
    if (bfmt(subj_rid, sizeof subj_rid, "Report-ID: <%s@%s>", r->report_id, r->submitter) != 0) {
        snprintf(err, errsize, "report-id too long");
        return -1;
    }
    char subj_dom[1024], subj_sub[1024];
    snprintf(subj_dom, sizeof subj_dom, "Report Domain: %s", r->policy_domain);
    snprintf(subj_sub, sizeof subj_sub, "Submitter: %s", r->submitter);
    const char *subject[] = {subj_dom, subj_sub, subj_rid};

    buf_printf(out, "From: %s\r\n", r->from);
    buf_printf(out, "To: %s\r\n", r->to);
    header_folded(out, "Subject", subject, 3);
    buf_printf(out, "Date: %s\r\n", date);
    buf_printf(out, "Message-ID: %s\r\n", msgid);
    buf_puts(out, "MIME-Version: 1.0\r\n");
    buf_printf(out, "Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n"
                    " boundary=\"%s\"\r\n", boundary);
    buf_printf(out, "TLS-Report-Domain: %s\r\n", r->policy_domain);
    buf_printf(out, "TLS-Report-Submitter: %s\r\n", r->submitter);
    buf_puts(out, "TLS-Required: No\r\n");
    buf_puts(out, "Auto-Submitted: auto-generated\r\n");
    buf_puts(out, "\r\nThis is a multipart message in MIME format.\r\n");

    struct buf text = BUF_INIT;
    summary_text(&text, r);
    int eight_bit = 0;
    for (size_t i = 0; i < text.len; i++)
        if ((unsigned char)text.data[i] >= 0x80)
            eight_bit = 1;
    buf_printf(out, "\r\n--%s\r\n", boundary);
    buf_printf(out, "Content-Type: text/plain; charset=%s\r\n", eight_bit ? "utf-8" : "us-ascii");
    buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n", eight_bit ? "base64" : "7bit");
    if (eight_bit)
        base64_lines(out, (const unsigned char *)text.data, text.len);
    else
        buf_append(out, text.data, text.len);
    buf_free(&text);

    buf_printf(out, "\r\n--%s\r\n", boundary);
    buf_printf(out, "Content-Type: application/tlsrpt+gzip;\r\n name=\"%s\"\r\n", r->filename);
    buf_puts(out, "Content-Transfer-Encoding: base64\r\n");
    buf_printf(out, "Content-Disposition: attachment;\r\n filename=\"%s\"\r\n\r\n", r->filename);
    base64_lines(out, r->gzip, r->gzip_len);
    buf_printf(out, "\r\n--%s--\r\n", boundary);
    return 0;
}
