/* [collector] socket_group: a group name, or a numeric gid taken as it is. A number is needed
 * when the MTA's group exists only in its own root: Postfix in a chroot or a container has a
 * postfix group whose gid the host names differently, or not at all. */
#ifndef TLSRPT_GROUP_H
#define TLSRPT_GROUP_H

#include <sys/types.h>

/* Pure: 1 and *gid when spec is all digits and a valid gid (below (gid_t)-1), 0 when spec is
 * not a number (a name), -1 when it is digits but out of range. */
int group_number(const char *spec, gid_t *gid);

/* The gid of spec: the number itself, or the group of that name (getgrnam). 0, or -1 with
 * *why set ("no such group", "gid out of range"). */
int group_resolve(const char *spec, gid_t *gid, const char **why);

#endif
