/* File-system checks for check-config. */
#include "checks.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "lib/db.h"

#define SECRET_MAX (64 * 1024)
#define CA_MAX (16 * 1024 * 1024)

static void line(struct checks *c, const char *tag, const char *fmt, va_list ap)
{
    fprintf(c->out, "%s: ", tag);
    vfprintf(c->out, fmt, ap);
    fputc('\n', c->out);
}

void checks_ok(struct checks *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(c, "ok", fmt, ap);
    va_end(ap);
}

void checks_warn(struct checks *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(c, "warning", fmt, ap);
    va_end(ap);
    c->warnings++;
}

void checks_error(struct checks *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    line(c, "error", fmt, ap);
    va_end(ap);
    c->errors++;
}

enum checks_secret_mode checks_secret_mode(mode_t mode)
{
    if (mode & (S_IROTH | S_IWOTH))
        return SECRET_OTHERS_ACCESS;
    if (mode & (S_IRGRP | S_IWGRP))
        return SECRET_GROUP_ACCESS;
    return SECRET_PRIVATE;
}

/* Reads at most max bytes of a regular file; NULL with errno (EFBIG when larger). */
static char *slurp(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct buf b = BUF_INIT;
    char chunk[8192];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0) {
        if (b.len + (size_t)n > max) {
            buf_free(&b);
            close(fd);
            errno = EFBIG;
            return NULL;
        }
        buf_append(&b, chunk, (size_t)n);
    }
    int saved = errno;
    close(fd);
    if (n < 0) {
        buf_free(&b);
        errno = saved;
        return NULL;
    }
    *len = b.len;
    buf_putc(&b, '\0');
    return buf_steal(&b);
}

char *checks_secret_file(struct checks *c, const char *key, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        checks_error(c, "%s %s: %s", key, path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        checks_error(c, "%s %s: not a regular file", key, path);
        return NULL;
    }
    unsigned mode = (unsigned)(st.st_mode & 07777);
    switch (checks_secret_mode(st.st_mode)) {
    case SECRET_OTHERS_ACCESS:
        checks_error(c, "%s %s: readable or writable by others (mode %04o); refusing to use it "
                        "(chmod o-rwx)", key, path, mode);
        return NULL;
    case SECRET_GROUP_ACCESS:
        checks_warn(c, "%s %s: the group can %s it (mode %04o)", key, path,
                    (st.st_mode & S_IWGRP) ? "read or write" : "read", mode);
        break;
    case SECRET_PRIVATE:
        break;
    }
    size_t len;
    char *text = slurp(path, SECRET_MAX, &len);
    if (text == NULL) {
        checks_error(c, "%s %s: cannot read: %s", key, path, strerror(errno));
        return NULL;
    }
    if (len == 0 || strlen(text) != len) {
        checks_error(c, "%s %s: %s", key, path, len ? "holds NUL bytes" : "is empty");
        free(text);
        return NULL;
    }
    return text;
}

void checks_ca_file(struct checks *c, const char *key, const char *path)
{
    size_t len;
    char *text = slurp(path, CA_MAX, &len);
    if (text == NULL) {
        checks_error(c, "%s %s: cannot read: %s", key, path, strerror(errno));
        return;
    }
    int certs = 0;
    for (const char *p = text; (p = strstr(p, "-----BEGIN CERTIFICATE-----")) != NULL; p++)
        certs++;
    if (certs == 0)
        checks_error(c, "%s %s: no PEM certificate in it", key, path);
    else
        checks_ok(c, "%s %s: %d certificate%s", key, path, certs, certs == 1 ? "" : "s");
    free(text);
}

