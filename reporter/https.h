/* HTTPS delivery (RFC 8460 §5.4): POST of the gzip bytes with Content-Type
 * application/tlsrpt+gzip. The host is resolved by our resolver (dns.c), every address goes
 * through the SSRF guard (ssrf.c) unless allow_private_destinations, and libcurl is pinned to
 * the checked addresses (CURLOPT_RESOLVE) so that it cannot resolve the name again to
 * something else. Certificates are verified (https_ca_file or the system CAs); redirects are
 * never followed; no proxy. 2xx sent; 408, 429, 5xx, timeouts and connection errors
 * temporary; other statuses and refused destinations permanent. One client per thread. */
#ifndef TLSRPT_HTTPS_H
#define TLSRPT_HTTPS_H

#include <stddef.h>

#include "lib/config.h"
#include "reporter/dns.h"
#include "reporter/transport.h"

struct https_client;

struct https_client *https_client_new(const struct config *cfg, struct dns_resolver *dns);
/* POSTs body to uri. With dry_run every check of a real POST is made (URI, host name, DNS,
 * the SSRF guard on every address) and only the transfer is skipped: "sent" then means "would
 * be POSTed". A stop request (send_stop.h) aborts the transfer: OUTCOME_INTERRUPTED. */
void https_client_post(struct https_client *c, const char *uri, const unsigned char *body,
                       size_t len, int dry_run, struct attempt_result *res);
void https_client_free(struct https_client *c);

/* The outcome class of an HTTP status (pure). */
enum outcome https_status_outcome(long status);

#endif
