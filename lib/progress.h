/* Progress of a long run (aggregate, send), for the operator watching it.
 * On a terminal: one line on stderr, redrawn at most every 200 ms:
 *     aggregate: 12345/100000 (12%) 4567/s
 * Without a terminal (systemd, cron, pipes): nothing while it runs. In both cases
 * progress_end logs one summary line:
 *     aggregate done count=100000 seconds=2.1 rate=47619/s
 *
 *     struct progress *p = progress_begin("aggregate", total);   // total 0: not known
 *     for (...) progress_add(p, 1);
 *     progress_end(p);                                           // logs, frees p
 *
 * Elapsed time comes from the monotonic clock (not clock_now(): --now fixes that one). */
#ifndef TLSRPT_PROGRESS_H
#define TLSRPT_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct progress;

struct progress *progress_begin(const char *what, uint64_t total);
void progress_add(struct progress *p, uint64_t n);
/* Erases the live line (terminal), logs the summary line at info level and frees p. */
void progress_end(struct progress *p);

/* As progress_begin, drawing on fd as a terminal when tty is 1, with elapsed time from now_ms
 * (NULL: the monotonic clock). For tests. */
struct progress *progress_begin_on(const char *what, uint64_t total, int fd, int tty,
                                   uint64_t (*now_ms)(void));

/* The live line's text, without "\r": "what: done/total (P%) R/s", or "what: done R/s" when
 * total is 0. Pure. */
void progress_format(char *out, size_t size, const char *what, uint64_t done, uint64_t total,
                     uint64_t elapsed_ms);

#endif
