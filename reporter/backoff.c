#include "backoff.h"

int backoff_next(int attempts, time_t first_attempt, time_t now, long initial_s, long retry_hours,
                 time_t *next)
{
    time_t deadline = first_attempt + (time_t)retry_hours * 3600;
    if (now >= deadline)
        return 0;
    long delay = initial_s < 1 ? 1 : initial_s;
    for (int i = 1; i < attempts && delay < BACKOFF_MAX_DELAY; i++)
        delay *= 2;
    if (delay > BACKOFF_MAX_DELAY)
        delay = BACKOFF_MAX_DELAY;
    *next = now + delay < deadline ? now + delay : deadline;
    return 1;
}
