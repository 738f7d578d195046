/* SIGINT and SIGTERM during `send` (and `daily`'s send pass, `--wait`): the first one asks the
 * run to stop. No new attempt starts, the ones in flight are aborted (libcurl's progress
 * callback reads the flag) and their claims released, so they are due again; the run then
 * logs its summary and exits 75. A second signal ends the process at once (the handler is
 * reset by the first): its claims in flight expire as a crash's would. */
#ifndef TLSRPT_SEND_STOP_H
#define TLSRPT_SEND_STOP_H

#include <signal.h>

/* 0, or the number of the signal that asked the run to stop. */
extern volatile sig_atomic_t send_stop_signal;

/* Installs the handlers (again: each pass calls it). */
void send_stop_install(void);

#endif
