#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "help.h"
#include "log.h"

static const char *current_command;

void cmd_set_current(const char *name)
{
    current_command = name;
}

int cmd_help(const char *usage)
{
    const char *text = help_text(current_command);
    if (text != NULL)
        fputs(text, stdout);
    else
        printf("usage: tlsrpt [global options] %s\n", usage);
    return EXIT_OK;
}

int cmd_usage(const char *usage, const char *fmt, ...)
{
    if (fmt != NULL) {
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        log_error("%s", msg);
    }
    const char *synopsis = help_synopsis(current_command);
    if (synopsis != NULL)
        fprintf(stderr, "usage: %s\n", synopsis);
    else
        fprintf(stderr, "usage: tlsrpt [global options] %s\n", usage);
    fprintf(stderr, "'tlsrpt help%s%s' lists the options.\n", current_command ? " " : "",
            current_command ? current_command : "");
    return EXIT_USAGE;
}

int cmd_opt_day(const char *usage, const char *opt, const char *arg, time_t *day)
{
    if (day_parse(arg, day) == 0)
        return 0;
    return cmd_usage(usage, "%s: \"%s\" is not a day (YYYY-MM-DD)", opt, arg);
}

int cmd_opt_domain(const char *usage, const char *opt, const char *arg, char out[DOMAIN_MAX])
{
    const char *why = NULL;
    if (domain_normalize(arg, strlen(arg), out, &why) == 0)
        return 0;
    return cmd_usage(usage, "%s: \"%s\": %s", opt, arg, why);
}

int cmd_exit_for(enum db_failure why)
{
    switch (why) {
    case DB_FAIL_NONE:
        return EXIT_OK;
    case DB_FAIL_BUSY:
        return EXIT_TEMPFAIL;
    default:
        return EXIT_ERROR;
    }
}

static struct db *opened(struct db *db, enum db_failure why, const char *err, int *exit_code)
{
    if (db == NULL)
        log_error("%s", err);
    *exit_code = cmd_exit_for(why);
    return db;
}

struct db *cmd_open_db(const struct config *cfg, int *exit_code)
{
    char err[512];
    enum db_failure why;
    struct db *db = db_open_rw(cfg->database, &why, err, sizeof err);
    return opened(db, why, err, exit_code);
}

struct db *cmd_open_db_readonly(const struct config *cfg, int *exit_code)
{
    char err[512];
    enum db_failure why;
    struct db *db = db_open_readonly(cfg->database, &why, err, sizeof err);
    return opened(db, why, err, exit_code);
}

int cmd_db_error(struct db *db)
{
    return db_is_busy(db) ? EXIT_TEMPFAIL : EXIT_ERROR;
}
