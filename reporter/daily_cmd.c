/* `tlsrpt daily`: the one command a daily timer runs: `aggregate` for yesterday (by the
 * program clock), then the send pass, which delivers the new reports and every retry that is
 * due. The send pass runs even when aggregation failed, so that earlier reports and retries
 * are not held up. Exit: 1 when either step had a configuration error, else 75 when either
 * step should be rerun, else 0. Retries and `spread` delays that come due later need either
 * --wait (the run stays until nothing is open: send_wait.c) or `tlsrpt send` on a short
 * timer (see reporter/README.md). */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "reporter/send.h"

static const char usage_text[] = "daily [--wait]";

int cmd_daily(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"wait", no_argument, NULL, 'w'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int opt, wait = 0;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'w') {
            wait = 1;
            continue;
        }
        if (opt == 'h') {
            printf("usage: tlsrpt [global options] %s\n", usage_text);
            return EXIT_OK;
        }
        return cmd_usage(usage_text, NULL);
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (wait && clock_is_fixed())
        return cmd_usage(usage_text, "--wait needs the real clock: drop --now");

    char *agg_argv[] = {"aggregate", NULL};
    optind = 0; /* cmd_aggregate parses its (empty) options from the start */
    int agg = cmd_aggregate(cfg, 1, agg_argv);
    if (agg != EXIT_OK)
        log_warn("daily: aggregate exited %d; sending what is due anyway", agg);
    struct delivery_filter all = {NULL, NULL, NULL};
    int snd = send_run(cfg, &all, 0);
    if (wait)
        snd = send_wait_run(cfg, &all, snd);
    if (agg == EXIT_ERROR || snd == EXIT_ERROR)
        return EXIT_ERROR;
    if (agg != EXIT_OK || snd != EXIT_OK)
        return EXIT_TEMPFAIL;
    return EXIT_OK;
}
