/* One-line, one-write logging to stderr, the journal or a file. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char log_prog[64] = "tlsrpt";
static enum log_level log_min = LOG_LVL_INFO;
static int log_fd = 2;
static char *log_path;
static int log_journal;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* systemd sets JOURNAL_STREAM=dev:ino when stderr is connected to the journal. */
static int stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    struct stat st;
    unsigned long long dev, ino;
    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *progname)
{
    snprintf(log_prog, sizeof log_prog, "%s", progname);
    log_journal = stderr_is_journal();
}

void log_set_level(enum log_level min)
{
    log_min = min;
}

int log_open_file(const char *path)
{
    if (path == NULL || *path == '\0')
        return 0;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    pthread_mutex_lock(&log_lock);
    if (log_fd != 2)
        close(log_fd);
    log_fd = fd;
    free(log_path);
    log_path = strdup(path);
    log_journal = 0;
    pthread_mutex_unlock(&log_lock);
    return 0;
}

int log_reopen(void)
{
    if (log_path == NULL)
        return 0;
    char *path = strdup(log_path);
    int rc = path ? log_open_file(path) : -1;
    free(path);
    return rc;
}

static void log_write(int lvl, const char *fmt, va_list ap)
{
    static const char *const names[] = {"debug", "info", "warning", "error", "fatal"};
    static const char prio[] = {'7', '6', '4', '3', '2'};
    char line[4096];
    size_t o = 0;
    int saved = errno;

    if (log_journal) {
        o += (size_t)snprintf(line, sizeof line, "<%c>%s: ", prio[lvl], names[lvl]);
    } else if (log_path != NULL) {
        char ts[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        o += (size_t)snprintf(line, sizeof line, "%s %s[%ld]: %s: ", ts, log_prog, (long)getpid(),
                              names[lvl]);
    } else {
        o += (size_t)snprintf(line, sizeof line, "%s: %s: ", log_prog, names[lvl]);
    }
    errno = saved;
    int n = vsnprintf(line + o, sizeof line - o - 1, fmt, ap);
    if (n < 0)
        n = 0;
    o += (size_t)n;
    if (o > sizeof line - 2)
        o = sizeof line - 2; /* cut over-long lines rather than split them */
    line[o++] = '\n';

    pthread_mutex_lock(&log_lock);
    ssize_t w = write(log_fd, line, o);
    (void)w;
    pthread_mutex_unlock(&log_lock);
}

#define LOG_FN(name, lvl)                                                                          \
    void name(const char *fmt, ...)                                                                \
    {                                                                                              \
        if (lvl < log_min)                                                                         \
            return;                                                                                \
        va_list ap;                                                                                \
        va_start(ap, fmt);                                                                         \
        log_write(lvl, fmt, ap);                                                                   \
        va_end(ap);                                                                                \
    }

LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_warn, LOG_LVL_WARN)
LOG_FN(log_error, LOG_LVL_ERROR)

void log_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_write(LOG_LVL_ERROR + 1, fmt, ap);
    va_end(ap);
    exit(1);
}
