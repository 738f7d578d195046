/* The stop request of a send run. */
#include "send_stop.h"

#include <string.h>

volatile sig_atomic_t send_stop_signal;

static void on_signal(int sig)
{
    send_stop_signal = sig;
}

void send_stop_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second signal ends the process */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}
