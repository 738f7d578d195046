/* The outbox directory. */
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
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

/* Name fitting: a name is parts joined by '!' plus a suffix. */
#define NAME_PARTS 8
#define HASH_TAIL 17 /* '~' and 16 hex digits */
#define PART_MIN 24  /* a shortened part keeps at least 7 bytes of its text */

struct name_parts {
    char *v[NAME_PARTS];
    const char *orig[NAME_PARTS]; /* what the hash is taken of */
    int shortened[NAME_PARTS];
    size_t n;
};

static uint64_t fnv1a64(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Splits base at '!' (the last part takes what is left past NAME_PARTS - 1 fields). */
static void parts_split(struct name_parts *p, const char *base, size_t len)
{
    const char *cur = base, *end = base + len;
    while (p->n < NAME_PARTS - 1) {
        const char *bang = memchr(cur, '!', (size_t)(end - cur));
        if (bang == NULL)
            break;
        p->v[p->n++] = xstrndup(cur, (size_t)(bang - cur));
        cur = bang + 1;
    }
    p->v[p->n++] = xstrndup(cur, (size_t)(end - cur));
}

static size_t parts_len(const struct name_parts *p, size_t suffix)
{
    size_t total = suffix + (p->n - 1);
    for (size_t i = 0; i < p->n; i++)
        total += strlen(p->v[i]);
    return total;
}

/* Shortens parts until the name fits OUTBOX_NAME_MAX: part `first` (or none: SIZE_MAX)
 * before the others, then the longest one, each at most once and to no less than PART_MIN. */
static void parts_fit(struct name_parts *p, size_t first, size_t suffix)
{
    size_t total;
    while ((total = parts_len(p, suffix)) > OUTBOX_NAME_MAX) {
        size_t pick = SIZE_MAX, best = PART_MIN;
        if (first < p->n && !p->shortened[first] && strlen(p->v[first]) > PART_MIN)
            pick = first;
        if (pick == SIZE_MAX)
            for (size_t i = 0; i < p->n; i++)
                if (!p->shortened[i] && strlen(p->v[i]) > best) {
                    best = strlen(p->v[i]);
                    pick = i;
                }
        if (pick == SIZE_MAX)
            return; /* cannot happen with NAME_PARTS x PART_MIN < OUTBOX_NAME_MAX */
        size_t len = strlen(p->v[pick]), excess = total - OUTBOX_NAME_MAX;
        size_t keep = (len > excess + PART_MIN ? len - excess : PART_MIN) - HASH_TAIL;
        char tail[HASH_TAIL + 1];
        snprintf(tail, sizeof tail, "~%016llx",
                 (unsigned long long)fnv1a64(p->orig[pick] ? p->orig[pick] : p->v[pick]));
        char *v = xmalloc(keep + sizeof tail);
        memcpy(v, p->v[pick], keep);
        memcpy(v + keep, tail, sizeof tail);
        free(p->v[pick]);
        p->v[pick] = v;
        p->shortened[pick] = 1;
    }
}

static void parts_join(struct name_parts *p, const char *suffix, char *out, size_t size)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < p->n; i++) {
        if (i)
            buf_putc(&b, '!');
        buf_puts(&b, p->v[i]);
        free(p->v[i]);
    }
    buf_puts(&b, suffix);
    bcopy_str(out, size, b.data);
    buf_free(&b);
}

static size_t base_len(const char *filename)
{
    size_t flen = strlen(filename);
    return flen > 8 && strcmp(filename + flen - 8, ".json.gz") == 0 ? flen - 8 : flen;
}

void outbox_report_name(const char *filename, char *out, size_t size)
{
    struct name_parts p = {0};
    size_t blen = base_len(filename);
    parts_split(&p, filename, blen);
    parts_fit(&p, SIZE_MAX, strlen(filename + blen));
    parts_join(&p, filename + blen, out, size);
}

void outbox_eml_name(const char *filename, const char *rcpt, char *out, size_t size)
{
    struct name_parts p = {0};
    parts_split(&p, filename, base_len(filename));
    if (p.n == NAME_PARTS) { /* room for the recipient: fold the last two fields */
        char *last = p.v[--p.n];
        struct buf b = BUF_INIT;
        buf_printf(&b, "%s!%s", p.v[p.n - 1], last);
        free(last);
        free(p.v[p.n - 1]);
        p.v[p.n - 1] = xstrdup(b.data);
        buf_free(&b);
    }
    char *r = xstrdup(rcpt);
    for (char *c = r; *c; c++) {
        int ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                 (*c >= '0' && *c <= '9') || *c == '.' || *c == '@' || *c == '_' || *c == '+' ||
                 *c == '-';
        if (!ok)
            *c = '_';
    }
    p.orig[p.n] = rcpt; /* distinct recipients stay distinct, whatever '_' replaced */
    p.v[p.n++] = r;
    parts_fit(&p, p.n - 1, 4);
    parts_join(&p, ".eml", out, size);
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
