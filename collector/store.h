/* Commits a batch of counters to SQLite in one transaction: ids of records, policies and
 * failure details are looked up (or created) through bounded caches, and every count is
 * added with an UPSERT, so a batch is either wholly stored or not at all. */
#ifndef TLSRPT_STORE_H
#define TLSRPT_STORE_H

#include "collector/counters.h"
#include "lib/db.h"

struct store;

struct store *store_new(struct db *db);
void store_free(struct store *s);
/* Adds the batch to the database under source ("" = this host). Returns 0, or -1 after a
 * rollback (logged; the caller keeps the batch and retries). */
int store_counters(struct store *s, const struct counters *c, const char *source);
/* tlsrpt import: one file in one transaction. store_import_begin opens it and deletes
 * source's counters of the hours [since, until) (importing the same day twice replaces, never
 * doubles; source must not be ""), with the number of rows deleted in *replaced; the calls
 * below then add the file's counters, and store_import_commit or store_import_abort ends it.
 * Each returns 0, or -1 after logging (begin and commit roll back themselves on failure). */
int store_import_begin(struct store *s, const char *source, int64_t since, int64_t until,
                       long long *replaced);
int store_import_commit(struct store *s);
void store_import_abort(struct store *s);
/* Adds a batch of counters (a version 1 file, read in pieces). */
int store_add_batch(struct store *s, const struct counters *c, const char *source);
/* The id of a record, policy or failure detail, created when missing. */
int store_record_id(struct store *s, const char *record, int64_t *id);
int store_policy_id(struct store *s, const char *type, const char *domain,
                    const char *strings_json, const char *mx_json, int64_t *id);
int store_detail_id(struct store *s, const char *result_type, const char *const field[DF_COUNT],
                    int64_t *id);
/* Adds counts under ids from the calls above. */
int store_add_sessions(struct store *s, int64_t hour, const char *report_domain,
                       int64_t record_id, int64_t policy_id, const char *source,
                       int64_t successful, int64_t failed);
int store_add_failures(struct store *s, int64_t hour, const char *report_domain,
                       int64_t record_id, int64_t policy_id, int64_t detail_id,
                       const char *source, int64_t count);

#endif
