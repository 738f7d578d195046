/* `tlsrpt collect`: the daemon (see collector.h for its three threads). This file holds the
 * command, the receiver loop (socket -> ring), the parser loop (ring -> counters) and the
 * orderly shutdown: on SIGTERM/SIGINT the socket stops taking datagrams (senders get an
 * error, not a silent loss), the kernel queue is drained, the parser empties the ring, and
 * the writer commits everything before the process exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli/commands.h"
#include "collector/collector.h"
#include "collector/recv_batch.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/privdrop.h"

#define RECV_MAX (1024 * 1024)      /* above Linux's largest AF_UNIX datagram */
#define RING_BYTES (8u << 20)       /* ~12,000 typical datagrams of backlog, over all rings */
#define RECV_TIMEOUT_MS 200         /* how long a blocked recv() waits before checking signals */
#define SIGNAL_CHECK_EVERY 64       /* datagrams between signal checks under load */
#define EXCERPT_BYTES 64            /* what a truncated datagram keeps for its log line */
#define REJECT_LOGS_PER_MINUTE 20
#define DUMPS_PER_MINUTE 60
#define FLAG_TRUNCATED 1u

static int reason_index(const char *reason)
{
    for (int i = 0; datagram_reasons[i] != NULL && i < COLLECTOR_REASONS; i++)
        if (strcmp(datagram_reasons[i], reason) == 0)
            return i;
    return 0;
}

/* ---- parser thread ---------------------------------------------------------------------- */

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

/* Called with the lock held. Logs are rate-limited; the summary counts what was not logged. */
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
                 str_excerpt(excerpt, sizeof excerpt, buf, len, EXCERPT_BYTES));
    } else {
        c->log_suppressed++;
    }
    dump_invalid(c, buf, len, reason);
}

/* Parses outside the lock (the other parser and the writer go on meanwhile), then counts
 * under the hour the datagram was received in. */
