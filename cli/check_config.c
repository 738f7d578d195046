/* `tlsrpt check-config`: validates the configuration and everything it points to (DKIM key,
 * database, socket directory, CA files, password file, outbox), prints the effective
 * configuration and what tlsrpt would do with it. No network probes, nothing is changed.
 * Exit 0 only when no check failed (warnings allowed).
 * `tlsrpt check-config --defaults` prints every key with its meaning and default, as a
 * commented configuration file: etc/tlsrpt.conf.example is that output.
 * `tlsrpt send --check` is check_config_send(): the same checks for the reporter role. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/checks.h"
#include "cli/commands.h"
#include "lib/config.h"
#include "lib/group.h"

static const char usage_text[] = "check-config [--role all|collector|reporter] [--defaults]";

enum role { ROLE_COLLECTOR = 1, ROLE_REPORTER = 2, ROLE_ALL = 3 };

static void print_defaults(FILE *out)
{
    const char *section = "";
    fprintf(out, "# /etc/tlsrpt/tlsrpt.conf: configuration of tlsrpt(8); see tlsrpt.conf(5).\n"
                 "# Every key is shown commented out with its default value; an empty default\n"
                 "# means \"not set\" or \"derived\", as its description says. Comments are\n"
                 "# whole lines starting with # or ;, never after a value (an error there).\n"
                 "# Check a configuration with: tlsrpt --config FILE check-config\n");
    for (size_t i = 0; i < config_key_count; i++) {
        const struct config_key *k = &config_keys[i];
        if (strcmp(k->section, section) != 0) {
            section = k->section;
            fprintf(out, "\n[%s]\n", section);
        }
        fprintf(out, "# %s\n", k->doc);
        if (k->choices != NULL)
            fprintf(out, "# (%s: %s)\n", k->type == CT_LIST ? "any of" : "one of", k->choices);
        fprintf(out, "#%s =%s%s\n", k->name, k->def[0] ? " " : "", k->def);
    }
}

/* Values as read (defaults + file, before derived values are filled in), to mark each line. */
static void print_effective(FILE *out, const struct config *cfg)
{
    struct config raw, def;
    char err[512];
    config_defaults(&raw);
    config_defaults(&def);
    if (config_source() != NULL && config_load(&raw, config_source(), err, sizeof err) != 0)
        fprintf(out, "# (cannot re-read %s: %s)\n", config_source(), err);
    const char *section = "";
    for (size_t i = 0; i < config_key_count; i++) {
        const struct config_key *k = &config_keys[i];
        char now[4096], as_read[4096], dflt[4096];
        config_format_value(cfg, k, now, sizeof now);
        config_format_value(&raw, k, as_read, sizeof as_read);
        config_format_value(&def, k, dflt, sizeof dflt);
        if (strcmp(k->section, section) != 0) {
            section = k->section;
            fprintf(out, "%s[%s]\n", i ? "\n" : "", section);
        }
        /* Derived values fill empty defaults; other changes come from --db. */
        const char *note = "";
        if (strcmp(now, as_read) != 0)
            note = k->def[0] == '\0' ? "  # derived" : "  # from the command line";
        else if (strcmp(as_read, dflt) == 0)
            note = "  # default";
        fprintf(out, "%s =%s%s%s\n", k->name, now[0] ? " " : "", now, note);
    }
    config_free(&raw);
    config_free(&def);
}

/* A key's value as the file would spell it ("1s", "5m"); "" for an unknown key. */
static const char *value_of(const struct config *cfg, const char *section, const char *name,
                            char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < config_key_count; i++)
        if (strcmp(config_keys[i].section, section) == 0 && strcmp(config_keys[i].name, name) == 0)
            config_format_value(cfg, &config_keys[i], buf, size);
    return buf;
}

static void print_plan(FILE *out, const struct config *cfg, enum role role)
{
    char v[64];
    char mode[16];
    snprintf(mode, sizeof mode, "%04lo", cfg->socket_mode);
    fprintf(out, "\nplan:\n");
    if (role & ROLE_COLLECTOR)
        fprintf(out, "  collect: receive on %s (mode %s, group %s) or the socket systemd passes; "
                     "commit counters to %s every %s\n",
                cfg->socket, mode, cfg->socket_group[0] ? cfg->socket_group : "the collector's",
                cfg->database, value_of(cfg, "collector", "flush_interval", v, sizeof v));
    if (!(role & ROLE_REPORTER))
        return;
    fprintf(out, "  aggregate: one report per report domain and UTC day for policy types \"%s\"%s; "
                 "organization \"%s\", contact %s, submitter %s; keep %ld days\n",
            cfg->policy_types, cfg->skip_success_only ? ", skipping success-only days" : "",
            cfg->organization_name, cfg->contact_info, cfg->submitter, cfg->retention_days);
    if (cfg->redact[0])
        fprintf(out, "  aggregate: leave out of failure details: %s\n", cfg->redact);
    fprintf(out, "  mailto: DKIM-sign (%s, d=%s, s=%s, key %s), From %s, ", cfg->dkim_algorithm,
            cfg->dkim_domain, cfg->dkim_selector[0] ? cfg->dkim_selector : "(not set)",
            cfg->dkim_key_file[0] ? cfg->dkim_key_file : "(not set)", cfg->from);
    if (strcmp(cfg->transport, "smtp") == 0)
        fprintf(out, "submit to %s (STARTTLS %s%s%s)\n", cfg->smtp_url, cfg->smtp_starttls,
                cfg->smtp_user[0] ? ", AUTH as " : "", cfg->smtp_user);
    else if (strcmp(cfg->transport, "sendmail") == 0)
        fprintf(out, "pipe to: %s\n", cfg->sendmail_command);
    else
        fprintf(out, "do not send: write to the outbox only\n");
    fprintf(out, "  https: POST application/tlsrpt+gzip, certificates checked against %s, "
                 "private destinations %s\n",
            cfg->https_ca_file[0] ? cfg->https_ca_file : "the system CAs",
            cfg->allow_private_destinations ? "allowed" : "refused");
    fprintf(out, "  dns: look up _smtp._tls records with %s\n",
            cfg->dns_servers[0] ? cfg->dns_servers : "the system resolver");
    fprintf(out, "  retries: first after %s, doubling, given up %ld hours after the first "
                 "attempt; %ld deliveries at once\n",
            value_of(cfg, "delivery", "retry_initial", v, sizeof v), cfg->retry_hours,
            cfg->concurrency);
    if (cfg->outbox[0])
        fprintf(out, "  outbox: also write each signed .eml and .json.gz to %s\n", cfg->outbox);
}

