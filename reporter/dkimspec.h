/* The DKIM keys of [dkim] (pure): selector, key_file and algorithm are lists (blank- or
 * comma-separated), and their n-th entries make the n-th key. One selector and one key_file,
 * as before, is one key. algorithm may have fewer entries than key_file: a key without one
 * signs with the algorithm of its own type (RSA: rsa-sha256, Ed25519: ed25519-sha256), so the
 * default "rsa-sha256" fits an RSA key followed by an Ed25519 key. Every report is signed with
 * every key (RFC 8463 §4 recommends RSA and Ed25519 side by side). */
#ifndef TLSRPT_DKIMSPEC_H
#define TLSRPT_DKIMSPEC_H

#include <stddef.h>

#include "lib/config.h"

#define DKIM_KEYS_MAX 4

struct dkim_keyspec {
    char selector[256];
    char key_file[1024];
    char algorithm[32]; /* "" = the key's own */
};

/* Fills out[] from cfg's [dkim] lists. Returns the number of keys (0 when neither selector
 * nor key_file is set), or -1 with err naming the key: different numbers of selectors and
 * key files, more algorithms than keys, more than DKIM_KEYS_MAX keys, a value too long. */
int dkim_keyspecs(const struct config *cfg, struct dkim_keyspec *out, size_t max, char *err,
                  size_t errsize);

#endif
