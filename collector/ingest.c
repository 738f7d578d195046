#include "ingest.h"

#include "lib/clock.h"

int ingest_bytes(struct counters *c, struct tls_result *scratch, time_t when, const char *buf,
                 size_t len, struct datagram_error *err, size_t *repaired)
{
    time_t hour = hour_floor(when);
    if (datagram_parse(buf, len, scratch, err) != 0) {
        counters_add_outcome(c, hour, err->reason);
        return -1;
    }
    counters_add_result(c, hour, scratch);
    counters_add_outcome(c, hour, "accepted");
    if (repaired)
        *repaired = scratch->repaired;
    tls_result_free(scratch);
    return 0;
}
