/* The table of `tlsrpt stats`: key columns sized to their contents, the measures, the failure
 * rate as a percentage, the failure details by result type; under --top N the first N rows,
 * then one "others" line summing the rest; last the total over every row of the range. */
#include <stdio.h>
#include <string.h>

#include "cli/stats.h"
#include "lib/buf.h"

static int count_of(const char *const *names)
{
    int n = 0;
    while (n < STATS_MAX_COLUMNS && names[n] != NULL)
        n++;
    return n;
}

/* "policy-type" -> "POLICY TYPE" */
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

/* A percentage; "-" when there were no sessions (0 of 0 is no rate at all). */
static void rate_text(long long ok, long long failed, char *out, size_t size)
{
    if (ok + failed == 0)
        snprintf(out, size, "-");
    else
        snprintf(out, size, "%.1f%%", 100.0 * (double)failed / (double)(ok + failed));
}

/* One line: a row's key columns, or label in the first and the others blank (the "others"
 * and "total" lines); a measure o lacks (distinct domains in a sum) is blank. */
static void print_line(const struct stats_grouping *g, const int *width, json_t *o,
                       const char *label, int with_types)
{
    int nkeys = count_of(g->keys), nmeasures = count_of(g->measures);
    for (int i = 0; i < nkeys; i++)
        printf("%-*s  ", width[i], label == NULL ? key_text(g, o, i) : i == 0 ? label : "");
    for (int i = 0; i < nmeasures; i++) {
        json_t *v = json_object_get(o, g->measures[i]);
        if (v == NULL)
            printf("%15s ", "");
        else
            printf("%15lld ", (long long)json_integer_value(v));
    }
    if (g->rate) {
        char rate[32];
        rate_text(json_integer_value(json_object_get(o, g->measures[0])),
                  json_integer_value(json_object_get(o, g->measures[1])), rate, sizeof rate);
        printf("%13s ", rate);
    }
    if (g->types_sql != NULL && with_types) {
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

void stats_print_table(const struct stats_grouping *g, json_t *rows, long top)
{
    int nkeys = count_of(g->keys), nmeasures = count_of(g->measures);
    size_t all = json_array_size(rows);
    size_t shown = top > 0 && (size_t)top < all ? (size_t)top : all;
    int width[STATS_MAX_COLUMNS];
    char head[64], others[64];

    snprintf(others, sizeof others, "others (%zu row%s)", all - shown, all - shown == 1 ? "" : "s");
    for (int i = 0; i < nkeys; i++) {
        heading(g->keys[i], head, sizeof head);
        width[i] = (int)strlen(head);
        if (i == 0 && width[i] < 5)
            width[i] = 5; /* room for "total" */
        if (i == 0 && shown < all && width[i] < (int)strlen(others))
            width[i] = (int)strlen(others);
        for (size_t r = 0; r < shown; r++) {
            int w = (int)strlen(key_text(g, json_array_get(rows, r), i));
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

    for (size_t r = 0; r < shown; r++)
        print_line(g, width, json_array_get(rows, r), NULL, 1);
    if (shown < all) {
        json_t *rest = stats_sum_rows(g, rows, shown, all);
        print_line(g, width, rest, others, 1);
        json_decref(rest);
    }
    json_t *total = stats_sum_rows(g, rows, 0, all);
    print_line(g, width, total, "total", 0);
    json_decref(total);
}
