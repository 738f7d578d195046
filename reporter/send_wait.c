/* `send --wait` / `daily --wait`: send passes until nothing of the current reports is left
 * open (every destination sent, failed, given up or without record), sleeping until the next
 * due attempt in between. One timer a day is then enough for retries and `spread`: the run
 * lasts at most retry_hours (+ spread) after its last new report. SIGTERM or SIGINT during a
 * sleep ends the wait (exit status of the last pass); during a pass, the pass stops as a
 * plain `send` does (send_stop.h: attempts in flight released, exit 75). Real clock only. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/db.h"
#include "lib/log.h"
#include "reporter/deliveries.h"
#include "reporter/send.h"
#include "reporter/send_stop.h"

/* A configuration error stays; otherwise the latest pass tells whether to run again. */
static int worse(int a, int b)
{
    return a == EXIT_ERROR || b == EXIT_ERROR ? EXIT_ERROR : b;
}

int send_wait_run(struct config *cfg, const struct delivery_filter *f, int first_rc)
{
    if (clock_is_fixed()) {
        log_error("--wait needs the real clock (it sleeps until attempts are due); drop --now");
        return EXIT_USAGE;
    }
    send_stop_install(); /* send_run() installs them too; this covers the sleeps */
    int rc = first_rc;
    while (!send_stop_signal) {
        int open_rc;
        struct db *db = cmd_open_db(cfg, &open_rc);
        if (db == NULL)
            return worse(rc, open_rc);
        time_t next = 0;
        int open = deliveries_next_due(db, f, &next);
        db_close(db);
        if (open < 0)
            return worse(rc, EXIT_TEMPFAIL);
        if (open == 0)
            break;
        char ts[32];
        log_info("waiting for the next due attempt at=%s", rfc3339_format(next, ts));
        while (!send_stop_signal && clock_now() < next) {
            time_t left = next - clock_now();
            struct timespec d = {left > 60 ? 60 : left, 0};
            if (nanosleep(&d, NULL) != 0 && errno != EINTR)
                break;
        }
        if (send_stop_signal)
            break;
        rc = worse(rc, send_run(cfg, f, 0));
    }
    if (send_stop_signal)
        log_info("wait ended by a signal; open deliveries stay scheduled");
    return rc;
}
