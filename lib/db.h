/* The database handle: opens SQLite in WAL mode and brings the schema up to date by applying
 * the migrations of schema/ (embedded at build time) in order, recording each in
 * schema_version. A database newer than this program is refused. */
#ifndef TLSRPT_DB_H
#define TLSRPT_DB_H

#include <sqlite3.h>
#include <stddef.h>

struct db_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct db_migration db_migrations[];
extern const int db_migration_count;

struct db;

/* Why an open failed; the command's exit code follows from it (cmd_open_db). */
enum db_failure {
    DB_FAIL_NONE,
    DB_FAIL_MISSING, /* no file (read-only opens only: writers create it) */
    DB_FAIL_NEWER,   /* schema newer than this program */
    DB_FAIL_OLDER,   /* schema older (read-only opens only: writers migrate) */
    DB_FAIL_BUSY,    /* locked by another process past the busy timeout */
    DB_FAIL_OTHER,
};

/* Opens (creating when needed) and migrates. Returns NULL with a message in err. */
struct db *db_open(const char *path, char *err, size_t errsize);
/* The same, with the reason of a failure in *why. */
struct db *db_open_rw(const char *path, enum db_failure *why, char *err, size_t errsize);
/* Opens an existing database read-only: never creates it, never migrates (a schema older or
 * newer than this program is refused), never writes; works for a user who may read the
 * database files but not write them or their directory. */
struct db *db_open_readonly(const char *path, enum db_failure *why, char *err, size_t errsize);
/* The schema version of the existing database at path, read as db_open_readonly does (0
 * when it has no schema_version table), or -1 with the reason in err. */
int db_schema_version_at(const char *path, char *err, size_t errsize);
/* Whether the last error, or a failed db_exec before it, was SQLITE_BUSY or SQLITE_LOCKED. */
int db_is_busy(struct db *db);
void db_close(struct db *db);
sqlite3 *db_sqlite(struct db *db);
const char *db_path(struct db *db);
int db_schema_version(struct db *db);

/* Runs SQL without results; logs and returns -1 on error. */
int db_exec(struct db *db, const char *sql);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK; 0 or -1 (logged). */
int db_begin(struct db *db);
int db_commit(struct db *db);
void db_rollback(struct db *db);
/* Prepares a statement; logs and returns NULL on error. */
sqlite3_stmt *db_prepare(struct db *db, const char *sql);
/* The last error message of the connection. */
const char *db_errmsg(struct db *db);

#endif
