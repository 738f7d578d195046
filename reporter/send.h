/* The send pass, shared by `tlsrpt send` and `tlsrpt daily`. */
#ifndef TLSRPT_SEND_H
#define TLSRPT_SEND_H

#include "lib/config.h"
#include "reporter/deliveries.h"
#include "reporter/dkim.h"

/* Checks what sending needs (dns_servers, outbox, DKIM key). 0 or -1 (logged); *signer is
 * NULL when no usable key (logged as an error). */
int send_check_config(const struct config *cfg, struct dkim_signer **signer, int quiet);

/* One pass: plans new reports, delivers everything due. Returns an exit code. */
int send_run(struct config *cfg, const struct delivery_filter *filter, int dry_run);

/* After a first pass that returned first_rc: passes until the current reports have no open
 * destination, sleeping until the next due attempt (send --wait, daily --wait). */
int send_wait_run(struct config *cfg, const struct delivery_filter *f, int first_rc);

#endif
