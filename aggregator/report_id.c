/* Report ids (hash of what distinguishes a report, plus a nonce) and §5.1 file names. */
#include "aggregator/report_id.h"

#include <inttypes.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/clock.h"

/* FNV-1a over the bytes, including a terminating NUL as a separator. */
static uint64_t fnv_add(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 0x100000001b3ULL;
    return (h ^ 0xff) * 0x100000001b3ULL;
}

/* splitmix64's finaliser: every input bit affects every output bit. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void report_id_make(const char *submitter, const char *domain, time_t day, long generation,
                    time_t created, uint64_t nonce, char out[REPORT_ID_SIZE])
{
    int64_t nums[3] = {(int64_t)day, (int64_t)generation, (int64_t)created};
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv_add(h, submitter, strlen(submitter));
    h = fnv_add(h, domain, strlen(domain));
    h = fnv_add(h, nums, sizeof nums);
    h = fnv_add(h, &nonce, sizeof nonce);
    h = mix(h ^ mix(nonce));

    char ymd[16];
    struct tm tm;
    gmtime_r(&day, &tm);
    strftime(ymd, sizeof ymd, "%Y%m%d", &tm);
    bfmt(out, REPORT_ID_SIZE, "%s%016" PRIx64, ymd, h);
}

int report_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
              (s[i] >= 'A' && s[i] <= 'Z')))
            return 0;
    return 1;
}

int report_filename(const char *submitter, const char *domain, time_t day, const char *report_id,
                    char *out, size_t size)
{
    return bfmt(out, size, "%s!%s!%lld!%lld!%s.json.gz", submitter, domain, (long long)day,
                (long long)(day + SECONDS_PER_DAY - 1), report_id);
}
