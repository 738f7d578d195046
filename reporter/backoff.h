/* Retry timing (RFC 8460 §5.5): exponential backoff from retry_initial, doubling after each
 * failure, each delay capped at BACKOFF_MAX_DELAY, the last attempt at the deadline
 * first_attempt + retry_hours; a temporary failure at or after the deadline gives up. Pure. */
#ifndef TLSRPT_BACKOFF_H
#define TLSRPT_BACKOFF_H

#include <time.h>

#define BACKOFF_MAX_DELAY (4 * 3600)

/* attempts: attempts made so far, the failed one included (>= 1). Returns 1 and sets *next
 * when another attempt is due later, 0 when the delivery gives up. */
int backoff_next(int attempts, time_t first_attempt, time_t now, long initial_s, long retry_hours,
                 time_t *next);

#endif
