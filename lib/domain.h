/* Domain-name normalisation, so that one domain never splits into several reports:
 * lower-case, one trailing dot removed, non-ASCII names converted to A-labels (IDNA2008 with
 * UTS #46 mapping, libidn2), then checked for DNS label syntax and length. */
#ifndef TLSRPT_DOMAIN_H
#define TLSRPT_DOMAIN_H

#include <stddef.h>

#define DOMAIN_MAX 254 /* 253 characters + NUL */

/* Writes the normalised form of in[0..len) to out. Returns 0, or -1 with *why set to a
 * static reason ("empty", "too long", "bad label", "idna: ..."). */
int domain_normalize(const char *in, size_t len, char out[DOMAIN_MAX], const char **why);

#endif
