/* `tlsrpt stats`: counted sessions and failure details over a range of UTC days, grouped by
 * (day, report domain, policy type) or by --by hour|day|domain|result-type|mx|source|..., as a
 * table, JSON or CSV; under the table of sessions, the collector's rejections when there were
 * any. Reads the counters only; nothing is changed. The groupings and their SQL are in
 * stats_query.c, the table in stats_table.c. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/stats.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/result_type.h"

static const char usage_text[] =
    "stats [--day YYYY-MM-DD | --since YYYY-MM-DD --until YYYY-MM-DD] [--domain D]\n"
    "             [--by policy|day|hour|domain|result-type|mx|source|delivery|rejection] [--top N]\n"
    "             [--json | --csv]";

enum format { FMT_TABLE, FMT_JSON, FMT_CSV };

static int count_of(const char *const *names)
{
    int n = 0;
    while (n < STATS_MAX_COLUMNS && names[n] != NULL)
        n++;
    return n;
}

/* --- CSV (RFC 4180): one header line, then one line per row; result types as columns ------- */
static void csv_field(const char *s, int first)
{
    if (!first)
        putchar(',');
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

static void print_csv(const struct stats_grouping *g, json_t *rows, size_t nrows)
{
    int nkeys = count_of(g->keys), nmeasures = count_of(g->measures), first = 1;
    for (int i = 0; i < nkeys; i++, first = 0)
        csv_field(g->keys[i], first);
    for (int i = 0; i < nmeasures; i++)
        csv_field(g->measures[i], 0);
    if (g->rate)
        csv_field("failure-rate", 0);
    if (g->types_sql)
        for (int t = 0; t < RESULT_TYPE_COUNT; t++)
            csv_field(result_types[t].name, 0);
    putchar('\n');

    for (size_t r = 0; r < nrows && r < json_array_size(rows); r++) {
        json_t *o = json_array_get(rows, r);
        char num[64];
        first = 1;
        for (int i = 0; i < nkeys; i++, first = 0)
            csv_field(json_string_value(json_object_get(o, g->keys[i])), first);
        for (int i = 0; i < nmeasures; i++) {
            snprintf(num, sizeof num, "%lld",
                     (long long)json_integer_value(json_object_get(o, g->measures[i])));
            csv_field(num, 0);
        }
        if (g->rate) {
            snprintf(num, sizeof num, "%.4f", json_real_value(json_object_get(o, "failure-rate")));
            csv_field(num, 0);
        }
        if (g->types_sql) {
            json_t *types = json_object_get(o, "result-types");
            for (int t = 0; t < RESULT_TYPE_COUNT; t++) {
                snprintf(num, sizeof num, "%lld",
                         (long long)json_integer_value(json_object_get(types, result_types[t].name)));
                csv_field(num, 0);
            }
        }
        putchar('\n');
    }
}

static int parse_top(const char *s, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end || v < 1 || v > 1000000000L)
        return -1;
    *out = v;
    return 0;
}

/* Under a table of sessions, the rejected datagrams of the range, when there were any: they
 * counted nothing, and an operator should see that without knowing --by rejection. */
static int print_rejections(struct db *db, const struct stats_query *q)
{
    const struct stats_grouping *g = stats_grouping_find(STATS_REJECTIONS);
    json_t *rows = stats_query_run(db, g, q);
    if (rows == NULL)
        return -1;
    if (json_array_size(rows) > 0) {
        printf("\nCOLLECTOR REJECTIONS: datagrams not counted, by reason (tlsrpt stats --by %s)\n",
               STATS_REJECTIONS);
        stats_print_table(g, rows, 0);
    }
    json_decref(rows);
    return 0;
}

int cmd_stats(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", required_argument, NULL, 'd'},   {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {"domain", required_argument, NULL, 'D'},
        {"by", required_argument, NULL, 'b'},    {"top", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},        {"csv", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},        {0, 0, 0, 0}};
    struct stats_query q = {0, (time_t)1 << 40, NULL};
    const struct stats_grouping *g = stats_grouping_find(NULL);
    enum format format = FMT_TABLE;
    int opt, have_day = 0, formats = 0;
    const char *since = NULL, *until = NULL;
    long top = 0;
    time_t t;
    char domain[DOMAIN_MAX];
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
        case 's':
        case 'u':
            if (cmd_opt_day(usage_text, opt == 'd' ? "--day" : opt == 's' ? "--since" : "--until",
                            optarg, &t) != 0)
                return EXIT_USAGE;
            if (opt == 'd') {
                q.since = t;
                q.until = t + SECONDS_PER_DAY;
                have_day = 1;
            } else if (opt == 's') {
                q.since = t;
                since = optarg;
            } else {
                q.until = t + SECONDS_PER_DAY; /* --until is inclusive */
                until = optarg;
            }
            break;
        case 'D':
            if (cmd_opt_domain(usage_text, "--domain", optarg, domain) != 0)
                return EXIT_USAGE;
            q.domain = domain;
            break;
        case 'b':
            if ((g = stats_grouping_find(optarg)) == NULL)
                return cmd_usage(usage_text, "--by: \"%s\" is not one of %s", optarg,
                                 stats_grouping_names());
            break;
        case 't':
            if (parse_top(optarg, &top) != 0)
                return cmd_usage(usage_text, "--top: \"%s\" is not a positive number", optarg);
            break;
        case 'j':
            format = FMT_JSON;
            formats++;
            break;
        case 'c':
            format = FMT_CSV;
            formats++;
            break;
        case 'h':
            return cmd_help(usage_text);
        default:
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);
    if (have_day && (since || until))
        return cmd_usage(usage_text, "--day cannot be combined with --since/--until");
    /* An empty range is a typo, not "nothing was counted". */
    if (since && until && q.since >= q.until)
        return cmd_usage(usage_text, "--since %s is after --until %s", since, until);
    if (formats > 1)
        return cmd_usage(usage_text, "--json and --csv exclude each other");
    if (q.domain && strcmp(g->name, STATS_REJECTIONS) == 0)
        return cmd_usage(usage_text, "--by %s cannot take --domain (a rejected datagram counts "
                         "for no domain)", STATS_REJECTIONS);

    int failed;
    struct db *db = cmd_open_db_readonly(cfg, &failed);
    if (db == NULL)
        return failed;
    json_t *rows = stats_query_run(db, g, &q);
    if (rows == NULL) {
        failed = cmd_db_error(db);
        db_close(db);
        return failed;
    }
    /* JSON and CSV are data: the first N rows only; the table sums the rest too. */
    size_t nrows = json_array_size(rows);
    if (top > 0 && (size_t)top < nrows)
        nrows = (size_t)top;
    failed = EXIT_OK;
    if (format == FMT_JSON) {
        while (json_array_size(rows) > nrows)
            json_array_remove(rows, json_array_size(rows) - 1);
        /* 10 digits: a rate rounded to 4 decimals prints as 0.6957, not 0.69569999999999999 */
        char *s = json_dumps(rows, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
        printf("%s\n", s);
        free(s);
    } else if (format == FMT_CSV) {
        print_csv(g, rows, nrows);
    } else {
        stats_print_table(g, rows, top);
        if (g->rate && q.domain == NULL && print_rejections(db, &q) != 0)
            failed = cmd_db_error(db);
    }
    json_decref(rows);
    db_close(db);
    return failed;
}
