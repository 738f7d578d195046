/* SQLite open, pragmas and migrations. */
#include "db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "log.h"

struct db {
    sqlite3 *h;
    char *path;
    int busy_seen; /* a statement of db_exec failed busy (a later ROLLBACK clears the code) */
};

/* Writers and readers wait up to this long for each other's locks before giving up (busy). */
#define DB_BUSY_TIMEOUT_MS 10000

static int is_busy(int rc)
{
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

int db_is_busy(struct db *db)
{
    return db->busy_seen || is_busy(sqlite3_extended_errcode(db->h));
}

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
        if (is_busy(sqlite3_extended_errcode(db->h)))
            db->busy_seen = 1;
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

static void newer_error(const char *path, int have, int known, char *err, size_t errsize)
{
    snprintf(err, errsize,
             "%s: database schema version %d is newer than this tlsrpt knows (%d); "
             "use a newer tlsrpt or another database",
             path, have, known);
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

static int migrate(struct db *db, enum db_failure *why, char *err, size_t errsize)
{
    int known = db_migrations[db_migration_count - 1].version;
    char *msg = NULL;

    if (sqlite3_exec(db->h,
                     "CREATE TABLE IF NOT EXISTS schema_version ("
                     " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                     NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errsize, "%s: cannot create schema_version: %s", db->path, msg);
        sqlite3_free(msg);
        *why = is_busy(sqlite3_extended_errcode(db->h)) ? DB_FAIL_BUSY : DB_FAIL_OTHER;
        return -1;
    }
    int have = db_schema_version(db);
    if (have < 0) {
        snprintf(err, errsize, "%s: cannot read schema_version: %s", db->path,
                 sqlite3_errmsg(db->h));
        *why = is_busy(sqlite3_extended_errcode(db->h)) ? DB_FAIL_BUSY : DB_FAIL_OTHER;
        return -1;
    }
    if (have > known) {
        newer_error(db->path, have, known, err, errsize);
        *why = DB_FAIL_NEWER;
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
        *why = is_busy(sqlite3_extended_errcode(db->h)) ? DB_FAIL_BUSY : DB_FAIL_OTHER;
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

static int open_and_migrate(struct db *db, const char *path, enum db_failure *why, char *err,
                            size_t errsize)
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
    sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
    /* Keep the -wal and -shm files when the last connection closes (the -wal truncated to
     * zero bytes, so no stale frames outlive it): a reader without write access to the
     * directory can open a WAL database only when both exist (see db_open_readonly). */
    int persist = 1;
    sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    char *msg = NULL;
    if (sqlite3_exec(db->h,
                     "PRAGMA journal_mode = WAL;"
                     "PRAGMA journal_size_limit = 0;"
                     "PRAGMA synchronous = NORMAL;"
                     "PRAGMA foreign_keys = OFF;", /* ON after the migrations */
                     NULL, NULL, &msg) != SQLITE_OK)
        goto fail;
    if (migrate(db, why, err, errsize) != 0)
        return -1;
    if (sqlite3_exec(db->h, "PRAGMA foreign_keys = ON", NULL, NULL, &msg) == SQLITE_OK)
        return 0;
fail:
    snprintf(err, errsize, "%s: %s", path, msg ? msg : sqlite3_errmsg(db->h));
    sqlite3_free(msg);
    *why = is_busy(sqlite3_extended_errcode(db->h)) ? DB_FAIL_BUSY : DB_FAIL_OTHER;
    return -1;
}

struct db *db_open(const char *path, char *err, size_t errsize)
{
    enum db_failure why;
    return db_open_rw(path, &why, err, errsize);
}

struct db *db_open_rw(const char *path, enum db_failure *why, char *err, size_t errsize)
{
    *why = DB_FAIL_OTHER;
    struct db *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(path);
    /* SQLite creates the file (and later its -wal and -shm, with the file's mode) while
     * db_open runs: a restrictive umask for that time. The umask is per process, so open the
     * database before starting threads that create files. */
    mode_t old_umask = umask(0077);
    umask(old_umask | DB_UMASK);
    int rc = open_and_migrate(db, path, why, err, errsize);
    umask(old_umask);
    if (rc != 0) {
        db_close(db);
        return NULL;
    }
    check_mode(path);
    *why = DB_FAIL_NONE;
    return db;
}

/* SQLite URIs take the path with '%', '?' and '#' escaped. */
static char *immutable_uri(const char *path)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            buf_printf(&b, "%%%02X", (unsigned char)*p);
        else
            buf_putc(&b, *p);
    }
    buf_puts(&b, "?immutable=1");
    return buf_steal(&b);
}

static int exists(const char *path, const char *suffix)
{
    char name[4200];
    struct stat st;
    snprintf(name, sizeof name, "%s%s", path, suffix);
    return stat(name, &st) == 0;
}

/* Opens read-only. A WAL database needs its -wal and -shm files, which a user who may read
 * the files but not write the directory cannot create (SQLITE_CANTOPEN or SQLITE_READONLY):
 * then, and only when there is no -wal file (so no committed content outside the main file),
 * it is opened immutable (no locks, no -shm). Writers of this version keep both files
 * (SQLITE_FCNTL_PERSIST_WAL), so that path is for a database last closed by an older
 * tlsrpt; a writer that starts and checkpoints during such a read is the one case it cannot
 * guard against. */
/* Connects read-only and reads the schema version into *v (0 when there is no
 * schema_version table: *no_table). Returns an SQLite result code. */
static int connect_readonly(struct db *db, const char *path, int *v, int *no_table)
{
    *no_table = 0;
    int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    for (int immutable = 0; immutable < 2; immutable++) {
        if (immutable) {
            log_debug("no -wal file and no access to create one; reading immutable db=%s", path);
            sqlite3_close(db->h);
            char *uri = immutable_uri(path);
            rc = sqlite3_open_v2(uri, &db->h,
                                 SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
            free(uri);
        }
        if (rc == SQLITE_OK) {
            sqlite3_extended_result_codes(db->h, 1);
            sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
            *v = db_schema_version(db);
            rc = *v >= 0 ? SQLITE_OK : sqlite3_extended_errcode(db->h);
            if (rc != SQLITE_OK && strstr(sqlite3_errmsg(db->h), "no such table") != NULL) {
                *no_table = 1;
                *v = 0;
                return SQLITE_OK;
            }
        }
        if (!((rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY) ||
            exists(path, "-wal"))
            break;
    }
    return rc;
}

static void read_error(struct db *db, const char *path, int rc, char *err, size_t errsize)
{
    int access = (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_READONLY;
    snprintf(err, errsize, "%s: cannot read database: %s%s", path,
             db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc),
             access ? " (reading needs read access to the database and its -wal and -shm files, "
                      "or write access to its directory)"
                    : "");
}

static int open_readonly(struct db *db, const char *path, enum db_failure *why, char *err,
                         size_t errsize)
{
    int v = -1, no_table;
    int rc = connect_readonly(db, path, &v, &no_table);
    if (rc != SQLITE_OK) {
        read_error(db, path, rc, err, errsize);
        *why = is_busy(rc) ? DB_FAIL_BUSY : DB_FAIL_OTHER;
        return -1;
    }
    if (no_table) {
        snprintf(err, errsize, "%s: not a tlsrpt database (no schema_version table)", path);
        *why = DB_FAIL_OTHER;
        return -1;
    }
    int known = db_migrations[db_migration_count - 1].version;
    if (v > known) {
        newer_error(path, v, known, err, errsize);
        *why = DB_FAIL_NEWER;
        return -1;
    }
    if (v < known) {
        snprintf(err, errsize,
                 "%s: database schema version %d is older than this tlsrpt's (%d); a command "
                 "that writes (the collector, record, aggregate, send) upgrades it",
                 path, v, known);
        *why = DB_FAIL_OLDER;
        return -1;
    }
    return 0;
}

int db_schema_version_at(const char *path, char *err, size_t errsize)
{
    struct db db = {NULL, (char *)path, 0};
    int v = -1, no_table;
    int rc = connect_readonly(&db, path, &v, &no_table);
    if (rc != SQLITE_OK) {
        read_error(&db, path, rc, err, errsize);
        v = -1;
    }
    sqlite3_close(db.h);
    return v;
}

struct db *db_open_readonly(const char *path, enum db_failure *why, char *err, size_t errsize)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            snprintf(err, errsize, "no database at %s (has the collector run yet?)", path);
            *why = DB_FAIL_MISSING;
        } else {
            snprintf(err, errsize, "%s: %s", path, strerror(errno));
            *why = DB_FAIL_OTHER;
        }
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errsize, "%s: not a regular file", path);
        *why = DB_FAIL_OTHER;
        return NULL;
    }
    struct db *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(path);
    if (open_readonly(db, path, why, err, errsize) != 0) {
        db_close(db);
        return NULL;
    }
    *why = DB_FAIL_NONE;
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