static void check_collector(struct checks *c, const struct config *cfg)
{
    checks_socket(c, cfg->socket);
    gid_t gid;
    const char *why;
    if (cfg->socket_group[0] && group_resolve(cfg->socket_group, &gid, &why) != 0)
        checks_error(c, "[collector] socket_group %s: %s", cfg->socket_group, why);
    if (cfg->user[0] && getpwnam(cfg->user) == NULL)
        checks_error(c, "[collector] user %s: no such user", cfg->user);
    if (cfg->dump_invalid_dir[0])
        checks_dir(c, "[collector] dump_invalid_dir", cfg->dump_invalid_dir, "create it");
    if (cfg->log_file[0]) {
        struct stat st;
        if (stat(cfg->log_file, &st) == 0 && access(cfg->log_file, W_OK) != 0)
            checks_error(c, "[collector] log_file %s: not writable", cfg->log_file);
        else if (stat(cfg->log_file, &st) == 0)
            checks_ok(c, "[collector] log_file %s: writable", cfg->log_file);
        else {
            char dir[4096];
            const char *slash = strrchr(cfg->log_file, '/');
            snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - cfg->log_file) : 1,
                     slash ? cfg->log_file : ".");
            checks_dir(c, "[collector] log_file", dir[0] ? dir : "/", "create it");
        }
    }
}

static void check_config_file(struct checks *c)
{
    const char *path = config_source();
    struct stat st;
    if (path == NULL) {
        fprintf(c->out, "note: %s not found; built-in defaults apply\n", CONFIG_DEFAULT_PATH);
        return;
    }
    if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH))
        checks_error(c, "configuration %s: writable by others (mode %04o)", path,
                     (unsigned)(st.st_mode & 07777));
    else if (stat(path, &st) == 0 && (st.st_mode & S_IWGRP))
        checks_warn(c, "configuration %s: writable by its group (mode %04o)", path,
                    (unsigned)(st.st_mode & 07777));
    else
        checks_ok(c, "configuration %s: read without error", path);
}

/* One line per check, then the summary; the exit code. */
static int run_checks(const struct config *cfg, enum role role, const char *name)
{
    struct checks c = {stdout, 0, 0};
    if (geteuid() == 0)
        printf("note: running as root, so permissions are root's; to check as the service user: "
               "runuser -u tlsrpt -- tlsrpt %s\n", name);
    check_config_file(&c);
    checks_database(&c, cfg->database);
    if (role & ROLE_COLLECTOR)
        check_collector(&c, cfg);
    if (role & ROLE_REPORTER)
        checks_reporter(&c, cfg);
    printf("\n%s: %d error%s, %d warning%s\n", name, c.errors, c.errors == 1 ? "" : "s",
           c.warnings, c.warnings == 1 ? "" : "s");
    return c.errors ? EXIT_ERROR : EXIT_OK;
}

int cmd_check_config(struct config *cfg, int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"defaults", no_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0, 0, 0, 0}};
    enum role role = ROLE_ALL;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (strcmp(optarg, "all") == 0)
                role = ROLE_ALL;
            else if (strcmp(optarg, "collector") == 0)
                role = ROLE_COLLECTOR;
            else if (strcmp(optarg, "reporter") == 0)
                role = ROLE_REPORTER;
            else
                return cmd_usage(usage_text, "--role: \"%s\" is not all, collector or reporter",
                                 optarg);
            break;
        case 'd':
            print_defaults(stdout);
            return EXIT_OK;
        case 'h':
            return cmd_help(usage_text);
        default:
            return cmd_usage(usage_text, NULL);
        }
    }
    if (optind != argc)
        return cmd_usage(usage_text, "unexpected argument \"%s\"", argv[optind]);

    printf("# effective configuration\n");
    print_effective(stdout, cfg);
    print_plan(stdout, cfg, role);
    printf("\nchecks:\n");
    return run_checks(cfg, role, "check-config");
}

int check_config_send(struct config *cfg)
{
    return run_checks(cfg, ROLE_REPORTER, "send --check");
}
