/* `tlsrpt collect`: the daemon. The receiver (main thread) reads datagrams and adds them to
 * in-memory counters; it never waits on SQLite, because the kernel queue holds only about 10
 * datagrams and the MTA's non-blocking sends are lost when it is full. A writer thread takes
 * the counters every flush_interval and commits them in one transaction, retrying (and
 * keeping them) while the database is busy, locked or full. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/commands.h"
#include "collector/counters.h"
#include "collector/ingest.h"
#include "collector/listener.h"
#include "collector/store.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/privdrop.h"

#define RECV_MAX (1024 * 1024)              /* above Linux's largest AF_UNIX datagram */
#define PENDING_MAX_BYTES (256u << 20)      /* uncommitted counters kept while the db fails */
#define REJECT_LOGS_PER_MINUTE 20
#define DUMPS_PER_MINUTE 60
#define SIGNAL_CHECK_EVERY 64               /* datagrams between signal checks under load */
#define SHUTDOWN_RETRY_MS 5000              /* commit retries after the stop signal */
#define SHUTDOWN_BUSY_MS 1000               /* busy timeout of each of those tries */

#define N_REASONS 16

struct collector {
    const struct config *cfg;
    struct listener listener;
    int sigfd;
    struct db *db;
    struct store *store;

    pthread_mutex_t lock;
    pthread_cond_t wake;
    struct counters current;        /* under lock: filled by the receiver */
    int stopping;                   /* under lock */
    uint64_t received, accepted, repaired, truncated;  /* under lock */
    uint64_t rejected[N_REASONS];                      /* under lock, by datagram_reasons */
    uint64_t log_suppressed;                           /* under lock */

    /* receiver only */
    time_t limit_window;
    int logs_in_window, dumps_in_window;
    unsigned long dump_seq;
    struct tls_result scratch;

    /* writer only */
    struct counters pending;
    uint64_t stored, lost, commit_failures;
    time_t next_summary;
};

static int reason_index(const char *reason)
{
    for (int i = 0; datagram_reasons[i] != NULL && i < N_REASONS; i++)
        if (strcmp(datagram_reasons[i], reason) == 0)
            return i;
    return 0;
}

static void dump_invalid(struct collector *c, const char *buf, size_t len, const char *reason)
{
    const char *dir = c->cfg->dump_invalid_dir;
    if (dir[0] == '\0' || c->dumps_in_window >= DUMPS_PER_MINUTE)
        return;
    c->dumps_in_window++;
    char path[4096], ts[32];
    time_t now = clock_now();
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    if (bfmt(path, sizeof path, "%s/%s-%ld-%lu-%s.dgram", dir, ts, (long)getpid(),
             ++c->dump_seq, reason) != 0)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_warn("cannot write rejected datagram path=%s error=\"%m\"", path);
        return;
    }
    ssize_t w = write(fd, buf, len);
    if (w < 0 || (size_t)w != len)
        log_warn("cannot write rejected datagram path=%s error=\"%m\"", path);
    close(fd);
}

/* Called with the lock held. */
static void rejected(struct collector *c, const char *buf, size_t len, const char *reason,
                     const char *message)
{
    c->rejected[reason_index(reason)]++;
    time_t now = clock_now();
    if (now - c->limit_window >= 60) {
        c->limit_window = now;
        c->logs_in_window = c->dumps_in_window = 0;
    }
    if (c->logs_in_window < REJECT_LOGS_PER_MINUTE) {
        char excerpt[300], detail[300];
        c->logs_in_window++;
        log_warn("datagram rejected reason=%s bytes=%zu detail=%s excerpt=%s", reason, len,
                 str_excerpt(detail, sizeof detail, message, strlen(message), 200),
                 str_excerpt(excerpt, sizeof excerpt, buf, len, 64));
    } else {
        c->log_suppressed++;
    }
    dump_invalid(c, buf, len, reason);
}

