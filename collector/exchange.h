/* The export format that carries one host's counters of one UTC day to the reporting host
 * (`tlsrpt export` → `tlsrpt import`). JSON lines, each self-describing by "type":
 *
 *   {"type":"tlsrpt-export","version":1,"source":"mx1","day":"2026-11-29",
 *    "exported-at":"2026-11-30T00:10:00Z"}
 *   {"type":"counts","source":"mx1","hour":"2026-11-29T10:00:00Z",
 *    "report-domain":"example.com","record":"v=TLSRPTv1;rua=mailto:...",
 *    "policy":{"policy-type":"sts","policy-domain":"example.com",
 *              "policy-string":["version: STSv1",...],"mx-host":["mx1.example.com"]},
 *    "successful":2,"failed":3,
 *    "failure-details":[{"result-type":"certificate-expired","receiving-mx-hostname":"...",
 *                        ...,"count":1}]}
 *   ...
 *   {"type":"end","rows":N}
 *
 * One "counts" line per (hour, report domain, record, policy) of session_counts, with the
 * failure details counted under it; failure-detail fields that are not known are left out.
 * report-domain is d, the domain whose record asked for the report; policy-domain is the
 * policy's own (for DANE the MX host, so the two differ). An imported receiving-mx-helo that
 * is a whole EHLO reply is reduced to the announced host name, as the collector does.
 * The end line makes a truncated transfer (a half-copied file) detectable: an import needs it.
 * Pure: no clock, file or database here. */
#ifndef TLSRPT_EXCHANGE_H
#define TLSRPT_EXCHANGE_H

#include <stddef.h>
#include <time.h>

#include "collector/counters.h"

#define EXCHANGE_VERSION 1
#define EXCHANGE_SOURCE_MAX 254

/* A source name: 1-253 characters of letters, digits, '.', '-', '_'. 0 or -1. */
int exchange_source_valid(const char *source);

/* --- writing --------------------------------------------------------------------------- */
struct exchange_detail {
    const char *result_type;
    const char *field[DF_COUNT]; /* "" or NULL: not known */
    long long count;
};

/* Each returns one line without its newline (free it), or NULL when k holds text that is not
 * a JSON array where one is expected. */
char *exchange_header_line(const char *source, time_t day_start, time_t exported_at);
char *exchange_counts_line(const char *source, const struct counter_key *k, long long successful,
                           long long failed, const struct exchange_detail *details,
                           size_t ndetails);
char *exchange_end_line(long long rows);

/* --- reading --------------------------------------------------------------------------- */
struct exchange_reader {
    char source[EXCHANGE_SOURCE_MAX];
    time_t day_start;
    int have_header, have_end;
    long long rows;           /* counts lines read */
    long long sessions, details;
    long long detail_counts;  /* sum of the details' counts */
};

void exchange_reader_init(struct exchange_reader *r);
/* Reads one line (without its newline) into c. Returns 0, or -1 with a message in err (the
 * caller names the file and line). */
int exchange_read_line(struct exchange_reader *r, const char *line, size_t len,
                       struct counters *c, char *err, size_t errsize);
/* At the end of the input: 0 when a header, every row and the end line were read. */
int exchange_read_end(const struct exchange_reader *r, char *err, size_t errsize);

#endif
