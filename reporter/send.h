/* The send pass, shared by `tlsrpt send` and `tlsrpt daily`. */
#ifndef TLSRPT_SEND_H
#define TLSRPT_SEND_H

#include "lib/config.h"
#include "reporter/deliveries.h"
#include "reporter/dkim.h"

/* What a send pass needs before it starts: dns_servers and the outbox usable (-1, logged as
 * errors, when not), and the DKIM signer (*signer NULL when no usable key, logged as a
 * warning: mail reports then stay pending, https ones still go). The same functions serve
 * `send --check` and `check-config` (cli/checks_reporter.c), which check more. */
int send_preflight(const struct config *cfg, struct dkim_signer **signer);

/* One pass: plans new reports, delivers everything due. Returns an exit code. */
int send_run(struct config *cfg, const struct delivery_filter *filter, int dry_run);

/* After a first pass that returned first_rc: passes until the current reports have no open
 * destination, sleeping until the next due attempt (send --wait, daily --wait). */
int send_wait_run(struct config *cfg, const struct delivery_filter *f, int first_rc);

#endif
