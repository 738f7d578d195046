/* The outbox directory. */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"

int outbox_check(const char *transport, const char *dir, char *err, size_t errsize)
{
    struct stat st;
    if (dir[0] == '\0') {
        if (strcmp(transport, "outbox") != 0)
            return 0;
        snprintf(err, errsize, "[delivery] outbox: required when [delivery] transport = outbox");
        return -1;
    }
    if (stat(dir, &st) != 0) {
        snprintf(err, errsize, "[delivery] outbox %s: %s (create it)", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errsize, "[delivery] outbox %s: not a directory", dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errsize, "[delivery] outbox %s: not writable: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

void outbox_eml_name(const char *filename, const char *rcpt, char *out, size_t size)
{
    struct buf b = BUF_INIT;
    size_t flen = strlen(filename);
    if (flen > 8 && strcmp(filename + flen - 8, ".json.gz") == 0)
        flen -= 8;
    buf_append(&b, filename, flen);
    buf_putc(&b, '!');
    for (const char *p = rcpt; *p; p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '@' || c == '_' || c == '+' || c == '-';
        buf_putc(&b, ok ? c : '_');
    }
    buf_puts(&b, ".eml");
    bcopy_str(out, size, b.data);
    buf_free(&b);
}

int outbox_write(const char *dir, const char *name, const void *data, size_t len, char *path,
                 size_t pathsize, char *err, size_t errsize)
{
    char tmp[4096];
    if (strchr(name, '/') != NULL || name[0] == '.' ||
        bfmt(path, pathsize, "%s/%s", dir, name) != 0 ||
        bfmt(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) != 0) {
        snprintf(err, errsize, "outbox: bad file name");
        return -1;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0) {
        snprintf(err, errsize, "outbox %s: %s", dir, strerror(errno));
        return -1;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errsize, "outbox %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errsize, "outbox %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
