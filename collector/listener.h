/* The collector's AF_UNIX datagram socket: bound by us (mode, group, stale-socket handling,
 * refusal when another collector is live) or inherited from systemd (LISTEN_FDS). */
#ifndef TLSRPT_LISTENER_H
#define TLSRPT_LISTENER_H

#include "lib/config.h"

struct listener {
    int fd;
    int from_systemd;   /* inherited: never unlinked or shut down by us */
    char path[108];     /* sun_path; "" when unknown (systemd, abstract) */
};

/* Returns 0, or -1 with the reason logged. */
int listener_open(struct listener *l, const struct config *cfg, const char *path);
/* Stops new datagrams from being queued (own socket only): after this, senders get an error
 * instead of a silent loss, and what is already queued can be drained. */
void listener_stop_intake(struct listener *l);
void listener_close(struct listener *l);

#endif
