/* report_options_load(): the [report] keys as the builder needs them, and the values that
 * would make a broken report refused up front. */
#include <stdlib.h>

#include "aggregator/report_options.h"
#include "lib/policy_type.h"
#include "tests/unit/unit.h"

struct row {
    const char *name;
    const char *key, *value;    /* one [report] key set over the defaults */
    int ok;
    unsigned types, redact;     /* expected masks when ok */
    const char *submitter;
};

#define ALL 7u
#define BIT(i) (1u << (i))

static const struct row rows[] = {
    {"defaults: every type, nothing redacted", NULL, NULL, 1, ALL, 0, "reporter.example"},
    {"policy_types sts alone", "policy_types", "sts", 1, BIT(1), 0, "reporter.example"},
    {"policy_types tlsa, no-policy-found", "policy_types", "tlsa, no-policy-found", 1,
     BIT(0) | BIT(2), 0, "reporter.example"},
    {"policy_types empty is refused", "policy_types", "", 0, 0, 0, NULL},
    {"redact two fields", "redact", "sending-mta-ip receiving-mx-helo", 1, ALL,
     BIT(DF_SENDING_MTA_IP) | BIT(DF_RECEIVING_MX_HELO), "reporter.example"},
    {"submitter normalised to lower case", "submitter", "Reports.Example.", 1, ALL, 0,
     "reports.example"},
    {"submitter with a bang is refused", "submitter", "a!b.example", 0, 0, 0, NULL},
    {"contact_info without @ is refused", "contact_info", "reporter.example", 0, 0, 0, NULL},
    {"contact_info with a space is refused", "contact_info", "a b@reporter.example", 0, 0, 0,
     NULL},
    {"contact_info with a bad domain is refused", "contact_info", "a@bad..example", 0, 0, 0, NULL},
    {"organization_name not UTF-8 is refused", "organization_name", "Caf\xe9", 0, 0, 0, NULL},
};

static void run_row(const struct row *r)
{
    struct config cfg;
    struct report_options o;
    char err[512], sub[DOMAIN_MAX], name[200];
    config_defaults(&cfg);
    config_set(&cfg, "report", "organization_name", "Org", err, sizeof err);
    config_set(&cfg, "report", "contact_info", "tlsrpt@reporter.example", err, sizeof err);
    /* A value is refused where the configuration is read (config_set, the reader's check)
     * or, for what only the whole configuration shows, by report_options_load. */
    int rc = r->key ? config_set(&cfg, "report", r->key, r->value, err, sizeof err) : 0;
    config_finish(&cfg);
    if (rc == 0)
        rc = report_options_load(&cfg, &o, sub, err, sizeof err);
    snprintf(name, sizeof name, "%s: accepted or refused", r->name);
    UNIT_CHECK(name, (rc == 0) == r->ok, "rc %d: %s", rc, err);
    if (rc == 0 && r->ok) {
        snprintf(name, sizeof name, "%s: masks", r->name);
        UNIT_CHECK(name, o.policy_types == r->types && o.redact == r->redact,
                   "types %x redact %x", o.policy_types, o.redact);
        snprintf(name, sizeof name, "%s: submitter", r->name);
        UNIT_STR_EQ(name, r->submitter, sub);
    } else if (rc != 0) {
        snprintf(name, sizeof name, "%s: names the key", r->name);
        UNIT_CHECK(name, strstr(err, "[report]") != NULL, "%s", err);
    }
    config_free(&cfg);
}

int main(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        run_row(&rows[i]);
    return unit_status();
}
