/* The report e-mail (RFC 8460 §5.3), built purely: fields in, the message bytes out, with CRLF
 * line ends, ready for DKIM signing. multipart/report; report-type="tlsrpt" with a text/plain
 * summary and exactly one application/tlsrpt+gzip attachment (base64) named with the §5.1
 * file name. Every header value is checked: a CR, LF or other control character anywhere is an
 * error, never something to copy. */
#ifndef TLSRPT_MIME_H
#define TLSRPT_MIME_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

struct mime_report {
    const char *from;           /* local@domain */
    const char *to;             /* local@domain (already validated by rua_check_addr) */
    const char *policy_domain;
    const char *submitter;
    const char *report_id;
    const char *organization;   /* for the human summary */
    const char *day;            /* YYYY-MM-DD */
    const char *filename;       /* <submitter>!<domain>!<begin>!<end>!<id>.json.gz */
    long long successful, failed;
    const unsigned char *gzip;
    size_t gzip_len;
    time_t date;                /* Date: header (clock_now() at build time) */
};

/* Appends the whole message to out. Returns 0, or -1 with a reason in err. */
int mime_build(const struct mime_report *r, struct buf *out, char *err, size_t errsize);

/* The Message-ID (with angle brackets) for a report sent to one recipient: stable across
 * retries of the same delivery, distinct per recipient. */
void mime_message_id(const char *report_id, const char *to, const char *submitter,
                     char *out, size_t size);

/* RFC 5322 date "Mon, 02 Mar 2026 01:00:00 +0000" (needs 32 bytes). */
char *mime_date(time_t t, char out[32]);

#endif
