/* lib/progress.c: the line's text, redraw throttling on a terminal, silence without one, and
 * the summary log line. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/progress.h"
#include "tests/unit/unit.h"

static uint64_t fake_ms;
static uint64_t fake_clock(void)
{
    return fake_ms;
}

static const struct {
    const char *name, *what;
    uint64_t done, total, elapsed_ms;
    const char *want;
} formats[] = {
    {"format: known total, percent and rate", "aggregate", 250, 1000, 500,
     "aggregate: 250/1000 (25%) 500/s"},
    {"format: unknown total", "send", 42, 0, 2000, "send: 42 21/s"},
    {"format: no time elapsed yet", "send", 7, 0, 0, "send: 7 7/s"},
    {"format: done equals total", "aggregate", 3, 3, 1000, "aggregate: 3/3 (100%) 3/s"},
};

/* Reads what is buffered in a non-blocking pipe. */
static size_t drain(int fd, char *out, size_t size)
{
    ssize_t n = read(fd, out, size - 1);
    if (n < 0)
        n = 0;
    out[n] = '\0';
    return (size_t)n;
}

static int count(const char *s, char c)
{
    int n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

int main(void)
{
    char buf[4096];
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        progress_format(buf, sizeof buf, formats[i].what, formats[i].done, formats[i].total,
                        formats[i].elapsed_ms);
        UNIT_STR_EQ(formats[i].name, formats[i].want, buf);
    }

    char logpath[] = "/tmp/test_progress.XXXXXX";
    int logfd = mkstemp(logpath);
    log_init("test");
    UNIT_CHECK("log file opened", logfd >= 0 && log_open_file(logpath) == 0, "%s", logpath);

    int pfd[2];
    if (pipe2(pfd, O_NONBLOCK) != 0)
        return 1;

    /* A terminal: the first add draws, adds within 200 ms do not, a later one does. */
    fake_ms = 1000;
    struct progress *p = progress_begin_on("aggregate", 100, pfd[1], 1, fake_clock);
    progress_add(p, 10);
    fake_ms = 1100;
    progress_add(p, 10);
    fake_ms = 1300;
    progress_add(p, 30);
    drain(pfd[0], buf, sizeof buf);
    UNIT_CHECK("tty: two redraws for three adds within 300 ms", count(buf, '\r') == 2, "got [%s]",
               buf);
    UNIT_CHECK("tty: the last redraw shows count, percent and rate",
               strstr(buf, "\raggregate: 50/100 (50%) 166/s\033[K") != NULL, "got [%s]", buf);
    fake_ms = 3000;
    progress_end(p);
    drain(pfd[0], buf, sizeof buf);
    UNIT_STR_EQ("tty: end erases the live line", "\r\033[K", buf);

    /* Not a terminal: nothing at all on the fd. */
    fake_ms = 0;
    p = progress_begin_on("send", 0, pfd[1], 0, fake_clock);
    for (int i = 0; i < 1000; i++)
        progress_add(p, 1);
    fake_ms = 4000;
    progress_end(p);
    UNIT_CHECK("no tty: nothing drawn", drain(pfd[0], buf, sizeof buf) == 0, "got [%s]", buf);

    /* The summary lines went to the log. */
    lseek(logfd, 0, SEEK_SET);
    ssize_t n = read(logfd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    UNIT_CHECK("summary: tty run logged",
               strstr(buf, "info: aggregate done count=50 seconds=2.0 rate=25/s\n") != NULL,
               "log [%s]", buf);
    UNIT_CHECK("summary: non-tty run logged",
               strstr(buf, "info: send done count=1000 seconds=4.0 rate=250/s\n") != NULL,
               "log [%s]", buf);

    progress_add(NULL, 1); /* a caller without progress may pass NULL */
    progress_end(NULL);
    close(logfd);
    unlink(logpath);
    return unit_status();
}
