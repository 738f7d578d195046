/* DKIM signing of report mail with libopendkim (RFC 6376, RFC 8463 for Ed25519):
 * d= [dkim] domain, s= [dkim] selector, a= rsa-sha256 (default) or ed25519-sha256,
 * c=relaxed/relaxed, no l=, h= exactly the headers RFC 8460 receivers expect signed.
 * [dkim] may name several keys (reporter/dkimspec.h): every message then carries one
 * DKIM-Signature per key, in the configured order.
 * Without a usable key the signer cannot be created: mail reports are then refused, with a
 * message that says what to fix. One signer is shared by all sending threads. */
#ifndef TLSRPT_DKIM_H
#define TLSRPT_DKIM_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/config.h"
#include "reporter/dkimkey.h"
#include "reporter/dkimspec.h"

struct dkim_signer;

/* Loads every [dkim] key and makes a signer of them (dkim_signer_from_key for each); logs a
 * warning for an RSA key under 2048 bits. NULL with a reason in err. t= of
 * every signature is `now` (the program's clock, so that --now gives reproducible signatures). */
struct dkim_signer *dkim_signer_new(const struct config *cfg, time_t now, char *err,
                                    size_t errsize);

/* The one test of a DKIM key, shared by `send`, `send --check` and `check-config`: the
 * spec's selector and [dkim] domain are set, the key text (PEM or base64 DER) is RSA or
 * Ed25519 as the spec's algorithm says, if it says (reporter/dkimkey.h), libopendkim signs a
 * probe message with it, and an RSA key has at least 1024 bits (RFC 8301). Returns a signer
 * with this one key and fills info (type, bits), or NULL with a reason that names the section
 * and key in err. */
struct dkim_signer *dkim_signer_from_key(const struct config *cfg,
                                         const struct dkim_keyspec *spec, const char *key,
                                         time_t now, struct dkimkey_info *info, char *err,
                                         size_t errsize);

/* The number of keys (signatures per message). */
size_t dkim_signer_keys(const struct dkim_signer *s);

/* Signs msg (CRLF message: headers, empty line, body) with every key. Appends one
 * "DKIM-Signature: ...\r\n" per key (folded with CRLF) to sig. Returns 0, or -1 with err.
 * Thread-safe. */
int dkim_signer_sign(struct dkim_signer *s, const char *msg, size_t len, struct buf *sig,
                     char *err, size_t errsize);

void dkim_signer_free(struct dkim_signer *s);

#endif
