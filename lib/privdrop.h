/* Dropping root to an unprivileged user (supplementary groups, gid, uid, in that order). */
#ifndef TLSRPT_PRIVDROP_H
#define TLSRPT_PRIVDROP_H

/* Returns 0 (also when user is "" or we are not root and already that user), or -1 logged. */
int privdrop_to_user(const char *user);

#endif
