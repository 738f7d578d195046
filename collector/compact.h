/* The compact export format (version 2; what `tlsrpt export` writes, gzip-compressed unless
 * --no-gzip). After the JSON header line of collector/exchange.h ("version":2), every line is a
 * tag, a space and its fields. Definitions are numbered from 0 per kind in the order they
 * appear, each written once per file before its first use:
 *
 *   r "v=TLSRPTv1;rua=mailto:tlsrpt@example.com"        a record (a JSON string)
 *   p {"policy-type":"sts","policy-domain":"example.com",
 *      "policy-string":["version: STSv1",...],"mx-host":["mx1.example.com"]}   a policy
 *   d {"result-type":"certificate-expired","receiving-ip":"192.0.2.1",...}      a failure
 *                                                       detail (fields not known left out)
 *   k R P "example.com"    the key of the lines below: record R, policy P, report domain
 *   s H OK FAILED          sessions of the key in hour H (0-23) of the header's day
 *   f H D COUNT            failure detail D counted COUNT times under the key in hour H
 *   e S F SESSIONS DETAILS the end: numbers of s and f lines, sum of the sessions (OK +
 *                          FAILED) and of the failure-detail counts of the file
 *
 * Numbers are decimal without sign or leading zeros. The report domain and the policy's
 * policy-domain are carried independently. The end line makes a truncated or damaged transfer
 * detectable. Pure: the writer appends to a buffer, the reader decodes one line into an event
 * (import.c stores it). */
#ifndef TLSRPT_COMPACT_H
#define TLSRPT_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "collector/exchange.h"
#include "lib/buf.h"
#include "lib/detail_field.h"

/* --- writing: each appends one line with its newline ------------------------------------ */
void compact_put_record(struct buf *b, const char *record);
/* strings_json and mx_json are the stored JSON arrays; -1 (nothing written) when one is not. */
int compact_put_policy(struct buf *b, const char *type, const char *policy_domain,
                       const char *strings_json, const char *mx_json);
void compact_put_detail(struct buf *b, const char *result_type,
                        const char *const field[DF_COUNT]); /* "" or NULL: not known */
void compact_put_key(struct buf *b, size_t record, size_t policy, const char *report_domain);
void compact_put_sessions(struct buf *b, int hour, long long successful, long long failed);
void compact_put_failures(struct buf *b, int hour, size_t detail, long long count);
void compact_put_end(struct buf *b, long long s_lines, long long f_lines, long long sessions,
                     long long detail_counts);

/* --- reading ---------------------------------------------------------------------------- */
struct compact_reader {
    struct exchange_reader *r;      /* header read; totals kept there */
    size_t records, policies, details; /* defined so far */
    int have_key;
    long long f_lines;              /* s lines are r->rows */
};

enum compact_kind {
    COMPACT_RECORD, COMPACT_POLICY, COMPACT_DETAIL, COMPACT_KEY, COMPACT_SESSIONS,
    COMPACT_FAILURES, COMPACT_END
};

/* One decoded line; strings point into json (compact_event_free). */
struct compact_event {
    enum compact_kind kind;
    size_t index;                       /* RECORD, POLICY, DETAIL: the new entry's number */
    const char *record;                 /* RECORD */
    struct exchange_policy policy;      /* POLICY */
    const char *result_type;            /* DETAIL */
    const char *field[DF_COUNT];        /* DETAIL: "" when not known */
    size_t record_index, policy_index;  /* KEY */
    const char *report_domain;          /* KEY */
    int64_t hour;                       /* SESSIONS, FAILURES: Unix time */
    long long successful, failed;       /* SESSIONS */
    size_t detail_index;                /* FAILURES */
    long long count;                    /* FAILURES */
    json_t *json;
};

/* r: an exchange_reader that has read a version 2 header. */
void compact_reader_init(struct compact_reader *cr, struct exchange_reader *r);
/* Decodes one line (without its newline) into ev, checked: references to defined entries, an
 * hour of the day, counts, the row checks of exchange.h. 0, or -1 with a message in err (ev
 * then holds nothing to free). */
int compact_read_line(struct compact_reader *cr, const char *line, size_t len,
                      struct compact_event *ev, char *err, size_t errsize);
void compact_event_free(struct compact_event *ev);

#endif
