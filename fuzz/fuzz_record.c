/* Fuzz target: the `record` line reader and what `tlsrpt record` does with it — the input is
 * read as a stream (fmemopen) by record_read, which splits lines and ingests each one; every
 * batch (3 accepted lines, so that batching is exercised) is committed with store_counters to
 * an in-memory SQLite database carrying the real schema. Properties checked:
 *   - the line statistics add up (accepted + rejected <= lines, all batches stored);
 *   - every batch commits (accepted input never makes the writer fail), and the database then
 *     holds exactly the sessions, failure-detail counts and datagram outcomes the counters
 *     held: nothing lost, nothing counted twice;
 *   - PRAGMA integrity_check and foreign_key_check stay clean.
 * The database is emptied after every input, so a crash reproduces from its input alone. */
#include <sqlite3.h>
#include <string.h>

#include "collector/counters.h"
#include "collector/record.h"
#include "collector/store.h"
#include "fuzz/fuzz.h"
#include "lib/db.h"
#include "lib/log.h"

#define RECORD_WHEN 1764500000 /* 2025-11-30T10:53:20Z */
#define RECORD_BATCH 3

struct record_totals {
    struct store *store;
    int64_t sessions, details, outcomes;
    unsigned long batches;
};

static struct db *record_db;

static int64_t record_query(const char *sql)
{
    sqlite3_stmt *st = NULL;
    FUZZ_CHECK(sqlite3_prepare_v2(db_sqlite(record_db), sql, -1, &st, NULL) == SQLITE_OK);
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static const char *record_query_text(const char *sql, char *out, size_t size)
{
    sqlite3_stmt *st = NULL;
    FUZZ_CHECK(sqlite3_prepare_v2(db_sqlite(record_db), sql, -1, &st, NULL) == SQLITE_OK);
    out[0] = '\0';
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static int record_flush(void *arg, struct counters *batch)
{
    struct record_totals *t = arg;
    struct bmap_entry *e;
    size_t pos = 0;
    while ((e = bmap_next(&batch->sessions, &pos)) != NULL)
        t->sessions += e->a + e->b;
    pos = 0;
    while ((e = bmap_next(&batch->details, &pos)) != NULL)
        t->details += e->a;
    pos = 0;
    while ((e = bmap_next(&batch->outcomes, &pos)) != NULL)
        t->outcomes += e->a;
    t->batches++;
    FUZZ_CHECK(store_counters(t->store, batch, "") == 0);
    return 0;
}

int fuzz_record(const uint8_t *data, size_t size);
int fuzz_record(const uint8_t *data, size_t size)
{
    char err[512], text[64];
    if (record_db == NULL) {
        log_set_level(LOG_LVL_ERROR);
        record_db = db_open(":memory:", err, sizeof err);
        FUZZ_CHECK(record_db != NULL);
    }
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    FILE *in = fmemopen((void *)data, size, "r");
    FUZZ_CHECK(in != NULL);

    struct record_totals t = {.store = store_new(record_db)};
    struct record_stats st;
    FUZZ_CHECK(t.store != NULL);
    FUZZ_CHECK(record_read(in, RECORD_WHEN, RECORD_BATCH, record_flush, &t, 0, &st) == 0);
    fclose(in);
    store_free(t.store);

    FUZZ_CHECK(st.good + st.bad <= st.lines);
    FUZZ_CHECK(st.stored == st.good);
    FUZZ_CHECK(t.batches == st.good / RECORD_BATCH + 1);
    FUZZ_CHECK(t.outcomes == (int64_t)(st.good + st.bad));
    FUZZ_CHECK(record_query("SELECT coalesce(sum(successful + failed), 0) FROM session_counts") ==
               t.sessions);
    FUZZ_CHECK(record_query("SELECT coalesce(sum(count), 0) FROM failure_counts") == t.details);
    FUZZ_CHECK(record_query("SELECT coalesce(sum(count), 0) FROM datagram_counts") == t.outcomes);
    FUZZ_CHECK(record_query("SELECT coalesce(sum(count), 0) FROM datagram_counts"
                            " WHERE outcome = 'accepted'") == (int64_t)st.good);
    FUZZ_CHECK(record_query("SELECT count(*) FROM session_counts WHERE hour != 1764496800") == 0);
    FUZZ_CHECK(strcmp(record_query_text("PRAGMA integrity_check", text, sizeof text), "ok") == 0);
    FUZZ_CHECK(record_query("SELECT count(*) FROM pragma_foreign_key_check") == 0);

    FUZZ_CHECK(db_exec(record_db, "DELETE FROM failure_counts; DELETE FROM session_counts;"
                                  " DELETE FROM datagram_counts; DELETE FROM failure_details;"
                                  " DELETE FROM policies; DELETE FROM tlsrpt_records;") == 0);
    return 0;
}

FUZZ_ENTRY(fuzz_record)
