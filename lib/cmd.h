/* What every subcommand shares: its signature and the exit codes (sysexits style). */
#ifndef TLSRPT_CMD_H
#define TLSRPT_CMD_H

#include "config.h"

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

/* Opens cfg->database, logging the reason on failure (NULL). */
struct db *cmd_open_db(const struct config *cfg);

#endif
