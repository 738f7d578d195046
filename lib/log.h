/* Logging in tiers, one line per event, in the key=value style:
 *     tlsrpt collect: warning: datagram rejected reason=bad-json bytes=316 excerpt="..."
 * Under systemd (JOURNAL_STREAM names our stderr) each line gets a <N> priority prefix
 * instead; with a log file each line gets a UTC timestamp. Lines are written with one
 * write(2), so threads never interleave inside a line.
 * log_fatal is for start-up and resource failures only; bad input is logged and skipped. */
#ifndef TLSRPT_LOG_H
#define TLSRPT_LOG_H

enum log_level { LOG_LVL_DEBUG, LOG_LVL_INFO, LOG_LVL_WARN, LOG_LVL_ERROR };

void log_init(const char *progname);
void log_set_level(enum log_level min);
/* Logs to FILE (appending) instead of stderr; NULL or "" means stderr. Returns 0 or -1. */
int log_open_file(const char *path);
/* Reopens the log file (after rotation, on SIGHUP); a no-op when logging to stderr. */
int log_reopen(void);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
