/* tlsrpt: reads the global options, loads the configuration and dispatches to a command. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/config.h"
#include "lib/help.h"
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

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* `tlsrpt --help`, `tlsrpt help`: tlsrpt(8)'s synopsis and global options, then the commands. */
static void usage(FILE *fp)
{
    fputs(help_text(NULL), fp);
    fprintf(fp, "\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'tlsrpt help COMMAND' or 'tlsrpt COMMAND --help' lists a command's options; "
                "see tlsrpt(8).\n");
}

/* `tlsrpt help [COMMAND]`. */
static int help_command(int argc, char **argv)
{
    if (argc == 1) {
        usage(stdout);
        return EXIT_OK;
    }
    if (argc == 2 && find_command(argv[1]) != NULL && help_text(argv[1]) != NULL) {
        fputs(help_text(argv[1]), stdout);
        return EXIT_OK;
    }
    log_init("tlsrpt help");
    if (argc > 2)
        log_error("one COMMAND at most");
    else
        log_error("unknown command \"%s\"", argv[1]);
    fprintf(stderr, "usage: tlsrpt help [COMMAND]\n");
    return EXIT_USAGE;
}

struct globals {
    const char *config_path, *db_path, *now;
    int verbose;
};

/* The value of a global option at argv[*i] taking one ("--db FILE", "--db=FILE", "-d FILE",
 * "-dFILE"), advancing *i past it; NULL when the option is not LONG/SHORT or lacks it. */
static const char *option_value(int argc, char **argv, int *i, const char *lng, char shrt,
                                int *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(lng);
    if (strncmp(a, lng, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, lng) == 0 || (a[0] == '-' && a[1] == shrt && a[2] == '\0')) {
        if (*i + 1 >= argc) {
            *missing = 1;
            return NULL;
        }
        return argv[++*i];
    }
    if (a[0] == '-' && a[1] == shrt && a[2] != '\0')
        return a + 2;
    return NULL;
}

/* Global options after the command ("tlsrpt stats --db X"): taken out of the command's
 * arguments, up to a "--". The commands' own short options (-s, -t, -h) differ from them.
 * Returns the new argc, or -1 after an error. */
static int take_globals(struct globals *g, int argc, char **argv)
{
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int missing = 0;
        if (strcmp(argv[i], "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if ((v = option_value(argc, argv, &i, "--config", 'c', &missing)) != NULL)
            g->config_path = v;
        else if (!missing && (v = option_value(argc, argv, &i, "--db", 'd', &missing)) != NULL)
            g->db_path = v;
        else if (!missing && (v = option_value(argc, argv, &i, "--now", 'n', &missing)) != NULL)
            g->now = v;
        else if (!missing && (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0))
            g->verbose = 1;
        else if (missing) {
            log_error("option \"%s\" requires an argument", argv[i]);
            return -1;
        } else
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

/* Every error of the configuration file, one line each (config_load_each). */
static void log_config_error(void *ctx, const char *message)
{
    (void)ctx;
    log_error("%s", message);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"db", required_argument, NULL, 'd'},
        {"now", required_argument, NULL, 'n'},    {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct globals g = {NULL, NULL, NULL, 0};
    int opt;

    log_init("tlsrpt");
    opterr = 0; /* errors are ours: "tlsrpt: error: ..." */
    while ((opt = getopt_long(argc, argv, "+:c:d:n:vhV", opts, NULL)) != -1) {
        switch (opt) {
        case 'c':
            g.config_path = optarg;
            break;
        case 'd':
            g.db_path = optarg;
            break;
        case 'n':
            g.now = optarg;
            break;
        case 'v':
            g.verbose = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("tlsrpt %s\n", TLSRPT_VERSION);
            return EXIT_OK;
        case ':':
            log_error("option \"%s\" requires an argument", argv[optind - 1]);
            fprintf(stderr, "usage: %s\n", help_synopsis(NULL));
            return EXIT_USAGE;
        default:
            log_error("unknown option \"%s\"", argv[optind - 1]);
            fprintf(stderr, "usage: %s\n", help_synopsis(NULL));
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[optind], "help") == 0)
        return help_command(argc - optind, argv + optind);

    const struct command *cmd = find_command(argv[optind]);
    if (cmd == NULL) {
        log_error("unknown command \"%s\"", argv[optind]);
        usage(stderr);
        return EXIT_USAGE;
    }

    char prog[64];
    snprintf(prog, sizeof prog, "tlsrpt %s", cmd->name);
    log_init(prog);
    cmd_set_current(cmd->name);

    int first = optind;
    int cmd_argc = take_globals(&g, argc - first, argv + first);
    if (cmd_argc < 0)
        return cmd_usage(cmd->name, NULL);
    if (g.verbose)
        log_set_level(LOG_LVL_DEBUG);
    if (g.now != NULL) {
        time_t t;
        if (rfc3339_parse(g.now, &t) != 0)
            return cmd_usage(cmd->name, "--now: \"%s\" is not an RFC 3339 time", g.now);
        clock_set_now(t);
    }

    struct config cfg;
    char err[1024];
    config_defaults(&cfg);
    if (config_load_each(&cfg, g.config_path, log_config_error, NULL) != 0) {
        config_free(&cfg);
        return EXIT_ERROR;
    }
    if (g.db_path != NULL &&
        config_set(&cfg, "storage", "database", g.db_path, err, sizeof err) != 0) {
        log_error("--db: %s", err);
        config_free(&cfg);
        return EXIT_ERROR;
    }
    config_finish(&cfg);

    optind = 0; /* glibc: 0 fully re-initialises getopt for the command's own options */
    opterr = 1;
    /* getopt prints its errors as "ARGV0: unrecognized option '--x'": that makes them read
     * "tlsrpt CMD: error: ..." like every other error. */
    char getopt_prefix[80];
    snprintf(getopt_prefix, sizeof getopt_prefix, "%s: error", prog);
    argv[first] = getopt_prefix;
    int rc = cmd->fn(&cfg, cmd_argc, argv + first);
    config_free(&cfg);
    return rc;
}
