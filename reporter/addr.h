/* Recipient addresses from _smtp._tls records, which anyone can publish: after
 * percent-decoding, only one plain local@domain is accepted: a dot-atom local part (no
 * leading '-', which would become an option of the sendmail command) or a quoted one, of
 * printable ASCII, no control characters (so no CR/LF header injection), at most 64 bytes; a
 * domain of up to 253 bytes with at least one dot, LDH labels (an IDN is converted to its A-label), no address
 * literal. Pure. */
#ifndef TLSRPT_ADDR_H
#define TLSRPT_ADDR_H

/* the longest legal address: a 64-byte local part, '@', a 253-byte domain, and the NUL */
#define ADDR_MAX (64 + 1 + 253 + 1)

/* Validates and normalises addr (already percent-decoded): 0 with out = local@a-label, or -1
 * with a static reason in *why. */
int addr_check(const char *addr, char out[ADDR_MAX], const char **why);

#endif
