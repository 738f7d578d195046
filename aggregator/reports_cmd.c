/* `tlsrpt reports [--day D] [--domain D] [--all] [--json]`: the stored reports, current
 * generations only unless --all, as a table or as a JSON array (report_list_json). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregator/report_list.h"
#include "cli/commands.h"
#include "reporter/deliveries.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/domain.h"

static const char usage_text[] = "reports [--day YYYY-MM-DD] [--domain DOMAIN] [--all] [--json]";

struct listing {
    struct db *db;
    json_t *array;              /* --json */
    unsigned long n;
};

static int print_row(const struct report_row *r, void *arg)
{
    struct listing *l = arg;
    if (l->array) {
        json_array_append_new(l->array, report_list_json(l->db, r));
        return 0;
    }
    if (l->n++ == 0)
        printf("%-10s  %-32s %3s %-10s %-9s %10s %10s %9s  %s\n", "DAY", "DOMAIN", "GEN",
               "STATUS", "DELIVERY", "SUCCESSFUL", "FAILED", "BYTES", "REPORT ID");
    const char *state = deliveries_report_state(l->db, r->report_id);
    printf("%-10s  %-32s %3ld %-10s %-9s %10lld %10lld %9lld  %s\n", r->day, r->domain,
           r->generation, r->superseded ? "superseded" : "current", state ? state : "?",
           (long long)r->successful, (long long)r->failed, (long long)r->bytes, r->report_id);
    return 0;
}

int cmd_reports(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"day", required_argument, NULL, 'd'}, {"domain", required_argument, NULL, 'D'},
        {"all", no_argument, NULL, 'a'},       {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},      {0, 0, 0, 0}};
    struct report_filter f = {0};
    char day[16], domain[DOMAIN_MAX];
    time_t t;
    int opt, json = 0;

    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            if (cmd_opt_day(usage_text, "--day", optarg, &t) != 0)
                return EXIT_USAGE;
            f.day = day_format(t, day);
            break;
        case 'D':
            if (cmd_opt_domain(usage_text, "--domain", optarg, domain) != 0)
                return EXIT_USAGE;
            f.domain = domain;
            break;
        case 'a':
            f.all = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            return cmd_help(usage_text);
        default:
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);

    struct db *db = cmd_open_db(cfg);
    if (db == NULL)
        return EXIT_ERROR;
    struct listing l = {db, json ? json_array() : NULL, 0};
    int rc = report_list(db, &f, print_row, &l) == 0 ? EXIT_OK : EXIT_ERROR;
    if (rc == EXIT_OK && json) {
        char *s = json_dumps(l.array, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    } else if (rc == EXIT_OK && l.n == 0) {
        printf("no reports\n");
    }
    json_decref(l.array);
    db_close(db);
    return rc;
}
