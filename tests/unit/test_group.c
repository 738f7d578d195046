/* group_number / group_resolve: socket_group as a name or a numeric gid. */
#include <stdio.h>

#include "lib/group.h"
#include "unit.h"

int main(void)
{
    static const struct {
        const char *spec;
        int want;         /* group_number's return */
        long long gid;
    } rows[] = {
        {"101", 1, 101},          /* Debian 13 root's postfix group */
        {"0", 1, 0},
        {"007", 1, 7},
        {"4294967294", 1, 4294967294LL},
        {"4294967295", -1, 0},    /* (gid_t)-1: chown's "leave unchanged" */
        {"99999999999999999999999", -1, 0},
        {"postfix", 0, 0},
        {"101a", 0, 0},
        {"-1", 0, 0},
        {" 101", 0, 0},
        {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        gid_t g = 12345;
        int n = group_number(rows[i].spec, &g);
        char name[96];
        snprintf(name, sizeof name, "group_number \"%s\"", rows[i].spec);
        UNIT_CHECK(name, n == rows[i].want && (n != 1 || (long long)g == rows[i].gid),
                   "got %d gid %lld", n, (long long)g);
    }
    gid_t g;
    const char *why = NULL;
    UNIT_CHECK("group_resolve: root by name", group_resolve("root", &g, &why) == 0 && g == 0,
               "why=%s", why ? why : "-");
    UNIT_CHECK("group_resolve: a gid no group has is taken as it is",
               group_resolve("3999999", &g, &why) == 0 && g == 3999999, "why=%s", why ? why : "-");
    why = NULL;
    UNIT_CHECK("group_resolve: unknown name refused",
               group_resolve("no-such-group-tlsrpt", &g, &why) == -1 && why != NULL, "accepted");
    return unit_status();
}
