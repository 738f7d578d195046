/* report_id_make(), report_id_valid(), report_filename(): ids are letters and digits, start
 * with the day, differ per generation, domain and nonce, and are reproducible; file names
 * follow RFC 8460 §5.1. */
#include <stdlib.h>

#include "aggregator/report_id.h"
#include "tests/unit/unit.h"

#define DAY 1793491200 /* 2026-11-01 */

struct valid_row {
    const char *name;
    const char *id;
    int want;
};

static const struct valid_row valid_rows[] = {
    {"id: letters and digits", "20261101abcdef0123456789", 1},
    {"id: upper case letters", "ABC123", 1},
    {"id: empty", "", 0},
    {"id: dash", "2026-11-01", 0},
    {"id: at sign (breaks Message-ID)", "abc@def", 0},
    {"id: bang (breaks the file name)", "abc!def", 0},
    {"id: 65 characters", "12345678901234567890123456789012345678901234567890123456789012345", 0},
    {"id: non-ASCII", "abc\xc3\xa9", 0},
};

int main(void)
{
    for (size_t i = 0; i < sizeof valid_rows / sizeof valid_rows[0]; i++)
        UNIT_CHECK(valid_rows[i].name, report_id_valid(valid_rows[i].id) == valid_rows[i].want,
                   "got %d", !valid_rows[i].want);

    char a[REPORT_ID_SIZE], b[REPORT_ID_SIZE], c[REPORT_ID_SIZE], d[REPORT_ID_SIZE],
        e[REPORT_ID_SIZE];
    report_id_make("reporter.example", "a.example", DAY, 1, DAY + 90000, 0, a);
    report_id_make("reporter.example", "a.example", DAY, 1, DAY + 90000, 0, b);
    report_id_make("reporter.example", "a.example", DAY, 2, DAY + 90000, 0, c);
    report_id_make("reporter.example", "b.example", DAY, 1, DAY + 90000, 0, d);
    report_id_make("reporter.example", "a.example", DAY, 1, DAY + 90000, 12345, e);
    UNIT_CHECK("make: 24 characters, starts with the day, valid",
               strlen(a) == 24 && strncmp(a, "20261101", 8) == 0 && report_id_valid(a), "%s", a);
    UNIT_STR_EQ("make: same input, same id", a, b);
    UNIT_CHECK("make: new generation, new id", strcmp(a, c) != 0, "%s", c);
    UNIT_CHECK("make: other domain, other id", strcmp(a, d) != 0, "%s", d);
    UNIT_CHECK("make: other nonce, other id", strcmp(a, e) != 0, "%s", e);

    char name[REPORT_FILENAME_SIZE];
    UNIT_CHECK("filename: fits", report_filename("reporter.example", "a.example", DAY, a, name,
                                                 sizeof name) == 0, "too long");
    char want[200];
    snprintf(want, sizeof want, "reporter.example!a.example!1793491200!1793577599!%s.json.gz", a);
    UNIT_STR_EQ("filename: submitter!domain!begin!end!id.json.gz, end = begin + 86399", want,
                name);
    char small[20];
    UNIT_CHECK("filename: truncation is an error",
               report_filename("reporter.example", "a.example", DAY, a, small, sizeof small) == -1,
               "no error");
    return unit_status();
}
