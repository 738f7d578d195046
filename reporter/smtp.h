/* Mail submission to the configured relay with libcurl: smtp:// or smtps:// ([delivery]
 * smtp_url), STARTTLS try|required|no, optional AUTH. "required" verifies the certificate
 * (smtp_ca_file or the system CAs) and never falls back to clear text; "try" uses STARTTLS
 * when offered without verifying; smtps:// always verifies. Replies classify the outcome:
 * 2xx sent, 5xx permanent, everything else (4xx, TLS or connection trouble, refused AUTH)
 * temporary. One client per thread; connections to the relay are reused. */
#ifndef TLSRPT_SMTP_H
#define TLSRPT_SMTP_H

#include <stddef.h>

#include "lib/config.h"
#include "reporter/transport.h"

struct smtp_client;

/* NULL with err when the configuration cannot work (bad URL scheme, unreadable password). */
struct smtp_client *smtp_client_new(const struct config *cfg, char *err, size_t errsize);
void smtp_client_send(struct smtp_client *c, const char *from, const char *rcpt, const char *msg,
                      size_t len, struct attempt_result *res);
void smtp_client_free(struct smtp_client *c);

#endif
