/* Report ids and RFC 8460 §5.1 attachment file names. Pure: the caller passes the nonce
 * (random in normal runs, 0 under --now so that tests are reproducible).
 *   report id:  "<YYYYMMDD><16 hex digits>", letters and digits only, so it is at the same
 *               time the file name's unique-id and safe inside a Message-ID.
 *   file name:  "<submitter>!<report domain>!<begin>!<end>!<report id>.json.gz" */
#ifndef TLSRPT_REPORT_ID_H
#define TLSRPT_REPORT_ID_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define REPORT_ID_SIZE 32       /* 24 characters + NUL, with room to spare */
#define REPORT_FILENAME_SIZE 600

/* A new id for this generation of the report of (submitter, domain, day). Different
 * generations, days, domains, creation times or nonces give different ids. */
void report_id_make(const char *submitter, const char *domain, time_t day, long generation,
                    time_t created, uint64_t nonce, char out[REPORT_ID_SIZE]);

/* 1 when s looks like a report id (1..64 letters and digits), else 0. */
int report_id_valid(const char *s);

/* Writes the §5.1 file name. Returns 0, or -1 when it does not fit. */
int report_filename(const char *submitter, const char *domain, time_t day, const char *report_id,
                    char *out, size_t size);

#endif
