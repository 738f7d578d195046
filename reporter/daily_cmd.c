/* `tlsrpt daily`: the one command a daily timer runs: `aggregate` for yesterday (by the
 * program clock), then the send pass, which delivers the new reports and every retry that is
 * due. The send pass runs even when aggregation failed, so that earlier reports and retries
 * are not held up. Exit: 1 when either step had a configuration error, else 75 when either
 * step should be rerun, else 0. Retries that come due later in the day need `tlsrpt send`
 * on a short timer (see reporter/README.md). */
#include <getopt.h>
#include <stdio.h>

#include "cli/commands.h"
#include "lib/log.h"
#include "reporter/send.h"

static const char usage_text[] = "daily";

int cmd_daily(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'h') {
            printf("usage: tlsrpt [global options] %s\n", usage_text);
            return EXIT_OK;
        }
        return cmd_usage(usage_text, NULL);
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);

    char *agg_argv[] = {"aggregate", NULL};
    optind = 0; /* cmd_aggregate parses its (empty) options from the start */
    int agg = cmd_aggregate(cfg, 1, agg_argv);
    if (agg != EXIT_OK)
        log_warn("daily: aggregate exited %d; sending what is due anyway", agg);
    struct delivery_filter all = {NULL, NULL, NULL};
    int snd = send_run(cfg, &all, 0);
    if (agg == EXIT_ERROR || snd == EXIT_ERROR)
        return EXIT_ERROR;
    if (agg != EXIT_OK || snd != EXIT_OK)
        return EXIT_TEMPFAIL;
    return EXIT_OK;
}
