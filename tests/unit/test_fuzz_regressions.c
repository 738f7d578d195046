/* Replays what the fuzzers found, in the normal (and sanitizer, and valgrind) test build:
 *   - every file of tests/data/fuzz-regressions/NAME/ through the fuzz target fuzz_NAME
 *     (fuzz/fuzz_NAME.c, included here without its libFuzzer entry point), in name order and
 *     in one process, so that a finding that needs a sequence of inputs (state kept between
 *     calls) is a numbered series of files: 001-x-a, 001-x-b;
 *   - the targets' seed directories, so that their property checks run on every real vector;
 *   - table rows for findings best stated directly.
 * A violated property aborts (a test failure with the reason on stderr). */
#define FUZZ_NO_ENTRY
#include "fuzz/fuzz_config.c"
#include "fuzz/fuzz_datagram.c"
#include "fuzz/fuzz_dns.c"
#include "fuzz/fuzz_exchange.c"
#include "fuzz/fuzz_record.c"
#include "fuzz/fuzz_rua.c"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"

typedef int target_fn(const uint8_t *data, size_t size);

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Runs every regular file of dir through fn; one PASS line per file, or one for the whole
 * directory. Returns the number of files. */
static int replay_dir(const char *top, const char *dir, const char *label, target_fn *fn,
                      int line_per_file)
{
    char path[4096];
    struct dirent **names;
    snprintf(path, sizeof path, "%s/%s", top, dir);
    int n = scandir(path, &names, NULL, by_name);
    if (n < 0)
        return 0;
    int files = 0;
    for (int i = 0; i < n; i++) {
        char file[8192], name[512];
        size_t len;
        snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name);
        char *data = names[i]->d_name[0] == '.' ? NULL : unit_slurp(file, &len);
        if (data != NULL) {
            fn((const uint8_t *)data, len); /* aborts on a violated property */
            files++;
            snprintf(name, sizeof name, "%s %s/%s", label, dir, names[i]->d_name);
            if (line_per_file)
                UNIT_CHECK(name, 1, " ");
            free(data);
        }
        free(names[i]);
    }
    free(names);
    if (!line_per_file) {
        char name[512];
        snprintf(name, sizeof name, "%s %s (%d files)", label, dir, files);
        UNIT_CHECK(name, files > 0, "no input files");
    }
    return files;
}

/* 001: the parse result's `repaired` count survived into later datagrams (the collector reuses
 * its parse scratch), so after one Latin-1 datagram every datagram counted as repaired. */
static void row_stale_repaired(void)
{
    struct ingest *in = ingest_new();
    struct counters c;
    struct datagram_error err;
    size_t repaired = 99;
    const char latin1[] = "{\"dpv\": \"1\",\"d\": \"example.com\",\"pr\": \"v=TLSRPTv1;rua=mailto:"
                          "a@example.com\",\"policies\":[{\"policy-type\":9,\"failure-details\":"
                          "[{\"c\":201,\"a\": \"caf\xe9\"}],\"t\":1,\"f\":1}]}";
    const char valid[] = "{\"dpv\": \"1\",\"d\": \"example.com\",\"pr\": \"v=TLSRPTv1;rua=mailto:"
                         "a@example.com\",\"policies\":[{\"policy-type\":9,\"t\":0,\"f\":0}]}";
    counters_init(&c);
    int rc = ingest_bytes(in, &c, 1764460800, latin1, sizeof latin1 - 1, &err, &repaired, NULL);
    UNIT_CHECK("001 stale-repaired: Latin-1 datagram is repaired", rc == 0 && repaired == 1,
               "rc=%d repaired=%zu", rc, repaired);
    repaired = 99;
    rc = ingest_bytes(in, &c, 1764460800, valid, sizeof valid - 1, &err, &repaired, NULL);
    UNIT_CHECK("001 stale-repaired: the next valid datagram is not", rc == 0 && repaired == 0,
               "rc=%d repaired=%zu", rc, repaired);
    counters_free(&c);
    ingest_free(in);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0); /* PASS lines before an abort are not lost */
    const char *top = getenv("TOP");
    if (top == NULL || *top == '\0')
        top = ".";

    row_stale_repaired();

    static const struct {
        const char *name;
        target_fn *fn;
        const char *seed_dirs[4];
    } targets[] = {
        {"datagram", fuzz_datagram,
         {"tests/data/vectors/libtlsrpt", "tests/data/vectors/malformed", "fuzz/seeds/datagram"}},
        {"record", fuzz_record, {"fuzz/seeds/record", "fuzz/seeds/datagram"}},
        {"config", fuzz_config, {"fuzz/seeds/config"}},
        {"exchange", fuzz_exchange, {"fuzz/seeds/exchange"}},
        {"rua", fuzz_rua, {"fuzz/seeds/rua"}},
        {"dns", fuzz_dns, {"fuzz/seeds/dns"}},
    };
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        char dir[256];
        snprintf(dir, sizeof dir, "tests/data/fuzz-regressions/%s", targets[t].name);
        replay_dir(top, dir, "fuzz-regression", targets[t].fn, 1);
        for (int i = 0; i < 4 && targets[t].seed_dirs[i]; i++) {
            char label[64];
            snprintf(label, sizeof label, "fuzz-seeds %s", targets[t].name);
            replay_dir(top, targets[t].seed_dirs[i], label, targets[t].fn, 0);
        }
    }
    if (record_db != NULL)
        db_close(record_db);
    counters_thread_done();
    return unit_status();
}
