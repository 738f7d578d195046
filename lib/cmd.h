/* What every subcommand shares: its signature and the exit codes (sysexits style). */
#ifndef TLSRPT_CMD_H
#define TLSRPT_CMD_H

#include <time.h>

#include "config.h"
#include "domain.h"

#define EXIT_OK 0
#define EXIT_ERROR 1    /* configuration or operational error */
#define EXIT_USAGE 2    /* bad command line */
#define EXIT_TEMPFAIL 75 /* EX_TEMPFAIL: the run could not do its work; run again later */

/* argv[0] is the command name; options are parsed with getopt_long from optind = 1.
 * cfg holds the loaded configuration with --db already applied. Returns an exit code. */
typedef int cmd_fn(struct config *cfg, int argc, char **argv);

/* --help: prints the usage line to stdout; returns EXIT_OK. */
int cmd_help(const char *usage);

/* Prints "tlsrpt CMD: message" and the usage line to stderr; returns EXIT_USAGE. */
int cmd_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option values several commands take, checked alike: on a bad value they print the usage
 * error naming the option (opt, e.g. "--day") and return EXIT_USAGE, else 0.
 * cmd_opt_day: YYYY-MM-DD, the start of that UTC day in *day. cmd_opt_domain: the domain as
 * it is stored (lower case, A-labels, no trailing dot), so "Example.COM." finds example.com. */
int cmd_opt_day(const char *usage, const char *opt, const char *arg, time_t *day);
int cmd_opt_domain(const char *usage, const char *opt, const char *arg, char out[DOMAIN_MAX]);

/* Opens cfg->database, logging the reason on failure (NULL). */
struct db *cmd_open_db(const struct config *cfg);

#endif
