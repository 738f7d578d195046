/* The collector's writer thread: every flush_interval it takes the counters the parser has
 * filled and commits them in one transaction. When a commit fails (database locked, disk
 * full) the counters are kept and merged with the next batch, so nothing is lost until the
 * kept counters exceed [collector] max_pending; then they are dropped and reported as lost. */
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/collector.h"
#include "collector/datagram.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/log.h"

/* After the stop signal the last commit is retried for SHUTDOWN_RETRY_MS with a short busy
 * timeout: well within a service manager's stop timeout (systemd: 90 s), whose SIGKILL would
 * lose everything pending without a word. (20 tries at the 10 s busy timeout took 228 s
 * with the database locked.) */
#define SHUTDOWN_RETRY_MS 5000
#define SHUTDOWN_BUSY_MS 1000

void collector_summary(struct collector *c, const char *what)
{
    struct buf reasons = BUF_INIT;
    uint64_t rejected_total = 0;
    pthread_mutex_lock(&c->lock);
    uint64_t accepted = c->accepted, repaired = c->repaired, suppressed = c->log_suppressed;
    uint64_t nodpv = c->nodpv;
    for (int i = 0; datagram_reasons[i] != NULL && i < COLLECTOR_REASONS; i++) {
        if (c->rejected[i] == 0)
            continue;
        rejected_total += c->rejected[i];
        buf_printf(&reasons, "%s%s:%llu", reasons.len ? "," : "", datagram_reasons[i],
                   (unsigned long long)c->rejected[i]);
    }
    pthread_mutex_unlock(&c->lock);
    log_info("%s received=%llu accepted=%llu nodpv=%llu stored=%llu pending=%llu rejected=%llu "
             "repaired=%llu lost=%llu commit_failures=%llu ring_waits=%llu suppressed_logs=%llu "
             "reasons=%s",
             what, (unsigned long long)atomic_load(&c->received), (unsigned long long)accepted,
             (unsigned long long)nodpv,
             (unsigned long long)c->stored, (unsigned long long)c->pending.accepted,
             (unsigned long long)rejected_total, (unsigned long long)repaired,
             (unsigned long long)c->lost, (unsigned long long)c->commit_failures,
             (unsigned long long)atomic_load(&c->ring_waits), (unsigned long long)suppressed,
             reasons.len ? reasons.data : "-");
    buf_free(&reasons);
}

/* Merges batch (if any) into the pending counters and tries to commit them. */
static int flush(struct collector *c, struct counters *batch)
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
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (store_counters(c->store, &c->pending, "") == 0) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        log_debug("committed datagrams=%llu sessions=%zu details=%zu ms=%ld",
                  (unsigned long long)c->pending.accepted, c->pending.sessions.count,
                  c->pending.details.count,
                  (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
        c->stored += c->pending.accepted;
        counters_free(&c->pending);
        return 0;
    }
    c->commit_failures++;
    if (counters_bytes(&c->pending) > (size_t)c->cfg->max_pending) {
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

static void deadline_after(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

void *collector_writer_main(void *arg)
{
    struct collector *c = arg;
    /* When the CPU is short, commits can wait and datagrams cannot. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), COLLECTOR_WRITER_NICE);
    c->next_summary = clock_now() + c->cfg->summary_interval_ms / 1000;

    for (;;) {
        struct timespec deadline;
        deadline_after(&deadline, c->cfg->flush_interval_ms);
        pthread_mutex_lock(&c->lock);
        while (!c->stopping && !c->flush_now &&
               pthread_cond_timedwait(&c->wake, &c->lock, &deadline) != ETIMEDOUT)
            ;
        c->flush_now = 0;
        int stopping = c->stopping;
        struct counters batch = c->current;
        counters_init(&c->current);
        pthread_cond_broadcast(&c->drained);
        pthread_mutex_unlock(&c->lock);
        if (stopping)
            sqlite3_busy_timeout(db_sqlite(c->db), SHUTDOWN_BUSY_MS);

        flush(c, &batch);
        if (clock_now() >= c->next_summary) {
            collector_summary(c, "collector summary");
            c->next_summary = clock_now() + c->cfg->summary_interval_ms / 1000;
        }
        if (stopping)
            break;
    }
    struct timespec stop_by, now;
    deadline_after(&stop_by, SHUTDOWN_RETRY_MS);
    while (!counters_empty(&c->pending)) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > stop_by.tv_sec ||
            (now.tv_sec == stop_by.tv_sec && now.tv_nsec >= stop_by.tv_nsec))
            break;
        usleep(250 * 1000);
        flush(c, NULL);
    }
    if (!counters_empty(&c->pending)) {
        log_error("could not commit at shutdown lost=%llu",
                  (unsigned long long)c->pending.accepted);
        c->lost += c->pending.accepted;
        counters_free(&c->pending);
    }
    return NULL;
}
