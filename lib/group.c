#include "group.h"

#include <grp.h>
#include <stddef.h>
#include <stdint.h>

int group_number(const char *spec, gid_t *gid)
{
    uint64_t v = 0;
    if (*spec == '\0')
        return 0;
    for (const char *p = spec; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v >= (gid_t)-1) /* (gid_t)-1 means "unchanged" to chown() */
            return -1;
    }
    *gid = (gid_t)v;
    return 1;
}

int group_resolve(const char *spec, gid_t *gid, const char **why)
{
    int n = group_number(spec, gid);
    if (n == 1)
        return 0;
    if (n < 0) {
        *why = "gid out of range";
        return -1;
    }
    struct group *gr = getgrnam(spec);
    if (gr == NULL) {
        *why = "no such group";
        return -1;
    }
    *gid = gr->gr_gid;
    return 0;
}
