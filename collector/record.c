/* `tlsrpt record [--time RFC3339]`: the datagram JSON objects, one per line on stdin, counted
 * through the same path as the collector's (ingest_bytes, store_counters). For scripts, MTAs
 * without libtlsrpt, back-filling and tests. Bad lines are reported with their number; good
 * lines are stored. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "collector/counters.h"
#include "collector/ingest.h"
#include "collector/store.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/db.h"
#include "lib/log.h"

#define RECORD_BATCH 50000 /* lines per transaction, to bound memory on long inputs */

static const char usage_text[] = "record [--time RFC3339] < results.jsonl";

int cmd_record(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"time", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    time_t when = clock_now();
    int opt;
    while ((opt = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
        if (opt == 't') {
            if (rfc3339_parse(optarg, &when) != 0)
                return cmd_usage(usage_text, "--time: \"%s\" is not an RFC 3339 time", optarg);
        } else if (opt == 'h') {
            return cmd_help(usage_text);
        } else {
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);

    struct db *db = cmd_open_db(cfg);
    if (db == NULL)
        return EXIT_ERROR;
    struct store *store = store_new(db);
    if (store == NULL) {
        db_close(db);
        return EXIT_ERROR;
    }

    struct counters c;
    struct ingest *ingest = ingest_new();
    struct datagram_error err;
    char *line = NULL;
    size_t cap = 0, batch = 0;
    unsigned long lineno = 0, good = 0, bad = 0, stored = 0;
    ssize_t n;
    int rc = EXIT_OK;
    counters_init(&c);

    while ((n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        if (ingest_bytes(ingest, &c, when, line, (size_t)n, &err, NULL) != 0) {
            fprintf(stderr, "tlsrpt record: line %lu: rejected reason=%s: %s\n", lineno,
                    err.reason, err.message);
            bad++;
            continue;
        }
        good++;
        if (++batch >= RECORD_BATCH) {
            if (store_counters(store, &c, "") != 0) {
                rc = EXIT_ERROR;
                break;
            }
            stored += c.accepted;
            counters_free(&c);
            batch = 0;
        }
    }
    if (rc == EXIT_OK) {
        if (store_counters(store, &c, "") != 0)
            rc = EXIT_ERROR;
        else
            stored += c.accepted;
    }
    if (rc != EXIT_OK)
        log_error("could not store results: %lu of %lu good lines stored", stored, good);
    else
        log_info("recorded lines=%lu stored=%lu rejected=%lu", lineno, stored, bad);
    if (rc == EXIT_OK && bad)
        rc = EXIT_ERROR;

    counters_free(&c);
    counters_thread_done();
    free(line);
    ingest_free(ingest);
    store_free(store);
    db_close(db);
    return rc;
}
