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
/* Replaces source's counters of the hours [since, until) by the batch, in one transaction:
 * that source's session and failure rows of those hours are deleted, then the batch is added
 * (tlsrpt import: importing the same day twice replaces, never doubles). source must not be
 * "". Returns 0 and the number of rows deleted in *replaced, or -1 after a rollback. */
int store_replace(struct store *s, const struct counters *c, const char *source, int64_t since,
                  int64_t until, long long *replaced);

#endif
