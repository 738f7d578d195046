/* SQLite open, pragmas and migrations. */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "clock.h"
#include "log.h"

struct db {
    sqlite3 *h;
    char *path;
};

sqlite3 *db_sqlite(struct db *db)
{
    return db->h;
}

const char *db_path(struct db *db)
{
    return db->path;
}

const char *db_errmsg(struct db *db)
{
    return sqlite3_errmsg(db->h);
}

int db_exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        log_error("database error db=%s error=\"%s\"", db->path, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

int db_begin(struct db *db)
{
    return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(struct db *db)
{
    return db_exec(db, "COMMIT");
}

void db_rollback(struct db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *db_prepare(struct db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_error("database error db=%s error=\"%s\" sql=\"%.60s\"", db->path, sqlite3_errmsg(db->h),
                  sql);
        return NULL;
    }
    return st;
}

static int query_int(sqlite3 *h, const char *sql, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int db_schema_version(struct db *db)
{
    int v = 0;
    if (query_int(db->h, "SELECT coalesce(max(version), 0) FROM schema_version", &v) != 0)
        return -1;
    return v;
}

/* Migrations run with foreign-key enforcement off (a table that others refer to can only be
 * rebuilt so, https://sqlite.org/lang_altertable.html#otheralter); each is checked before
 * it commits instead. 1 when a row refers to nothing (or the check fails). */
static int foreign_keys_broken(sqlite3 *h)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
        return 1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc != SQLITE_DONE;
}

static int migrate(struct db *db, char *err, size_t errsize)
{
    int known = db_migrations[db_migration_count - 1].version;
    char *msg = NULL;

    if (sqlite3_exec(db->h,
                     "CREATE TABLE IF NOT EXISTS schema_version ("
                     " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errsize, "%s: cannot create schema_version: %s", db->path, msg);
        sqlite3_free(msg);
        return -1;
    }
    int have = db_schema_version(db);
    if (have < 0) {
        snprintf(err, errsize, "%s: cannot read schema_version: %s", db->path,
                 sqlite3_errmsg(db->h));
        return -1;
    }
    if (have > known) {
        snprintf(err, errsize,
                 "%s: database schema version %d is newer than this tlsrpt knows (%d); "
                 "use a newer tlsrpt or another database",
                 db->path, have, known);
        return -1;
    }
    for (int i = 0; i < db_migration_count; i++) {
        const struct db_migration *m = &db_migrations[i];
        if (m->version <= have)
            continue;
        /* Re-check inside the write lock: another process may have migrated meanwhile. */
        if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        int now_have = db_schema_version(db);
        if (now_have >= m->version) {
            sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
            continue;
        }
        if (sqlite3_exec(db->h, m->sql, NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        if (foreign_keys_broken(db->h)) {
            msg = sqlite3_mprintf("foreign keys broken (PRAGMA foreign_key_check)");
            goto fail;
        }
        char ts[32], sql[256];
        rfc3339_format(time(NULL), ts);
        snprintf(sql, sizeof sql,
                 "INSERT INTO schema_version (version, name, applied_at) VALUES (%d, '%s', '%s')",
                 m->version, m->name, ts);
        if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db->h, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
            goto fail;
        log_debug("schema migrated db=%s version=%d name=%s", db->path, m->version, m->name);
        continue;
    fail:
        snprintf(err, errsize, "%s: migration %s failed: %s", db->path, m->name,
                 msg ? msg : sqlite3_errmsg(db->h));
        sqlite3_free(msg);
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* The database holds every MX's outcomes and, later, what was sent where: it is created
 * 0640 at most (umask 027), never writable nor readable by others. An existing world-writable
 * one (made by hand) loses o+w, with a warning. */
#define DB_UMASK 027

static void check_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(st.st_mode & S_IWOTH))
        return;
    if (chmod(path, st.st_mode & 07770 & ~(mode_t)S_IWOTH) == 0)
        log_warn("database was world-writable; removed write permission for others db=%s", path);
    else
        log_warn("database is world-writable and cannot be changed db=%s error=\"%m\"", path);
}

static int open_and_migrate(struct db *db, const char *path, char *err, size_t errsize)
{
    int rc = sqlite3_open_v2(path, &db->h,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, errsize, "%s: cannot open database: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        return -1;
    }
    sqlite3_extended_result_codes(db->h, 1);
    /* Writers wait for each other rather than fail; the collector's receiver never waits on
     * the database at all (its writer thread does). */
    sqlite3_busy_timeout(db->h, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db->h,
                     "PRAGMA journal_mode = WAL;"
                     "PRAGMA synchronous = NORMAL;"
                     "PRAGMA foreign_keys = OFF;", /* ON after the migrations */
                     NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    if (migrate(db, err, errsize) != 0)
        return -1;
    if (sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, &msg) == SQLITE_OK)
        return 0;
fail:
    snprintf(err, errsize, "%s: %s", path, msg ? msg : sqlite3_errmsg(db->h));
    sqlite3_free(msg);
    return -1;
}

struct db *db_open(const char *path, char *err, size_t errsize)
{
    struct db *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(path);
    /* SQLite creates the file (and later its -wal and -shm, with the file's mode) while
     * db_open runs: a restrictive umask for that time. The umask is per process, so open the
     * database before starting threads that create files. */
    mode_t old_umask = umask(0077);
    umask(old_umask | DB_UMASK);
    int rc = open_and_migrate(db, path, err, errsize);
    umask(old_umask);
    if (rc != 0) {
        db_close(db);
        return NULL;
    }
    check_mode(path);
    return db;
}

void db_close(struct db *db)
{
    if (db == NULL)
        return;
    if (db->h) {
        sqlite3_stmt *st;
        while ((st = sqlite3_next_stmt(db->h, NULL)) != NULL)
            sqlite3_finalize(st);
        sqlite3_close(db->h);
    }
    free(db->path);
    free(db);
}
