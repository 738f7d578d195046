/* transport = sendmail: runs [delivery] sendmail_command directly (no shell), with {from} and
 * {rcpt} replaced inside the words of the command, the message on stdin with LF line ends (as
 * sendmail(1) expects), and the exit status checked: 0 sent; EX_DATAERR, EX_NOUSER,
 * EX_NOHOST (65, 67, 68) permanent; anything else, a signal or the timeout temporary. */
#ifndef TLSRPT_SENDMAIL_H
#define TLSRPT_SENDMAIL_H

#include <stddef.h>

#include "lib/config.h"
#include "reporter/transport.h"

/* Splits command at blanks and substitutes the placeholders (pure). argv is NULL-terminated;
 * free with sendmail_argv_free. Returns 0 or -1 with err (empty command, too many words). */
int sendmail_argv(const char *command, const char *from, const char *rcpt, char ***argv,
                  char *err, size_t errsize);
void sendmail_argv_free(char **argv);

void sendmail_send(const struct config *cfg, const char *from, const char *rcpt, const char *msg,
                   size_t len, struct attempt_result *res);

#endif
