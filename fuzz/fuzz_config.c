/* Fuzz target: the configuration reader (config_load_buffer, the same code as config_load on a
 * file). Properties checked besides "no crash, no sanitizer report":
 *   - an error names the input ("fuzz.conf:LINE: ..." or "fuzz.conf: ...");
 *   - whatever was accepted is valid: socket_mode is never world-writable, numbers are within
 *     their table ranges, enum values are among their choices;
 *   - the values round-trip: writing every key back as `key = "value"` under its section and
 *     reading that again gives the same values (what a config dump would rely on), and
 *     config_finish and config_free leave nothing behind. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/buf.h"
#include "lib/config.h"

static void config_check_valid(const struct config *cfg)
{
    char v[8192];
    FUZZ_CHECK((cfg->socket_mode & 0002) == 0);
    FUZZ_CHECK(cfg->socket_mode >= 0 && cfg->socket_mode <= 0777);
    for (size_t i = 0; i < config_key_count; i++) {
        const struct config_key *k = &config_keys[i];
        const void *field = (const char *)cfg + k->offset;
        switch (k->type) {
        case CT_INT:
        case CT_DURATION:
        case CT_SIZE:
            FUZZ_CHECK(*(const long *)field >= k->min && *(const long *)field <= k->max);
            break;
        case CT_BOOL:
            FUZZ_CHECK(*(const int *)field == 0 || *(const int *)field == 1);
            break;
        case CT_ENUM:
            FUZZ_CHECK(config_list_has(k->choices, *(char *const *)field));
            break;
        case CT_STRING:
        case CT_LIST:
        case CT_MODE:
            break;
        }
        config_format_value(cfg, k, v, sizeof v);
    }
}

/* The configuration written back as a file: every key, quoted, under its section. */
static void config_dump(const struct config *cfg, struct buf *out)
{
    char v[16384];
    const char *section = "";
    for (size_t i = 0; i < config_key_count; i++) {
        const struct config_key *k = &config_keys[i];
        if (strcmp(section, k->section) != 0) {
            section = k->section;
            buf_printf(out, "[%s]\n", section);
        }
        config_format_value(cfg, k, v, sizeof v);
        buf_printf(out, "%s = \"%s\"\n", k->name, v);
    }
}

int fuzz_config(const uint8_t *data, size_t size);
int fuzz_config(const uint8_t *data, size_t size)
{
    struct config cfg, again;
    char err[1024];
    struct buf a = BUF_INIT, b = BUF_INIT;

    config_defaults(&cfg);
    err[0] = '\0';
    if (config_load_buffer(&cfg, "fuzz.conf", (const char *)data, size, err, sizeof err) != 0) {
        FUZZ_CHECK(strncmp(err, "fuzz.conf:", 10) == 0);
        config_free(&cfg);
        return 0;
    }
    config_check_valid(&cfg);

    config_dump(&cfg, &a);
    config_defaults(&again);
    /* A value that cannot be written back on one line (a newline came from nowhere: values
     * are read per line) or that does not fit the reader's line buffer is not a round trip. */
    if (a.len > 0 && config_load_buffer(&again, "dump.conf", a.data, a.len, err, sizeof err) != 0) {
        FUZZ_CHECK(strstr(err, "line too long") != NULL);
    } else {
        config_dump(&again, &b);
        FUZZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
    }
    config_finish(&cfg);
    config_check_valid(&cfg);

    buf_free(&a);
    buf_free(&b);
    config_free(&cfg);
    config_free(&again);
    return 0;
}

FUZZ_ENTRY(fuzz_config)
