/* backoff_next: the retry schedule. */
#include <stdio.h>

#include "reporter/backoff.h"
#include "tests/unit/unit.h"

struct row {
    const char *name;
    int attempts;
    long first, now, initial, hours;
    int want_retry;
    long want_next;
};

static const struct row rows[] = {
    {"first failure waits retry_initial", 1, 0, 0, 300, 24, 1, 300},
    {"second failure doubles", 2, 0, 300, 300, 24, 1, 900},
    {"third failure doubles again", 3, 0, 900, 300, 24, 1, 2100},
    {"tenth failure capped at 4h", 10, 0, 10000, 300, 24, 1, 10000 + 4 * 3600},
    {"huge attempt count does not overflow", 100000, 0, 10000, 300, 24, 1, 10000 + 4 * 3600},
    {"last attempt lands on the deadline", 5, 0, 86000, 300, 24, 1, 86400},
    {"failure at the deadline gives up", 6, 0, 86400, 300, 24, 0, 0},
    {"failure after the deadline gives up", 6, 0, 90000, 300, 24, 0, 0},
    {"retry_hours 0 never retries", 1, 1000, 1000, 300, 0, 0, 0},
    {"deadline counts from the first attempt", 1, 50000, 60000, 300, 24, 1, 60300},
    {"retry_initial 1s", 1, 0, 0, 1, 1, 1, 1},
    {"one hour window, 20 min initial", 2, 0, 1200, 1200, 1, 1, 3600},
};

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        time_t next = 0;
        int got = backoff_next(r->attempts, r->first, r->now, r->initial, r->hours, &next);
        UNIT_CHECK(r->name, got == r->want_retry && (!got || next == r->want_next),
                   "got retry=%d next=%ld, want retry=%d next=%ld", got, (long)next, r->want_retry,
                   r->want_next);
    }
    return unit_status();
}
