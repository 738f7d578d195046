/* UTF-8 checking and repair. libtlsrpt copies bytes >= 0x80 unchecked, so a datagram may hold
 * Latin-1 from a remote banner: we repair it (U+FFFD) rather than lose the session. */
#ifndef TLSRPT_UTF8_H
#define TLSRPT_UTF8_H

#include <stddef.h>

#include "buf.h"

/* Length of the valid UTF-8 prefix of s[0..len): == len when all of it is valid. Rejects
 * overlong forms, surrogates and code points above U+10FFFF. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* Appends s[0..len) to out with every invalid byte replaced by U+FFFD. Returns the number of
 * replacements made. */
size_t utf8_repair(const char *s, size_t len, struct buf *out);

#endif