static void handle_datagram(struct collector *c, const char *buf, ssize_t n)
{
    struct datagram_error err;
    size_t repaired = 0;
    pthread_mutex_lock(&c->lock);
    c->received++;
    if (n > RECV_MAX) {
        c->truncated++;
        counters_add_outcome(&c->current, hour_floor(clock_now()), "truncated");
        rejected(c, buf, RECV_MAX, "truncated", "datagram larger than the receive buffer");
    } else if (ingest_bytes(&c->current, &c->scratch, clock_now(), buf, (size_t)n, &err,
                            &repaired) != 0) {
        rejected(c, buf, (size_t)n, err.reason, err.message);
    } else {
        c->accepted++;
        if (repaired) {
            c->repaired++;
            log_debug("datagram repaired invalid_utf8_bytes=%zu", repaired);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

static void summary(struct collector *c, const char *what)
{
    struct buf reasons = BUF_INIT;
    pthread_mutex_lock(&c->lock);
    uint64_t received = c->received, accepted = c->accepted, repaired = c->repaired;
    uint64_t suppressed = c->log_suppressed, rejected_total = 0;
    for (int i = 0; datagram_reasons[i] != NULL && i < N_REASONS; i++) {
        if (c->rejected[i] == 0)
            continue;
        rejected_total += c->rejected[i];
        buf_printf(&reasons, "%s%s:%llu", reasons.len ? "," : "", datagram_reasons[i],
                   (unsigned long long)c->rejected[i]);
    }
    pthread_mutex_unlock(&c->lock);
    log_info("%s received=%llu accepted=%llu stored=%llu pending=%llu rejected=%llu "
             "repaired=%llu lost=%llu commit_failures=%llu suppressed_logs=%llu reasons=%s",
             what, (unsigned long long)received, (unsigned long long)accepted,
             (unsigned long long)c->stored, (unsigned long long)c->pending.accepted,
             (unsigned long long)rejected_total, (unsigned long long)repaired,
             (unsigned long long)c->lost, (unsigned long long)c->commit_failures,
             (unsigned long long)suppressed, reasons.len ? reasons.data : "-");
    buf_free(&reasons);
}

/* Merges batch (if any) into the pending counters and tries to commit them. */
static int writer_flush(struct collector *c, struct counters *batch)
{
    if (batch != NULL) {
        if (counters_empty(&c->pending)) {
            c->pending = *batch;
        } else {
            counters_merge(&c->pending, batch);
            counters_free(batch);
        }
    }
    if (counters_empty(&c->pending))
        return 0;
    if (store_counters(c->store, &c->pending, "") == 0) {
        c->stored += c->pending.accepted;
        counters_free(&c->pending);
        return 0;
    }
    c->commit_failures++;
    if (counters_bytes(&c->pending) > PENDING_MAX_BYTES) {
        log_error("database unavailable too long; dropping uncommitted counters lost=%llu",
                  (unsigned long long)c->pending.accepted);
        c->lost += c->pending.accepted;
        counters_free(&c->pending);
    } else {
        log_warn("commit failed; keeping counters for the next try pending=%llu",
                 (unsigned long long)c->pending.accepted);
    }
    return -1;
}

static void *writer_main(void *arg)
{
    struct collector *c = arg;
    long interval = c->cfg->flush_interval_ms;
    /* The receiver must win the CPU when both want it: commits can wait, datagrams cannot. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    c->next_summary = clock_now() + c->cfg->summary_interval_ms / 1000;

    for (;;) {
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += interval / 1000;
        deadline.tv_nsec += (interval % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&c->lock);
        while (!c->stopping && pthread_cond_timedwait(&c->wake, &c->lock, &deadline) != ETIMEDOUT)
            ;
        int stopping = c->stopping;
        struct counters batch = c->current;
        counters_init(&c->current);
        pthread_mutex_unlock(&c->lock);
        if (stopping) /* a locked database must not hold up the stop for long */
            sqlite3_busy_timeout(db_sqlite(c->db), SHUTDOWN_BUSY_MS);

        writer_flush(c, &batch);
        if (clock_now() >= c->next_summary) {
            summary(c, "collector summary");
            c->next_summary = clock_now() + c->cfg->summary_interval_ms / 1000;
        }
        if (stopping)
            break;
    }
    /* Shutting down: keep trying for a while before giving up on what is pending, but stop
     * well within a service manager's stop timeout (systemd: 90 s), or a SIGKILL loses it
     * all without a word. */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!counters_empty(&c->pending)) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long elapsed_ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (elapsed_ms >= SHUTDOWN_RETRY_MS)
            break;
        usleep(250 * 1000);
        writer_flush(c, NULL);
    }
    if (!counters_empty(&c->pending)) {
        log_error("could not commit at shutdown lost=%llu",
                  (unsigned long long)c->pending.accepted);
        c->lost += c->pending.accepted;
        counters_free(&c->pending);
    }
    return NULL;
}

