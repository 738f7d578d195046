/* receiving-mx-helo as RFC 8460 §4.3 wants it: the host name the receiving MTA announced.
 * Postfix reports the server's whole EHLO reply ("250-mx.example\r\n250-SIZE ...\r\n...");
 * other MTAs may send the name itself. Pure. */
#ifndef TLSRPT_HELO_H
#define TLSRPT_HELO_H

#include <stddef.h>

/* The part of s[0..len) to store: when s is a positive SMTP reply (a 2xx code, then '-',
 * ' ' or the end of the line; RFC 5321 §4.1.1.1 and §4.3.1 put the server's domain first),
 * the first word after the code on the first line; otherwise (no such word, or not a
 * reply) all of s, as sent. Sets *start and returns the length. */
size_t helo_host(const char *s, size_t len, size_t *start);

#endif
