/* Checking and converting the [report] keys. */
#include "aggregator/report_options.h"

#include <stdio.h>
#include <string.h>

#include "lib/config_value.h"
#include "lib/detail_field.h"
#include "lib/policy_type.h"

int report_options_load(const struct config *cfg, struct report_options *opt,
                        char submitter[DOMAIN_MAX], char *err, size_t errsize)
{
    char item[256];
    const char *cur, *why;
    memset(opt, 0, sizeof *opt);

    /* The configuration reader checked what the file set; these are the derived values too
     * (the host name, postmaster@ its domain), with the same checks (lib/config_value.h). */
    char bad[400];
    if (cfg->organization_name[0] == '\0' ||
        value_text(cfg->organization_name, bad, sizeof bad) != 0) {
        snprintf(err, errsize, "[report] organization_name must be non-empty UTF-8 text "
                 "without control characters");
        return -1;
    }
    if (value_addr_spec(cfg->contact_info, bad, sizeof bad) != 0) {
        snprintf(err, errsize, "[report] contact_info: \"%.100s\": %s", cfg->contact_info, bad);
        return -1;
    }
    if (domain_normalize(cfg->submitter, strlen(cfg->submitter), submitter, &why) != 0) {
        snprintf(err, errsize, "[report] submitter \"%.100s\" is not a domain name: %s",
                 cfg->submitter, why);
        return -1;
    }
    opt->organization_name = cfg->organization_name;
    opt->contact_info = cfg->contact_info;

    cur = cfg->policy_types;
    while (config_list_next(&cur, item, sizeof item)) {
        int i;
        for (i = 0; i < POLICY_TYPE_COUNT; i++)
            if (strcmp(policy_types[i].name, item) == 0)
                break;
        if (i == POLICY_TYPE_COUNT) {
            snprintf(err, errsize, "[report] policy_types: unknown type \"%.60s\"", item);
            return -1;
        }
        opt->policy_types |= 1u << i;
    }
    if (opt->policy_types == 0) {
        snprintf(err, errsize, "[report] policy_types is empty: nothing would be reported");
        return -1;
    }
    cur = cfg->redact;
    while (config_list_next(&cur, item, sizeof item)) {
        int f = detail_field_by_name(item);
        if (f < 0) {
            snprintf(err, errsize, "[report] redact: unknown field \"%.60s\"", item);
            return -1;
        }
        opt->redact |= 1u << f;
    }
    opt->skip_success_only = cfg->skip_success_only;
    opt->max_failure_details = cfg->max_failure_details;
    opt->max_gzip_bytes = cfg->max_report_size;
    opt->max_json_bytes = REPORT_JSON_LIMIT;
    return 0;
}
