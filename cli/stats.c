/* `tlsrpt stats`: counted sessions and failure details over a range of UTC days, grouped by
 * (day, report domain, policy type) or by --by hour|day|domain|result-type|mx|source, as a
 * table, JSON or CSV. Reads the counters only; nothing is changed. The groupings and their
 * SQL are in stats_query.c. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/stats.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"
#include "lib/result_type.h"

static const char usage_text[] =
    "stats [--day YYYY-MM-DD | --since YYYY-MM-DD --until YYYY-MM-DD] [--domain D]\n"
    "             [--by policy|day|hour|domain|result-type|mx|source|delivery] [--top N] [--json | --csv]";

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

static void print_csv(const struct stats_grouping *g, json_t *rows)
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

    size_t r;
    json_t *o;
    json_array_foreach(rows, r, o) {
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

/* --- the table: key columns sized to their contents, totals at the end ------------------- */
static void heading(const char *name, char *out, size_t size)
{
    size_t i;
    for (i = 0; name[i] && i + 1 < size; i++)
        out[i] = name[i] == '-' ? ' ' : (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32
                                                                                 : name[i]);
    out[i] = '\0';
}

static const char *key_text(const struct stats_grouping *g, json_t *o, int i)
{
    const char *s = json_string_value(json_object_get(o, g->keys[i]));
    return s && *s ? s : g->empty_label ? g->empty_label : "-";
}

static void rate_text(long long ok, long long failed, char *out, size_t size)
{
    if (ok + failed == 0)
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.1f%%", 100.0 * (double)failed / (double)(ok + failed));
}

static void print_table(const struct stats_grouping *g, json_t *rows)
{
    int nkeys = count_of(g->keys), nmeasures = count_of(g->measures);
    int width[STATS_MAX_COLUMNS];
    long long total[STATS_MAX_COLUMNS] = {0};
    char head[64];
    size_t r;
    json_t *o;

    for (int i = 0; i < nkeys; i++) {
        heading(g->keys[i], head, sizeof head);
        width[i] = (int)strlen(head);
        if (i == 0 && width[i] < 5)
            width[i] = 5; /* room for "total" */
        json_array_foreach(rows, r, o) {
            int w = (int)strlen(key_text(g, o, i));
            if (w > width[i])
                width[i] = w;
        }
    }
    for (int i = 0; i < nkeys; i++) {
        heading(g->keys[i], head, sizeof head);
        printf("%-*s  ", width[i], head);
    }
    for (int i = 0; i < nmeasures; i++) {
        heading(g->measures[i], head, sizeof head);
        printf("%15s ", head);
    }
    if (g->rate)
        printf("%13s ", "FAILURE RATE");
    printf("%s\n", g->types_sql ? " FAILURE DETAILS BY RESULT TYPE" : "");

    json_array_foreach(rows, r, o) {
        for (int i = 0; i < nkeys; i++)
            printf("%-*s  ", width[i], key_text(g, o, i));
        long long v[STATS_MAX_COLUMNS];
        for (int i = 0; i < nmeasures; i++) {
            v[i] = json_integer_value(json_object_get(o, g->measures[i]));
            total[i] += v[i];
            printf("%15lld ", v[i]);
        }
        if (g->rate) {
            char rate[32];
            rate_text(v[0], v[1], rate, sizeof rate);
            printf("%13s ", rate);
        }
        if (g->types_sql) {
            struct buf types = BUF_INIT;
            const char *name;
            json_t *count;
            json_object_foreach(json_object_get(o, "result-types"), name, count) {
                buf_printf(&types, " %s=%lld", name, (long long)json_integer_value(count));
            }
            printf("%s", types.len ? types.data : " -");
            buf_free(&types);
        }
        printf("\n");
    }
    /* Totals of counts that add up: sessions and failure details, not distinct domains. */
    printf("%-*s  ", width[0], "total");
    for (int i = 1; i < nkeys; i++)
        printf("%-*s  ", width[i], "");
    for (int i = 0; i < nmeasures; i++) {
        if (strcmp(g->measures[i], "domains") == 0)
            printf("%15s ", "");
        else
            printf("%15lld ", total[i]);
    }
    if (g->rate) {
        char rate[32];
        rate_text(total[0], total[1], rate, sizeof rate);
        printf("%13s ", rate);
    }
    printf("\n");
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

int cmd_stats(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", required_argument, NULL, 'd'},   {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'}, {"domain", required_argument, NULL, 'D'},
        {"by", required_argument, NULL, 'b'},    {"top", required_argument, NULL, 't'},
        {"json", no_argument, NULL, 'j'},        {"csv", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},        {0, 0, 0, 0}};
    struct stats_query q = {0, (time_t)1 << 40, NULL, 0};
    const struct stats_grouping *g = stats_grouping_find(NULL);
    enum format format = FMT_TABLE;
    int opt, have_day = 0, have_range = 0, formats = 0;
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
                have_range = 1;
            } else {
                q.until = t + SECONDS_PER_DAY; /* --until is inclusive */
                have_range = 1;
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
            if (parse_top(optarg, &q.top) != 0)
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
    if (have_day && have_range)
        return cmd_usage(usage_text, "--day cannot be combined with --since/--until");
    if (formats > 1)
        return cmd_usage(usage_text, "--json and --csv exclude each other");

    struct db *db = cmd_open_db(cfg);
    if (db == NULL)
        return EXIT_ERROR;
    json_t *rows = stats_query_run(db, g, &q);
    db_close(db);
    if (rows == NULL)
        return EXIT_ERROR;
    if (format == FMT_JSON) {
        char *s = json_dumps(rows, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else if (format == FMT_CSV) {
        print_csv(g, rows);
    } else {
        print_table(g, rows);
    }
    json_decref(rows);
    return EXIT_OK;
}