/* 1 when SIGTERM/SIGINT arrived; handles SIGHUP itself. Never blocks. */
static int check_signals(struct collector *c)
{
    struct signalfd_siginfo si;
    int stop = 0;
    while (read(c->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP) {
            if (log_reopen() != 0)
                log_error("cannot reopen log file error=\"%m\"");
            log_info("SIGHUP: log reopened");
        } else {
            log_info("%s: shutting down", strsignal((int)si.ssi_signo));
            stop = 1;
        }
    }
    return stop;
}

static void receive_loop(struct collector *c, char *buf)
{
    int since_check = 0;
    struct pollfd pfd[2] = {{.fd = c->listener.fd, .events = POLLIN},
                            {.fd = c->sigfd, .events = POLLIN}};
    for (;;) {
        if (++since_check >= SIGNAL_CHECK_EVERY) {
            since_check = 0;
            if (check_signals(c))
                return;
        }
        ssize_t n = recv(c->listener.fd, buf, RECV_MAX, MSG_DONTWAIT | MSG_TRUNC);
        if (n >= 0) {
            handle_datagram(c, buf, n);
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (check_signals(c))
                return;
            since_check = 0;
            if (poll(pfd, 2, -1) < 0 && errno != EINTR)
                log_error("poll failed error=\"%m\"");
            continue;
        }
        if (errno != EINTR) {
            log_error("recv failed error=\"%m\"");
            usleep(10000);
        }
    }
}

/* After the stop signal: take what the kernel already queued, so that no datagram a sender
 * saw accepted is lost. */
static void drain(struct collector *c, char *buf)
{
    listener_stop_intake(&c->listener);
    ssize_t n;
    /* Until EAGAIN: a 0-byte datagram is input too (and is rejected as empty). */
    while ((n = recv(c->listener.fd, buf, RECV_MAX, MSG_DONTWAIT | MSG_TRUNC)) >= 0)
        handle_datagram(c, buf, n);
}

static int block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    /* Blocked before the writer thread exists, so it inherits the mask. */
    return pthread_sigmask(SIG_BLOCK, set, NULL);
}

static const char usage_text[] = "collect [--socket PATH]";

int cmd_collect(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"socket", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    const char *socket_path = cfg->socket;
    int opt;
    while ((opt = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        if (opt == 's')
            socket_path = optarg;
        else if (opt == 'h')
            return printf("usage: tlsrpt [global options] %s\n", usage_text), EXIT_OK;
        else
            return cmd_usage(usage_text, NULL);
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (cfg->log_file[0] != '\0' && log_open_file(cfg->log_file) != 0) {
        log_error("cannot open log_file=%s error=\"%m\"", cfg->log_file);
        return EXIT_ERROR;
    }

    struct collector *c = xcalloc(1, sizeof *c);
    int rc = EXIT_ERROR;
    sigset_t set;
    pthread_t writer;
    int writer_started = 0;
    char *buf = NULL;
    c->cfg = cfg;
    c->listener.fd = -1;
    c->sigfd = -1;
    counters_init(&c->current);
    counters_init(&c->pending);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);

    if (block_signals(&set) != 0 || (c->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
        log_error("cannot set up signal handling error=\"%m\"");
        goto out;
    }
    if (listener_open(&c->listener, cfg, socket_path) != 0)
        goto out;
    if (privdrop_to_user(cfg->user) != 0)
        goto out;
    if ((c->db = cmd_open_db(cfg)) == NULL || (c->store = store_new(c->db)) == NULL)
        goto out;
    if (pthread_create(&writer, NULL, writer_main, c) != 0) {
        log_error("cannot start the writer thread");
        goto out;
    }
    writer_started = 1;
    buf = xmalloc(RECV_MAX + 1);
    log_info("collector started socket=%s%s db=%s flush_interval=%ldms",
             c->listener.path[0] ? c->listener.path : "?",
             c->listener.from_systemd ? " (from systemd)" : "", cfg->database,
             cfg->flush_interval_ms);

    receive_loop(c, buf);
    drain(c, buf);
    rc = EXIT_OK;

out:
    if (writer_started) {
        pthread_mutex_lock(&c->lock);
        c->stopping = 1;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(writer, NULL);
        summary(c, "collector stopped");
        if (c->lost)
            rc = EXIT_ERROR;
    }
    listener_close(&c->listener);
    if (c->sigfd >= 0)
        close(c->sigfd);
    store_free(c->store);
    db_close(c->db);
    counters_free(&c->current);
    counters_free(&c->pending);
    counters_thread_done();
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    free(buf);
    free(c);
    return rc;
}
