/* Checking and converting the [report] keys. */
#include "aggregator/report_options.h"

#include <stdio.h>
#include <string.h>

#include "lib/detail_field.h"
#include "lib/policy_type.h"
#include "lib/utf8.h"

/* RFC 5322 atext, plus '.' between atoms (a dot-atom local part). */
static int local_part_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL)
            continue;
        if (c == '.' && s[i + 1] != '.')
            continue;
        return 0;
    }
    return 1;
}

/* contact-info must be an addr-spec (RFC 8460 §4.4): a dot-atom local part and a domain. */
static int contact_ok(const char *addr)
{
    const char *at = strrchr(addr, '@');
    char dom[DOMAIN_MAX];
    const char *why;
    if (at == NULL || !local_part_ok(addr, (size_t)(at - addr)))
        return 0;
    return domain_normalize(at + 1, strlen(at + 1), dom, &why) == 0;
}

int report_options_load(const struct config *cfg, struct report_options *opt,
                        char submitter[DOMAIN_MAX], char *err, size_t errsize)
{
    char item[256];
    const char *cur, *why;
    memset(opt, 0, sizeof *opt);

    size_t n = strlen(cfg->organization_name);
    if (n == 0 || utf8_valid_prefix(cfg->organization_name, n) != n) {
        snprintf(err, errsize, "[report] organization_name must be non-empty UTF-8 text");
        return -1;
    }
    if (!contact_ok(cfg->contact_info)) {
        snprintf(err, errsize, "[report] contact_info \"%.100s\" is not an e-mail address "
                 "(local-part@domain)", cfg->contact_info);
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