static void parse_one(struct collector_parser *p, const char *buf, size_t len, uint32_t flags,
                      time_t received)
{
    struct collector *c = p->c;
    struct datagram_error err;
    struct ingest_prepared prep;
    int rc = (flags & FLAG_TRUNCATED) ? -1 : ingest_prepare(p->ingest, buf, len, &prep, &err);
    pthread_mutex_lock(&c->lock);
    if (counters_bytes(&c->current) > COLLECTOR_BATCH_MAX_BYTES) {
        c->flush_now = 1; /* commit now rather than at the end of the interval */
        pthread_cond_signal(&c->wake);
        while (counters_bytes(&c->current) > COLLECTOR_BATCH_MAX_BYTES)
            pthread_cond_wait(&c->drained, &c->lock);
    }
    if (flags & FLAG_TRUNCATED) {
        counters_add_outcome(&c->current, hour_floor(received), "truncated");
        rejected(c, buf, len, "truncated", "datagram larger than the receive buffer");
    } else if (rc != 0) {
        counters_add_outcome(&c->current, hour_floor(received), err.reason);
        rejected(c, buf, len, err.reason, err.message);
    } else {
        ingest_count(&c->current, received, &prep);
        c->accepted++;
        c->nodpv += prep.nodpv != 0;
        if (prep.repaired) {
            c->repaired++;
            log_debug("datagram repaired invalid_utf8_bytes=%zu", prep.repaired);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void *collector_parser_main(void *arg)
{
    struct collector_parser *p = arg;
    /* Below the receiver: a receiver that wakes must get the CPU at once, or the kernel's
     * queue of about 10 datagrams overflows; the ring lets parsing wait. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), COLLECTOR_PARSER_NICE);
    const void *data;
    size_t len;
    uint32_t flags;
    int64_t received;
    while ((data = ring_peek(p->ring, &len, &flags, &received)) != NULL) {
        parse_one(p, data, len, flags, (time_t)received);
        ring_pop(p->ring);
    }
    counters_thread_done();
    return NULL;
}

/* ---- receiver (main thread) ------------------------------------------------------------- */

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

/* To the parser with the least backlog (ties alternate), so that a parser that lost its CPU
 * for a while does not hold the receiver up. */
void collector_receive(struct collector *c, const char *buf, ssize_t n)
{
    time_t received = clock_now();
    atomic_fetch_add(&c->received, 1);
    uint32_t flags = 0;
    if (n > RECV_MAX) {
        flags = FLAG_TRUNCATED;
        n = EXCERPT_BYTES;
    }
    unsigned best = c->next_ring++ % COLLECTOR_PARSERS;
    size_t least = ring_used(c->parsers[best].ring);
    for (unsigned i = 0; i < COLLECTOR_PARSERS && least > 0; i++) {
        size_t used = ring_used(c->parsers[i].ring);
        if (used < least) {
            least = used;
            best = i;
        }
    }
    if (ring_push(c->parsers[best].ring, buf, (size_t)n, flags, (int64_t)received))
        atomic_fetch_add(&c->ring_waits, 1);
}

static void receive_batch(struct collector *c, const struct recv_batch *b, int n)
{
    for (int i = 0; i < n; i++) {
        ssize_t len;
        const char *data = recv_batch_get(b, i, &len);
        collector_receive(c, data, len);
    }
}

static void receive_loop(struct collector *c, struct recv_batch *b)
{
    int since_check = 0;
    for (;;) {
        int n = recv_batch_read(b, c->listener.fd, 0);
        if (n > 0) {
            receive_batch(c, b, n);
            if ((since_check += n) < SIGNAL_CHECK_EVERY)
                continue;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            log_error("recv failed error=\"%m\"");
            usleep(10000);
        }
        since_check = 0;
        if (check_signals(c))
            return;
    }
}

/* After the stop signal: take what the kernel already queued, so that no datagram a sender
 * saw accepted is lost. An inherited (systemd) socket is not shut: systemd keeps it, and
 * whatever arrives later waits in it for the next start. */
static void drain(struct collector *c, struct recv_batch *b)
{
    listener_stop_intake(&c->listener);
    int n;
    /* Until EAGAIN: a 0-byte datagram is input too (and is rejected as empty). */
    while ((n = recv_batch_read(b, c->listener.fd, 1)) > 0)
        receive_batch(c, b, n);
}

/* ---- the command ------------------------------------------------------------------------ */

void collector_init(struct collector *c, const struct config *cfg)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->listener.fd = -1;
    c->sigfd = -1;
    for (int i = 0; i < COLLECTOR_PARSERS; i++) {
        struct collector_parser *p = &c->parsers[i];
        p->c = c;
        p->ring = ring_new(RING_BYTES / COLLECTOR_PARSERS);
        p->ingest = ingest_new();
    }
    counters_init(&c->current);
    counters_init(&c->pending);
    pthread_mutex_init(&c->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&c->drained, NULL);
}

void collector_destroy(struct collector *c)
{
    counters_free(&c->current);
    counters_free(&c->pending);
    for (int i = 0; i < COLLECTOR_PARSERS; i++) {
        ingest_free(c->parsers[i].ingest);
        ring_free(c->parsers[i].ring);
    }
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->wake);
    pthread_cond_destroy(&c->drained);
}

static int setup_signals(struct collector *c)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    signal(SIGPIPE, SIG_IGN);
    /* Blocked before any thread starts, so every thread inherits the mask. */
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    c->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    return c->sigfd < 0 ? -1 : 0;
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
            return cmd_help(usage_text);
        else
            return cmd_usage(usage_text, NULL);
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    struct collector *c = xmalloc(sizeof *c);
    pthread_t writer;
    int writer_started = 0, parsers_started = 0, rc = EXIT_ERROR;
    struct recv_batch *batch = NULL;
    collector_init(c, cfg);

    if (setup_signals(c) != 0) {
        log_error("cannot set up signal handling error=\"%m\"");
        goto out;
    }
    if (listener_open(&c->listener, cfg, socket_path) != 0 || privdrop_to_user(cfg->user) != 0)
        goto out;
    struct timeval tv = {0, RECV_TIMEOUT_MS * 1000};
    setsockopt(c->listener.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int open_rc;
    if ((c->db = cmd_open_db(cfg, &open_rc)) == NULL) {
        rc = open_rc;
        goto out;
    }
    if ((c->store = store_new(c->db)) == NULL)
        goto out;
    if (pthread_create(&writer, NULL, collector_writer_main, c) != 0)
        goto out;
    writer_started = 1;
    for (; parsers_started < COLLECTOR_PARSERS; parsers_started++) {
        struct collector_parser *p = &c->parsers[parsers_started];
        if (pthread_create(&p->thread, NULL, collector_parser_main, p) != 0)
            goto out;
        p->started = 1;
    }

    /* Start-up failures above went to stderr, where whoever started us sees them. */
    if (cfg->log_file[0] != '\0' && log_open_file(cfg->log_file) != 0) {
        log_error("cannot open log_file=%s error=\"%m\"", cfg->log_file);
        goto out;
    }
    batch = recv_batch_new(RECV_MAX);
    log_info("collector started socket=%s%s db=%s flush_interval=%ldms",
             c->listener.path[0] ? c->listener.path : "?",
             c->listener.from_systemd ? " (from systemd)" : "", cfg->database,
             cfg->flush_interval_ms);
    receive_loop(c, batch);
    drain(c, batch);
    rc = EXIT_OK;

out:
    if (rc != EXIT_OK && parsers_started < COLLECTOR_PARSERS && writer_started)
        log_error("cannot start the collector threads");
    for (int i = 0; i < COLLECTOR_PARSERS; i++) {
        ring_close(c->parsers[i].ring);
        if (c->parsers[i].started)
            pthread_join(c->parsers[i].thread, NULL);
    }
    if (writer_started) {
        pthread_mutex_lock(&c->lock);
        c->stopping = 1;
        pthread_cond_signal(&c->wake);
        pthread_mutex_unlock(&c->lock);
        pthread_join(writer, NULL);
        collector_summary(c, "collector stopped");
        if (c->lost)
            rc = EXIT_ERROR;
    }
    listener_close(&c->listener);
    if (c->sigfd >= 0)
        close(c->sigfd);
    store_free(c->store);
    db_close(c->db);
    collector_destroy(c);
    recv_batch_free(batch);
    free(c);
    return rc;
}
