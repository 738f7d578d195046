/* The export formats that carry one host's counters of one UTC day to the reporting host
 * (`tlsrpt export` → `tlsrpt import`). Both start with the same JSON header line; its
 * "version" says which format follows: 2 is the compact format (collector/compact.h, what
 * `export` writes), 1 the JSON lines below (what earlier versions wrote; still read).
 * Version 1, each line self-describing by "type":
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
 * The checks every imported row passes, whatever its format, are the exchange_check_*
 * functions below (compact.c uses them too). Pure: no clock, file or database here. */
#ifndef TLSRPT_EXCHANGE_H
#define TLSRPT_EXCHANGE_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "collector/counters.h"

#define EXCHANGE_VERSION_JSONL 1
#define EXCHANGE_VERSION_COMPACT 2
#define EXCHANGE_COUNT_MAX (1LL << 53) /* exact in every JSON reader */
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
char *exchange_header_line(int version, const char *source, time_t day_start,
                           time_t exported_at);
char *exchange_counts_line(const char *source, const struct counter_key *k, long long successful,
                           long long failed, const struct exchange_detail *details,
                           size_t ndetails);
char *exchange_end_line(long long rows);

/* --- reading --------------------------------------------------------------------------- */
struct exchange_reader {
    char source[EXCHANGE_SOURCE_MAX];
    time_t day_start;
    int version;              /* the header's */
    int have_header, have_end;
    long long rows;           /* counts lines read */
    long long sessions, details;
    long long detail_counts;  /* sum of the details' counts */
};

void exchange_reader_init(struct exchange_reader *r);
/* Reads one line (without its newline) into c: the header (either version), then version 1
 * lines. Returns 0, or -1 with a message in err (the caller names the file and line). */
int exchange_read_line(struct exchange_reader *r, const char *line, size_t len,
                       struct counters *c, char *err, size_t errsize);
/* At the end of the input: 0 when a header, every row and the end line were read. */
int exchange_read_end(const struct exchange_reader *r, char *err, size_t errsize);

/* --- checks shared by both formats ---------------------------------------------------- */
/* An applied policy as a file gives it; the arrays as the compact text the collector stores. */
struct exchange_policy {
    const char *type;         /* RFC name */
    const char *domain;       /* policy-domain */
    char *strings_json, *mx_json; /* owned: exchange_policy_free */
};
/* Reads and checks a "policy" object (its policy-domain normalised). 0, or -1 with err. */
int exchange_policy_read(json_t *policy, struct exchange_policy *p, char *err, size_t errsize);
void exchange_policy_free(struct exchange_policy *p);
/* Checks a failure detail object: a known result-type, fields that are strings, and (when
 * count is not NULL) a "count" of 1 or more, stored in *count. A receiving-mx-helo that is a
 * whole EHLO reply (files from older versions) is cut to its host name in d (lib/helo.c). */
int exchange_detail_check(json_t *d, long long *count, char *err, size_t errsize);
/* The row-level checks of an imported row: its report domain is normalised. (The policy's own
 * domain, checked by exchange_policy_read, may differ: DANE's is the MX host.) */
int exchange_check_row(const char *report_domain, char *err, size_t errsize);
/* t is the start of an hour of the header's day. */
int exchange_check_hour(const struct exchange_reader *r, time_t t, char *err, size_t errsize);
/* Adds to the file's totals, refusing a file whose totals exceed EXCHANGE_COUNT_MAX (so that
 * no sum, in memory or in SQLite, can overflow, whatever a file says). */
int exchange_add_sessions(struct exchange_reader *r, long long successful, long long failed,
                          char *err, size_t errsize);
int exchange_add_detail_count(struct exchange_reader *r, long long n, char *err, size_t errsize);

#endif
