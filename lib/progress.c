/* A live count-and-rate line on a terminal, a summary log line everywhere. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

#define REDRAW_MS 200

struct progress {
    char what[64];
    uint64_t total, done;
    int fd, tty;
    uint64_t (*now_ms)(void);
    uint64_t start_ms, drawn_ms;
    int drawn;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t rate_per_s(uint64_t done, uint64_t elapsed_ms)
{
    return elapsed_ms ? done * 1000 / elapsed_ms : done;
}

void progress_format(char *out, size_t size, const char *what, uint64_t done, uint64_t total,
                     uint64_t elapsed_ms)
{
    unsigned long long rate = rate_per_s(done, elapsed_ms);
    if (total > 0)
        snprintf(out, size, "%s: %llu/%llu (%llu%%) %llu/s", what, (unsigned long long)done,
                 (unsigned long long)total, (unsigned long long)(done * 100 / total), rate);
    else
        snprintf(out, size, "%s: %llu %llu/s", what, (unsigned long long)done, rate);
}

struct progress *progress_begin_on(const char *what, uint64_t total, int fd, int tty,
                                   uint64_t (*now_ms)(void))
{
    struct progress *p = xcalloc(1, sizeof *p);
    snprintf(p->what, sizeof p->what, "%s", what);
    p->total = total;
    p->fd = fd;
    p->tty = tty;
    p->now_ms = now_ms ? now_ms : monotonic_ms;
    p->start_ms = p->now_ms();
    return p;
}

struct progress *progress_begin(const char *what, uint64_t total)
{
    return progress_begin_on(what, total, STDERR_FILENO, isatty(STDERR_FILENO), NULL);
}

static void put(struct progress *p, const char *s)
{
    size_t len = strlen(s);
    ssize_t w = write(p->fd, s, len); /* best effort: progress never fails a run */
    (void)w;
}

void progress_add(struct progress *p, uint64_t n)
{
    if (p == NULL)
        return;
    p->done += n;
    if (!p->tty)
        return;
    uint64_t now = p->now_ms();
    if (p->drawn && now - p->drawn_ms < REDRAW_MS)
        return;
    char line[160];
    progress_format(line + 1, sizeof line - 8, p->what, p->done, p->total, now - p->start_ms);
    line[0] = '\r';
    strcat(line, "\033[K"); /* erase what a longer previous line left */
    put(p, line);
    p->drawn = 1;
    p->drawn_ms = now;
}

void progress_end(struct progress *p)
{
    if (p == NULL)
        return;
    uint64_t elapsed = p->now_ms() - p->start_ms;
    if (p->tty && p->drawn)
        put(p, "\r\033[K");
    log_info("%s done count=%llu seconds=%llu.%llu rate=%llu/s", p->what,
             (unsigned long long)p->done, (unsigned long long)(elapsed / 1000),
             (unsigned long long)(elapsed % 1000 / 100),
             (unsigned long long)rate_per_s(p->done, elapsed));
    free(p);
}
