/* The checks of a reporting host's configuration ([report], [dkim], [delivery]), run by
 * `tlsrpt check-config` and, alone, by `tlsrpt send --check`. Where `send` itself refuses to
 * start, it uses the same functions (reporter/dkim.c dkim_signer_from_key, reporter/dns.c
 * dns_servers_check, reporter/outbox.c outbox_check), so a configuration that passes here
 * does not fail there, and the messages are the same; [report] is checked by aggregate's
 * report_options_load. The syntax of each value was checked by the configuration reader. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aggregator/report_options.h"
#include "cli/checks.h"
#include "lib/clock.h"
#include "reporter/dkim.h"
#include "reporter/dns.h"
#include "reporter/outbox.h"

static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : addr;
}

static void check_report(struct checks *c, const struct config *cfg)
{
    /* What aggregate checks before it builds a report, derived values included. */
    struct report_options opt;
    char submitter[DOMAIN_MAX], err[512];
    if (report_options_load(cfg, &opt, submitter, err, sizeof err) != 0)
        checks_error(c, "%s", err);
    if (strcasecmp(cfg->submitter, domain_of(cfg->contact_info)) != 0)
        checks_error(c, "[report] submitter %s: must be the domain of [report] contact_info (%s), "
                        "RFC 8460 section 5.3", cfg->submitter, cfg->contact_info);
    if (strchr(domain_of(cfg->contact_info), '.') == NULL)
        checks_warn(c, "[report] contact_info %s: the domain has no dot (derived from the host "
                       "name?); set [report] contact_info", cfg->contact_info);
}

static void check_dkim(struct checks *c, const struct config *cfg)
{
    int unset = 0;
    if (cfg->dkim_selector[0] == '\0') {
        checks_error(c, "[dkim] selector: not set; mail reports cannot be signed "
                        "(every transport, outbox included, produces signed mail)");
        unset = 1;
    }
    if (cfg->dkim_key_file[0] == '\0') {
        checks_error(c, "[dkim] key_file: not set; mail reports cannot be signed "
                        "(every transport, outbox included, produces signed mail)");
        unset = 1;
    }
    if (unset)
        return;
    /* Every key, as send loads them (reporter/dkimspec.h, reporter/dkim.c). */
    struct dkim_keyspec specs[DKIM_KEYS_MAX];
    char err[768];
    int n = dkim_keyspecs(cfg, specs, DKIM_KEYS_MAX, err, sizeof err);
    if (n < 0)
        checks_error(c, "%s", err);
    for (int i = 0; i < n; i++) {
        const struct dkim_keyspec *k = &specs[i];
        char *key = checks_secret_file(c, "[dkim] key_file", k->key_file);
        if (key == NULL)
            continue;
        struct dkimkey_info info;
        struct dkim_signer *s = dkim_signer_from_key(cfg, k, key, clock_now(), &info, err,
                                                     sizeof err);
        explicit_bzero(key, strlen(key));
        free(key);
        if (s == NULL)
            checks_error(c, "%s", err);
        else if (info.type == DKIMKEY_RSA && info.bits < 2048)
            checks_warn(c, "[dkim] key_file %s: RSA key of only %d bits; use 2048", k->key_file,
                        info.bits);
        else if (info.type == DKIMKEY_RSA)
            checks_ok(c, "[dkim] key_file %s: RSA key of %d bits, signs with %s (s=%s)",
                      k->key_file, info.bits, dkimkey_algorithm(info.type), k->selector);
        else
            checks_ok(c, "[dkim] key_file %s: Ed25519 key, signs with %s (s=%s)", k->key_file,
                      dkimkey_algorithm(info.type), k->selector);
        dkim_signer_free(s);
    }
    /* d= must be the From domain or a parent of it, or receivers ignore the report. */
    const char *from_dom = domain_of(cfg->from);
    size_t fl = strlen(from_dom), dl = strlen(cfg->dkim_domain);
    if (!(strcasecmp(from_dom, cfg->dkim_domain) == 0 ||
          (fl > dl + 1 && from_dom[fl - dl - 1] == '.' &&
           strcasecmp(from_dom + fl - dl, cfg->dkim_domain) == 0)))
        checks_error(c, "[dkim] domain %s: neither the From domain (%s) nor a parent of it; "
                        "receivers ignore such reports", cfg->dkim_domain, from_dom);
}

static void check_transport(struct checks *c, const struct config *cfg)
{
    /* The syntax of every value (smtp_url, from, sendmail_command...) was checked when the
     * configuration was read (lib/config_value.h), for every command alike. */
    if (strcmp(cfg->transport, "smtp") == 0) {
        if (cfg->smtp_user[0] && strncmp(cfg->smtp_url, "smtp://", 7) == 0 &&
            strcmp(cfg->smtp_starttls, "required") != 0)
            checks_warn(c, "[delivery] smtp_starttls %s: the AUTH password may cross the network "
                           "in clear; use required or smtps://", cfg->smtp_starttls);
        if (cfg->smtp_ca_file[0])
            checks_ca_file(c, "[delivery] smtp_ca_file", cfg->smtp_ca_file);
    } else if (strcmp(cfg->transport, "sendmail") == 0) {
        checks_command(c, "[delivery] sendmail_command", cfg->sendmail_command);
    }
    if (cfg->smtp_user[0] && cfg->smtp_password_file[0] == '\0')
        checks_error(c, "[delivery] smtp_password_file: required when [delivery] smtp_user is set");
    if (cfg->smtp_password_file[0]) {
        if (cfg->smtp_user[0] == '\0')
            checks_warn(c, "[delivery] smtp_password_file: ignored while [delivery] smtp_user is "
                           "not set");
        char *pw = checks_secret_file(c, "[delivery] smtp_password_file", cfg->smtp_password_file);
        /* send uses the first line (reporter/smtp.c): an empty one is no password. */
        if (pw != NULL && (pw[0] == '\r' || pw[0] == '\n'))
            checks_error(c, "[delivery] smtp_password_file %s: empty (the password is its "
                            "first line)", cfg->smtp_password_file);
        else if (pw != NULL)
            checks_ok(c, "[delivery] smtp_password_file %s: readable by us only",
                      cfg->smtp_password_file);
        free(pw);
    }
}

static void check_delivery(struct checks *c, const struct config *cfg)
{
    char err[512];
    if (value_addr_spec(cfg->from, err, sizeof err) != 0) /* derived from contact_info */
        checks_error(c, "[delivery] from: \"%s\": %s", cfg->from, err);
    check_transport(c, cfg);
    if (cfg->https_ca_file[0])
        checks_ca_file(c, "[delivery] https_ca_file", cfg->https_ca_file);
    if (dns_servers_check(cfg->dns_servers, err, sizeof err) != 0)
        checks_error(c, "%s", err);
    else if (cfg->dns_servers[0])
        checks_ok(c, "[delivery] dns_servers %s: valid addresses", cfg->dns_servers);
    if (outbox_check(cfg->transport, cfg->outbox, err, sizeof err) != 0)
        checks_error(c, "%s", err);
    else if (cfg->outbox[0])
        checks_ok(c, "[delivery] outbox %s: a directory we can write to", cfg->outbox);
}

void checks_reporter(struct checks *c, const struct config *cfg)
{
    check_report(c, cfg);
    check_dkim(c, cfg);
    check_delivery(c, cfg);
}
