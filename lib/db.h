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

/* Opens (creating when needed) and migrates. Returns NULL with a message in err. */
struct db *db_open(const char *path, char *err, size_t errsize);
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