/* Copies the directory part of path ("." when there is none). */
static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        bcopy_str(out, size, ".");
    else if (slash == path)
        bcopy_str(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* A directory that is missing: can it be created? When its nearest existing ancestor is
 * writable, a warning (required: an error saying to create it), otherwise an error. */
static void dir_missing(struct checks *c, const char *key, const char *path,
                        const char *missing_note, int required)
{
    struct stat st;
    char anc[4096];
    bcopy_str(anc, sizeof anc, path);
    for (;;) {
        char up[4096];
        dir_of(anc, up, sizeof up);
        if (strcmp(up, anc) == 0)
            break;
        bcopy_str(anc, sizeof anc, up);
        if (stat(anc, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
            break;
    }
    if (stat(anc, &st) == 0 && S_ISDIR(st.st_mode) && access(anc, W_OK | X_OK) == 0) {
        if (required)
            checks_error(c, "%s %s: directory does not exist; create it, owned by the service "
                            "user (%s)", key, path, missing_note);
        else
            checks_warn(c, "%s %s: directory does not exist yet (%s)", key, path, missing_note);
    } else {
        checks_error(c, "%s %s: directory does not exist and cannot be created (%s is %s)", key,
                     path, anc,
                     stat(anc, &st) != 0 ? strerror(errno)
                     : !S_ISDIR(st.st_mode) ? "not a directory"
                                            : "not writable");
    }
}

void checks_dir(struct checks *c, const char *key, const char *path, const char *missing_note)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            checks_error(c, "%s %s: not a directory", key, path);
        else if (access(path, W_OK | X_OK) != 0)
            checks_error(c, "%s %s: directory not writable: %s", key, path, strerror(errno));
        else
            checks_ok(c, "%s %s: writable directory", key, path);
        return;
    }
    if (errno != ENOENT && errno != ENOTDIR) {
        checks_error(c, "%s %s: %s", key, path, strerror(errno));
        return;
    }
    dir_missing(c, key, path, missing_note, 0);
}

void checks_database(struct checks *c, const char *path)
{
    static const char key[] = "[storage] database";
    char dir[4096];
    struct stat st;
    if (path[0] == '\0') {
        checks_error(c, "%s: must not be empty", key);
        return;
    }
    dir_of(path, dir, sizeof dir);
    if (stat(path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            checks_error(c, "%s %s: %s", key, path, strerror(errno));
            return;
        }
        /* tlsrpt creates the file, never its directory: a missing one stops the collector. */
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0)
            checks_ok(c, "%s %s: does not exist yet; will be created", key, path);
        else if (stat(dir, &st) != 0 && (errno == ENOENT || errno == ENOTDIR))
            dir_missing(c, key, dir,
                        "mkdir -p and chown, or let systemd's StateDirectory=tlsrpt or "
                        "tmpfiles.d create it; tlsrpt does not", 1);
        else
            checks_dir(c, key, dir, "");
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        checks_error(c, "%s %s: not a regular file", key, path);
        return;
    }
    char head[16];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        checks_error(c, "%s %s: not readable: %s", key, path, strerror(errno));
        return;
    }
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    /* An empty file is a database SQLite has not written to yet. */
    if (n != 0 && (n != (ssize_t)sizeof head || memcmp(head, "SQLite format 3", 16) != 0)) {
        checks_error(c, "%s %s: not a SQLite database", key, path);
        return;
    }
    if (access(path, R_OK | W_OK) != 0) {
        checks_error(c, "%s %s: not writable: %s", key, path, strerror(errno));
        return;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        checks_error(c, "%s %s: directory %s not writable (SQLite creates the -wal and -shm files "
                        "there): %s", key, path, dir, strerror(errno));
        return;
    }
    char why[256] = "";
    int known = db_migrations[db_migration_count - 1].version;
    int v = db_schema_version_at(path, why, sizeof why);
    if (v < 0)
        checks_error(c, "%s %s: cannot read the schema version: %s", key, path, why);
    else if (v > known)
        checks_error(c, "%s %s: schema version %d is newer than this tlsrpt knows (%d)", key, path,
                     v, known);
    else if (v < known)
        checks_ok(c, "%s %s: writable; schema version %d, migrated to %d on next use", key, path,
                  v, known);
    else
        checks_ok(c, "%s %s: writable; schema version %d", key, path, v);
}

/* Whether we may unlink the socket sock (stat of it) in dir, as the collector does before it
 * binds: dir writable, and in a sticky directory the socket or the directory is ours. */
static int stale_replaceable(const char *dir, const struct stat *sock)
{
    struct stat d;
    uid_t me = geteuid();
    if (access(dir, W_OK | X_OK) != 0 || stat(dir, &d) != 0)
        return 0;
    return !(d.st_mode & S_ISVTX) || me == 0 || sock->st_uid == me || d.st_uid == me;
}

void checks_socket(struct checks *c, const char *path)
{
    static const char key[] = "[collector] socket";
    struct sockaddr_un sa;
    char dir[4096];
    struct stat st;
    if (path[0] != '/' || strlen(path) >= sizeof sa.sun_path) {
        checks_error(c, "%s %s: must be an absolute path shorter than %zu bytes", key, path,
                     sizeof sa.sun_path);
        return;
    }
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            checks_error(c, "%s %s: exists and is not a socket", key, path);
            return;
        }
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        int live = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
        int probe_errno = errno;
        if (fd >= 0)
            close(fd);
        /* As the collector judges it (collector/listener.c): only "connection refused" is a
         * stale socket; another error makes the collector refuse to start. */
        if (!live && probe_errno != ECONNREFUSED) {
            checks_error(c, "%s %s: cannot probe the socket: %s; the collector would refuse to "
                            "start (check the socket's owner and mode, or remove it)", key, path,
                         strerror(probe_errno));
            return;
        }
        dir_of(path, dir, sizeof dir);
        if (live)
            checks_ok(c, "%s %s: a collector is listening", key, path);
        else if (stale_replaceable(dir, &st))
            checks_ok(c, "%s %s: stale socket; the collector replaces it when it starts", key,
                      path);
        else
            checks_error(c, "%s %s: stale socket that this user cannot replace (the directory %s "
                            "is not writable, or sticky and the socket not ours); remove it "
                            "(rm %s) or give the directory to the service user", key, path, dir,
                         path);
        return;
    }
    dir_of(path, dir, sizeof dir);
    checks_dir(c, key, dir,
               "the socket unit tlsrpt-collector.socket or tmpfiles.d create it for systemd; "
               "create it before running the collector by hand");
}

void checks_command(struct checks *c, const char *key, const char *command)
{
    char word[4096];
    const char *cur = command;
    while (*cur == ' ' || *cur == '\t')
        cur++;
    size_t n = strcspn(cur, " \t");
    if (n == 0 || n >= sizeof word) {
        checks_error(c, "%s: no command", key);
        return;
    }
    snprintf(word, sizeof word, "%.*s", (int)n, cur);
    if (word[0] != '/') {
        checks_error(c, "%s %s: give the command's absolute path", key, word);
        return;
    }
    struct stat st;
    if (stat(word, &st) != 0 || !S_ISREG(st.st_mode) || access(word, X_OK) != 0)
        checks_error(c, "%s %s: not an executable file", key, word);
    else
        checks_ok(c, "%s %s: executable", key, word);
}
