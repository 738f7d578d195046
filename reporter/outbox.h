/* [delivery] outbox = DIR: every signed .eml and every report .json.gz is also written there,
 * atomically (temporary file, fsync, rename), mode 0640. With transport = outbox, mail goes
 * ONLY there: the delivery is recorded as sent with transport "outbox" and the file path as
 * its reply, meaning "handed to the outbox directory", not "accepted by the receiver". */
#ifndef TLSRPT_OUTBOX_H
#define TLSRPT_OUTBOX_H

#include <stddef.h>

/* What sending needs of [delivery] outbox, checked by `send` before it starts and by
 * `send --check` and `check-config`: set when transport = outbox, and when set, an existing
 * directory we may write to. 0, or -1 with the reason (naming the section and key) in err. */
int outbox_check(const char *transport, const char *dir, char *err, size_t errsize);

/* Writes data to dir/name. Returns 0 (path set), or -1 with err. */
int outbox_write(const char *dir, const char *name, const void *data, size_t len, char *path,
                 size_t pathsize, char *err, size_t errsize);

/* Outbox file names stay within OUTBOX_NAME_MAX bytes, so that the temporary name written
 * first (".NAME.tmp") fits NAME_MAX (255) as well, whatever the domains and recipients. */
#define OUTBOX_NAME_MAX 250

/* The report's file name in the outbox (pure): its RFC 8460 §5.1 name, or, when that is longer
 * than OUTBOX_NAME_MAX, the same '!'-separated fields with the longest ones shortened as
 * outbox_eml_name() says. */
void outbox_report_name(const char *filename, char *out, size_t size);

/* The .eml name for a report file name and a recipient (pure): "<base>!<rcpt>.eml" with every
 * character outside [A-Za-z0-9.@_+-] of the recipient replaced by '_'. When that would be
 * longer than OUTBOX_NAME_MAX, the recipient part is shortened first, then the longest fields
 * of the base: a shortened part keeps its first bytes and ends in '~' and 16 hex digits of a
 * hash (FNV-1a 64) of the whole part, so names stay deterministic, readable and distinct. */
void outbox_eml_name(const char *filename, const char *rcpt, char *out, size_t size);

#endif
