/* tlsrpt: reads the global options, loads the configuration and dispatches to a command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/config.h"
#include "lib/log.h"

#ifndef TLSRPT_VERSION
#define TLSRPT_VERSION "dev"
#endif

struct command {
    const char *name;
    cmd_fn *fn;
    const char *summary;
};

static const struct command commands[] = {
    {"collect", cmd_collect, "receive results from the MTA on a socket and count them"},
    {"record", cmd_record, "count results read as JSON lines from stdin"},
    {"export", cmd_export, "write one day's counters for another host (compact, gzip)"},
    {"import", cmd_import, "merge counters exported by other hosts"},
    {"stats", cmd_stats, "show counted sessions and failures"},
    {"send", cmd_send, "deliver due reports to the rua of their _smtp._tls records"},
    {"daily", cmd_daily, "aggregate yesterday, then send what is due (the timer's command)"},
    {"aggregate", cmd_aggregate, "build the RFC 8460 reports of a finished day"},
    {"reports", cmd_reports, "list stored reports"},
    {"show", cmd_show, "print one stored report (JSON, or its gzip bytes)"},
    {"metrics", cmd_metrics, "write the counters in the Prometheus text format"},
    {"check-config", cmd_check_config, "validate the configuration and the files it names"},
};

static void usage(FILE *fp)
{
    fprintf(fp, "usage: tlsrpt [--config FILE] [--db FILE] [--now RFC3339] [-v] COMMAND [ARGS]\n\n"
                "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'tlsrpt COMMAND --help' describes a command's options; see tlsrpt(8).\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"now", required_argument, NULL, 'n'},    {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL, *db_path = NULL;
    int opt;

    log_init("tlsrpt");
    while ((opt = getopt_long(argc, argv, "+c:d:n:vhV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            db_path = optarg;
            break;
        case 'n': {
            time_t t;
            if (rfc3339_parse(optarg, &t) != 0) {
                fprintf(stderr, "tlsrpt: --now: \"%s\" is not an RFC 3339 time\n", optarg);
                return EXIT_USAGE;
            }
            clock_set_now(t);
            break;
        }
        case 'v':
            log_set_level(LOG_LVL_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("tlsrpt %s\n", TLSRPT_VERSION);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }

    const struct command *cmd = NULL;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, argv[optind]) == 0)
            cmd = &commands[i];
    if (cmd == NULL) {
        fprintf(stderr, "tlsrpt: unknown command \"%s\"\n", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }

    char prog[64];
    snprintf(prog, sizeof prog, "tlsrpt %s", cmd->name);
    log_init(prog);

    struct config cfg;
    char err[1024];
    config_defaults(&cfg);
    if (config_load(&cfg, config_path, err, sizeof err) != 0) {
        log_error("%s", err);
        config_free(&cfg);
        return EXIT_ERROR;
    }
    if (db_path != NULL &&
        config_set(&cfg, "storage", "database", db_path, err, sizeof err) != 0) {
        log_error("--db: %s", err);
        config_free(&cfg);
        return EXIT_ERROR;
    }
    config_finish(&cfg);

    int first = optind;
    optind = 0; /* glibc: 0 fully re-initialises getopt for the command's own options */
    int rc = cmd->fn(&cfg, argc - first, argv + first);
    config_free(&cfg);
    return rc;
}
