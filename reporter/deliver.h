/* One delivery attempt to one rua destination, whatever the scheme: for mailto: the message is
 * built (mime.c), signed (dkim.c), copied to the outbox when one is configured, and handed to
 * the mail transport (smtp.c, sendmail.c, or the outbox alone); for https: the gzip bytes are
 * POSTed (https.c). No database here: the caller records the outcome. One context per thread;
 * it also adds up the time spent building+signing and waiting on the network. */
#ifndef TLSRPT_DELIVER_H
#define TLSRPT_DELIVER_H

#include <stddef.h>
#include <time.h>

#include "lib/config.h"
#include "reporter/deliveries.h"
#include "reporter/dkim.h"
#include "reporter/dns.h"
#include "reporter/rua.h"
#include "reporter/transport.h"

struct deliver_ctx {
    const struct config *cfg;
    struct dkim_signer *signer; /* shared; NULL = no usable key */
    struct dns_resolver *dns;
    struct smtp_client *smtp;   /* transport = smtp only */
    struct https_client *https;
    double sign_seconds, net_seconds;
};

/* Builds a context for one thread. -1 with err when the configuration cannot work. */
int deliver_ctx_init(struct deliver_ctx *c, const struct config *cfg, struct dkim_signer *signer,
                     char *err, size_t errsize);
void deliver_ctx_free(struct deliver_ctx *c);

/* How long a claim on a delivery lasts (seconds): at least what one attempt can take (the
 * DNS lookups of an https host as the resolver is set up, twice `timeout`, a minute for the
 * rest), and not less than retry_initial. A run that outlives its lease loses the claim. */
long deliver_lease_seconds(const struct deliver_ctx *c);

/* The transport name a destination uses: "smtp", "sendmail", "outbox" or "https". */
const char *deliver_transport(const struct config *cfg, const struct rua_entry *e);

/* Attempts the delivery. With dry_run every check of a real attempt is made (the message
 * built and signed; for https the host resolved and every address through the SSRF guard)
 * and only the transfer is skipped; nothing is written. `now` is the Date of the message.
 * OUTCOME_INTERRUPTED when the run was asked to stop (send_stop.h) before an answer. */
void deliver_one(struct deliver_ctx *c, const struct report_item *r, const unsigned char *gz,
                 size_t gzlen, const struct rua_entry *e, time_t now, int dry_run,
                 struct attempt_result *res);

/* Writes the report's .json.gz into the outbox (when configured). */
void deliver_outbox_report(const struct config *cfg, const struct report_item *r,
                           const unsigned char *gz, size_t gzlen);

#endif
