#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "log.h"

int cmd_help(const char *usage)
{
    printf("usage: tlsrpt [global options] %s\n", usage);
    return EXIT_OK;
}

int cmd_usage(const char *usage, const char *fmt, ...)
{
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        fputs("tlsrpt: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    fprintf(stderr, "usage: tlsrpt [global options] %s\n", usage);
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

struct db *cmd_open_db(const struct config *cfg)
{
    char err[512];
    struct db *db = db_open(cfg->database, err, sizeof err);
    if (db == NULL)
        log_error("%s", err);
    return db;
}
