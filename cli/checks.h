/* The checks of check-config (and send --check): each prints one line, "ok", "warning" or "error",
 * naming the config key and the path, and counts the warnings and errors. No check changes
 * anything or touches the network; permissions are those of the user running the check. */
#ifndef TLSRPT_CHECKS_H
#define TLSRPT_CHECKS_H

#include <stdio.h>
#include <sys/types.h>

struct checks {
    FILE *out;
    int errors, warnings;
};

void checks_ok(struct checks *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void checks_warn(struct checks *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void checks_error(struct checks *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How a secret's permission bits are judged: others may neither read nor write it; a group
 * that can read or write it draws a warning. Pure. */
enum checks_secret_mode { SECRET_PRIVATE, SECRET_GROUP_ACCESS, SECRET_OTHERS_ACCESS };
enum checks_secret_mode checks_secret_mode(mode_t mode);

/* A secret file (DKIM key, SMTP password): a readable regular file with private permissions.
 * On success returns its contents (free them), else NULL (the error is printed). */
char *checks_secret_file(struct checks *c, const char *key, const char *path);
/* A CA bundle: readable, with at least one PEM certificate. */
void checks_ca_file(struct checks *c, const char *key, const char *path);
/* A directory we must write to. When it is missing but its nearest existing ancestor is
 * writable: a warning (missing_note says who creates it), otherwise an error. */
void checks_dir(struct checks *c, const char *key, const char *path, const char *missing_note);
/* The SQLite database: an existing file must be a SQLite database of a schema version this
 * program knows, readable and writable, in a writable directory (WAL needs -wal and -shm next
 * to it); a missing file must be creatable. */
void checks_database(struct checks *c, const char *path);
/* The collector socket: path length, its directory, a live collector on it. */
void checks_socket(struct checks *c, const char *path);
/* The first word of a command line is an executable file. */
void checks_command(struct checks *c, const char *key, const char *command);

/* The reporting host's keys: [report], [dkim] (the key signs: reporter/dkim.c, as `send`
 * uses it) and [delivery] (transport, secrets, CA files, dns_servers, outbox). What
 * `tlsrpt send --check` runs (cli/checks_reporter.c). */
struct config;
void checks_reporter(struct checks *c, const struct config *cfg);

#endif
