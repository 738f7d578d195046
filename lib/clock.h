/* The one clock of the program, and RFC 3339 / day conversions.
 * `--now` overrides the clock everywhere (tests, replays): nothing else calls time(). */
#ifndef TLSRPT_CLOCK_H
#define TLSRPT_CLOCK_H

#include <time.h>

#define SECONDS_PER_DAY 86400
#define SECONDS_PER_HOUR 3600

time_t clock_now(void);
void clock_set_now(time_t t);
/* The system clock, whatever --now says: for what a mistyped --now must not do (retention
 * pruning by a future date). */
time_t clock_real(void);
/* 1 when --now fixed the clock: runs are then meant to be reproducible (e.g. report ids). */
int clock_is_fixed(void);

/* "2026-11-29T13:05:00Z", "...T13:05:00.123+01:00", or a bare date "2026-11-29" (midnight
 * UTC). Returns 0 or -1. */
int rfc3339_parse(const char *s, time_t *out);
/* Writes "YYYY-MM-DDTHH:MM:SSZ" (needs 21 bytes). Returns out. */
char *rfc3339_format(time_t t, char out[32]);

/* "YYYY-MM-DD" → the UTC midnight that starts it. Rejects impossible dates. */
int day_parse(const char *s, time_t *day_start_out);
/* Writes "YYYY-MM-DD" (needs 11 bytes). Returns out. */
char *day_format(time_t t, char out[16]);

time_t day_floor(time_t t);
time_t hour_floor(time_t t);

#endif
