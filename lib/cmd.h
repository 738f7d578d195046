/* What every subcommand shares: its signature, its help and error lines, opening the
 * database, and the exit codes. The exit-code table (tlsrpt(8), EXIT STATUS) is one for every
 * command: 0 done; 1 an operator must act (configuration, bad input, a database that is
 * missing or has a schema older or newer than this program, a report that cannot be built);
 * 2 a bad command line (an operator's typo: also needs one); 75 the work could not be done
 * now and a later run will (the database is locked by another process, the resolver is
 * down). Timers retry 75 only. */
#ifndef TLSRPT_CMD_H
#define TLSRPT_CMD_H

#include <time.h>

#include "config.h"
#include "domain.h"

#include "db.h"

#define EXIT_OK 0
#define EXIT_ERROR 1    /* an operator must act: configuration, input, database, report */
#define EXIT_USAGE 2    /* bad command line */
#define EXIT_TEMPFAIL 75 /* EX_TEMPFAIL: the run could not do its work; run again later */

/* argv[0] is the command name; options are parsed with getopt_long from optind = 1.
 * cfg holds the loaded configuration with --db already applied. Returns an exit code. */
typedef int cmd_fn(struct config *cfg, int argc, char **argv);

/* The command being run (main sets it), for help and usage lines. */
void cmd_set_current(const char *name);

/* --help: prints the command's synopsis and options, as tlsrpt(8) has them (lib/help.h), to
 * stdout; returns EXIT_OK. usage is the fallback for a command the man page lacks. */
int cmd_help(const char *usage);

/* Prints "tlsrpt CMD: error: message" (log_error, the one error printer) and the synopsis to
 * stderr; returns EXIT_USAGE. fmt NULL: the synopsis only (getopt printed the error). */
int cmd_usage(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Option values several commands take, checked alike: on a bad value they print the usage
 * error naming the option (opt, e.g. "--day") and return EXIT_USAGE, else 0.
 * cmd_opt_day: YYYY-MM-DD, the start of that UTC day in *day. cmd_opt_domain: the domain as
 * it is stored (lower case, A-labels, no trailing dot), so "Example.COM." finds example.com. */
int cmd_opt_day(const char *usage, const char *opt, const char *arg, time_t *day);
int cmd_opt_domain(const char *usage, const char *opt, const char *arg, char out[DOMAIN_MAX]);

/* Opens cfg->database for writing (creating and migrating it), or read-only (never creating
 * nor migrating it: for the commands that only read). On failure logs the reason and returns
 * NULL with the command's exit code in *exit_code: 75 when the database is locked, else 1. */
struct db *cmd_open_db(const struct config *cfg, int *exit_code);
struct db *cmd_open_db_readonly(const struct config *cfg, int *exit_code);
/* The exit code of a failed open, by its reason. */
int cmd_exit_for(enum db_failure why);
/* The exit code after a failed statement: 75 when the database was busy or locked, else 1. */
int cmd_db_error(struct db *db);

#endif
