/* The configuration table, the INI reader and value parsers. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#define OFF(f) offsetof(struct config, f)
#define DAY_MS (86400L * 1000)

/* The one place where keys, defaults and meanings are defined. The man page tlsrpt.conf(5)
 * documents the same keys; a test checks that none is missing there. */
const struct config_key config_keys[] = {
    {"storage", "database", CT_STRING, OFF(database), "/var/lib/tlsrpt/tlsrpt.sqlite", 0, 0, NULL,
     "SQLite database file (counters, reports, deliveries)", value_path},
    {"storage", "retention_days", CT_INT, OFF(retention_days), "30", 1, 36500, NULL,
     "days of counters and reports kept; older ones are pruned by aggregate"},

    {"collector", "socket", CT_STRING, OFF(socket), "/run/tlsrpt/collector.sock", 0, 0, NULL,
     "AF_UNIX datagram socket the MTA writes to", value_socket_path},
    {"collector", "socket_mode", CT_MODE, OFF(socket_mode), "0660", 0, 0775, NULL,
     "permissions of the socket (octal; never world-writable)"},
    {"collector", "socket_group", CT_STRING, OFF(socket_group), "", 0, 0, NULL,
     "group that owns the socket, e.g. postfix, or a numeric gid (empty: the collector's group)",
     value_account},
    {"collector", "user", CT_STRING, OFF(user), "", 0, 0, NULL,
     "when started as root, drop to this user after binding the socket", value_account},
    {"collector", "flush_interval", CT_DURATION, OFF(flush_interval_ms), "1s", 10, DAY_MS, NULL,
     "how often counters are committed to the database"},
    {"collector", "max_pending", CT_SIZE, OFF(max_pending), "256M", 1L << 20, 1L << 36, NULL,
     "memory for counters not yet committed while the database fails (locked, disk full);"
     " past it they are dropped and logged as lost"},
    {"collector", "summary_interval", CT_DURATION, OFF(summary_interval_ms), "5m", 1000, DAY_MS,
     NULL, "how often a one-line summary (received, stored, rejected) is logged"},
    {"collector", "dump_invalid_dir", CT_STRING, OFF(dump_invalid_dir), "", 0, 0, NULL,
     "directory where rejected datagrams are written (empty: not kept)", value_abs_path},
    {"collector", "log_file", CT_STRING, OFF(log_file), "", 0, 0, NULL,
     "log to this file instead of stderr; reopened on SIGHUP", value_abs_path},

    {"report", "organization_name", CT_STRING, OFF(organization_name), "", 0, 0, NULL,
     "organization-name in reports (empty: the host name)", value_text},
    {"report", "contact_info", CT_STRING, OFF(contact_info), "", 0, 0, NULL,
     "contact-info address in reports (empty: postmaster@ the host's domain)", value_addr_spec},
    {"report", "submitter", CT_STRING, OFF(submitter), "", 0, 0, NULL,
     "submitter domain for file names and headers (empty: the domain of contact_info)",
     value_domain},
    {"report", "policy_types", CT_LIST, OFF(policy_types), "sts tlsa no-policy-found", 0, 0,
     "sts tlsa no-policy-found", "policy types that are reported"},
    {"report", "skip_success_only", CT_BOOL, OFF(skip_success_only), "no", 0, 0, NULL,
     "do not send reports for domains with no failure that day"},
    {"report", "redact", CT_LIST, OFF(redact), "", 0, 0,
     "sending-mta-ip receiving-ip receiving-mx-hostname receiving-mx-helo additional-information "
     "failure-reason-code",
     "failure-detail fields left out of reports"},
    {"report", "max_failure_details", CT_INT, OFF(max_failure_details), "0", 0, 100000000, NULL,
     "failure details kept per policy, largest counts first (0: unlimited)"},
    {"report", "max_report_size", CT_SIZE, OFF(max_report_size), "5M", 1024, 1L << 30, NULL,
     "largest compressed report; details are trimmed to fit"},

    {"dkim", "domain", CT_STRING, OFF(dkim_domain), "", 0, 0, NULL,
     "d= of the DKIM signature (empty: the domain of from)", value_domain},
    {"dkim", "selector", CT_STRING, OFF(dkim_selector), "", 0, 0, NULL,
     "s= of the DKIM signature (required for mail reports); several keys: one selector each,"
     " in key_file's order", value_dkim_selectors},
    {"dkim", "key_file", CT_STRING, OFF(dkim_key_file), "", 0, 0, NULL,
     "PEM private key (RSA or Ed25519), not readable by others (required for mail reports);"
     " several keys (e.g. RSA and Ed25519): every report gets one signature per key",
     value_abs_paths},
    {"dkim", "algorithm", CT_LIST, OFF(dkim_algorithm), "rsa-sha256", 0, 0,
     "rsa-sha256 ed25519-sha256", "signing algorithm of each key, in key_file's order;"
     " a key without an entry signs with its own type's"},

    {"delivery", "from", CT_STRING, OFF(from), "", 0, 0, NULL,
     "From address of report mail (empty: contact_info)", value_addr_spec},
    {"delivery", "transport", CT_ENUM, OFF(transport), "smtp", 0, 0, "smtp sendmail outbox",
     "how mailto: reports leave: SMTP, the sendmail command, or only the outbox directory"},
    {"delivery", "smtp_url", CT_STRING, OFF(smtp_url), "smtp://localhost:25", 0, 0, NULL,
     "relay for report mail (smtp:// or smtps://)", value_smtp_url},
    {"delivery", "smtp_starttls", CT_ENUM, OFF(smtp_starttls), "try", 0, 0, "try required no",
     "STARTTLS towards the relay"},
    {"delivery", "smtp_user", CT_STRING, OFF(smtp_user), "", 0, 0, NULL,
     "SMTP AUTH user (empty: no AUTH)", value_text},
    {"delivery", "smtp_password_file", CT_STRING, OFF(smtp_password_file), "", 0, 0, NULL,
     "file holding the SMTP AUTH password", value_abs_path},
    {"delivery", "smtp_ca_file", CT_STRING, OFF(smtp_ca_file), "", 0, 0, NULL,
     "CA bundle for the relay's certificate (empty: system CAs)", value_abs_path},
    {"delivery", "sendmail_command", CT_STRING, OFF(sendmail_command),
     "/usr/sbin/sendmail -i -f {from} -- {rcpt}", 0, 0, NULL,
     "command for transport = sendmail; {from} and {rcpt} are replaced", value_sendmail_command},
    {"delivery", "https_ca_file", CT_STRING, OFF(https_ca_file), "", 0, 0, NULL,
     "CA bundle for https: rua endpoints (empty: system CAs)", value_abs_path},
    {"delivery", "connect_timeout", CT_DURATION, OFF(connect_timeout_ms), "15s", 100, DAY_MS, NULL,
     "connection timeout of one delivery attempt"},
    {"delivery", "timeout", CT_DURATION, OFF(timeout_ms), "60s", 100, DAY_MS, NULL,
     "total timeout of one delivery attempt"},
    {"delivery", "allow_private_destinations", CT_BOOL, OFF(allow_private_destinations), "no", 0, 0,
     NULL, "allow https: rua hosts on loopback, private or link-local addresses"},
    {"delivery", "dns_servers", CT_LIST, OFF(dns_servers), "", 0, 0, NULL,
     "resolvers (IP[:port]) for every lookup (empty: the system resolver)"},
    {"delivery", "retry_initial", CT_DURATION, OFF(retry_initial_ms), "5m", 1000, DAY_MS, NULL,
     "first retry delay; doubled after each failure"},
    {"delivery", "retry_hours", CT_INT, OFF(retry_hours), "24", 0, 24 * 30, NULL,
     "hours after the first attempt until a delivery is given up"},
    {"delivery", "spread", CT_DURATION, OFF(spread_ms), "0", 0, DAY_MS, NULL,
     "delay each report's first attempt by a random time up to this"},
    {"delivery", "concurrency", CT_INT, OFF(concurrency), "8", 1, 256, NULL,
     "deliveries in flight at once"},
    {"delivery", "max_rua", CT_INT, OFF(max_rua), "10", 1, 100, NULL,
     "distinct rua URIs of one record that are used"},
    {"delivery", "outbox", CT_STRING, OFF(outbox), "", 0, 0, NULL,
     "also write each signed .eml and .json.gz here", value_abs_path},
};
const size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

static char *config_path_read;

const char *config_source(void)
{
    return config_path_read;
}

static void seterr(char *err, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, size, fmt, ap);
    va_end(ap);
}

static int parse_long(const char *s, long *out, char **end)
{
    errno = 0;
    long v = strtol(s, end, 10);
    if (errno || *end == s)
        return -1;
    *out = v;
    return 0;
}

static int parse_duration_ms(const char *s, long *out)
{
    char *end;
    long v;
    if (parse_long(s, &v, &end) || v < 0)
        return -1;
    long mul;
    if (strcmp(end, "ms") == 0)
        mul = 1;
    else if (*end == '\0' || strcmp(end, "s") == 0)
        mul = 1000;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mul = 60000;
    else if (strcmp(end, "h") == 0)
        mul = 3600000;
    else if (strcmp(end, "d") == 0)
        mul = 86400000;
    else
        return -1;
    if (v > __LONG_MAX__ / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int parse_size(const char *s, long *out)
{
    char *end;
    long v;
    if (parse_long(s, &v, &end) || v < 0)
        return -1;
    long mul;
    if (*end == '\0' || strcmp(end, "B") == 0)
        mul = 1;
    else if (strcasecmp(end, "k") == 0 || strcasecmp(end, "kb") == 0)
        mul = 1024;
    else if (strcasecmp(end, "m") == 0 || strcasecmp(end, "mb") == 0)
        mul = 1024 * 1024;
    else if (strcasecmp(end, "g") == 0 || strcasecmp(end, "gb") == 0)
        mul = 1024L * 1024 * 1024;
    else
        return -1;
    if (v > __LONG_MAX__ / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int config_list_next(const char **cursor, char *item, size_t size)
{
    const char *p = *cursor;
    while (*p == ',' || isspace((unsigned char)*p))
        p++;
    if (*p == '\0') {
        *cursor = p;
        return 0;
    }
    size_t n = 0;
    while (*p && *p != ',' && !isspace((unsigned char)*p)) {
        if (n + 1 < size)
            item[n++] = *p;
        p++;
    }
    item[n] = '\0';
    *cursor = p;
    return 1;
}

int config_list_has(const char *list, const char *word)
{
    char item[256];
    const char *cur = list;
    while (config_list_next(&cur, item, sizeof item))
        if (strcmp(item, word) == 0)
            return 1;
    return 0;
}

static int word_in(const char *choices, const char *word)
{
    return choices != NULL && config_list_has(choices, word);
}

/* A duration in the largest unit that divides it exactly, as the defaults are written. */
static void format_duration(long v, char *out, size_t size)
{
    static const struct { long mul; const char *unit; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    if (v == 0) {
        snprintf(out, size, "0");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (v % units[i].mul == 0) {
            snprintf(out, size, "%ld%s", v / units[i].mul, units[i].unit);
            return;
        }
    }
}

/* A size the same way: 5M, 512k. */
static void format_size(long v, char *out, size_t size)
{
    static const struct { long mul; const char *unit; } units[] = {
        {1L << 30, "G"}, {1L << 20, "M"}, {1L << 10, "k"}, {1, ""}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (v % units[i].mul == 0 && (v != 0 || units[i].mul == 1)) {
            snprintf(out, size, "%ld%s", v / units[i].mul, units[i].unit);
            return;
        }
    }
}

static void format_number(const struct config_key *k, long v, char *out, size_t size)
{
    if (k->type == CT_DURATION)
        format_duration(v, out, size);
    else if (k->type == CT_SIZE)
        format_size(v, out, size);
    else
        snprintf(out, size, "%ld", v);
}

/* The key's own syntax check, on the value or on each item of a list. */
static int value_check(const struct config_key *k, const char *value, char *err, size_t errsize)
{
    char why[400];
    if (k->check == NULL || value[0] == '\0')
        return 0;
    if (k->type != CT_LIST) {
        if (k->check(value, why, sizeof why) == 0)
            return 0;
        seterr(err, errsize, "[%s] %s: \"%.200s\": %s", k->section, k->name, value, why);
        return -1;
    }
    char item[4096];
    const char *cur = value;
    while (config_list_next(&cur, item, sizeof item)) {
        if (k->check(item, why, sizeof why) != 0) {
            seterr(err, errsize, "[%s] %s: \"%.200s\": %s", k->section, k->name, item, why);
            return -1;
        }
    }
    return 0;
}

static int key_set(struct config *cfg, const struct config_key *k, const char *value, char *err,
                   size_t errsize)
{
    void *field = (char *)cfg + k->offset;
    long v = 0;

    switch (k->type) {
    case CT_STRING:
        if (value_check(k, value, err, errsize) != 0)
            return -1;
        break;
    case CT_ENUM:
        if (!word_in(k->choices, value)) {
            seterr(err, errsize, "[%s] %s: \"%s\" is not one of: %s", k->section, k->name, value,
                   k->choices);
            return -1;
        }
        break;
    case CT_LIST: {
        char item[256];
        const char *cur = value;
        while (config_list_next(&cur, item, sizeof item)) {
            if (k->choices && !word_in(k->choices, item)) {
                seterr(err, errsize, "[%s] %s: \"%s\" is not one of: %s", k->section, k->name,
                       item, k->choices);
                return -1;
            }
        }
        if (value_check(k, value, err, errsize) != 0)
            return -1;
        break;
    }
    case CT_BOOL: {
        int b;
        if (parse_bool(value, &b)) {
            seterr(err, errsize, "[%s] %s: \"%s\" is not yes or no", k->section, k->name, value);
            return -1;
        }
        *(int *)field = b;
        return 0;
    }
    case CT_MODE: {
        char *end;
        errno = 0;
        v = strtol(value, &end, 8);
        if (errno || end == value || *end || v < 0 || v > 0777) {
            seterr(err, errsize, "[%s] %s: \"%s\" is not an octal mode (0000 to 0777)",
                   k->section, k->name, value);
            return -1;
        }
        if (v & 0002) {
            seterr(err, errsize, "[%s] %s: %04lo is world-writable; refusing", k->section, k->name,
                   v);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    case CT_INT:
    case CT_DURATION:
    case CT_SIZE: {
        char *end;
        int bad = k->type == CT_INT       ? (parse_long(value, &v, &end) || *end)
                  : k->type == CT_SIZE    ? parse_size(value, &v)
                                          : parse_duration_ms(value, &v);
        const char *what = k->type == CT_INT    ? "an integer"
                           : k->type == CT_SIZE ? "a size (e.g. 5M, 512k, 1048576)"
                                                : "a duration (e.g. 500ms, 30s, 5m, 24h)";
        if (bad) {
            seterr(err, errsize, "[%s] %s: \"%s\" is not %s", k->section, k->name, value, what);
            return -1;
        }
        if (v < k->min || v > k->max) {
            char lo[32], hi[32];
            format_number(k, k->min, lo, sizeof lo);
            format_number(k, k->max, hi, sizeof hi);
            seterr(err, errsize, "[%s] %s: \"%s\" is out of range: %s to %s", k->section,
                   k->name, value, lo, hi);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    }
    char **sp = field;
    free(*sp);
    *sp = xstrdup(value);
    return 0;
}

static const struct config_key *key_find(const char *section, const char *name)
{
    for (size_t i = 0; i < config_key_count; i++)
        if (strcmp(config_keys[i].section, section) == 0 && strcmp(config_keys[i].name, name) == 0)
            return &config_keys[i];
    return NULL;
}

static int section_known(const char *section)
{
    for (size_t i = 0; i < config_key_count; i++)
        if (strcmp(config_keys[i].section, section) == 0)
            return 1;
    return 0;
}

/* How many edits away a suggestion may be: 1 for short words, 2 for longer ones, a third of
 * the length for long ones. */
static size_t near_enough(const char *word)
{
    size_t n = strlen(word);
    return n <= 4 ? 1 : n <= 9 ? 2 : n / 3;
}

/* ", did you mean [x]?" for an unknown section, or "" */
static void suggest_section(const char *name, char *out, size_t size)
{
    const char *best = NULL;
    size_t best_d = near_enough(name) + 1;
    out[0] = '\0';
    for (size_t i = 0; i < config_key_count; i++) {
        size_t d = value_edit_distance(name, config_keys[i].section, best_d - 1);
        if (d < best_d) {
            best_d = d;
            best = config_keys[i].section;
        }
    }
    if (best != NULL)
        snprintf(out, size, "; did you mean [%s]?", best);
}

/* "; did you mean x?" for an unknown key of section: the nearest key of that section, or the
 * same key in another section, or "" */
static void suggest_key(const char *section, const char *name, char *out, size_t size)
{
    const struct config_key *best = NULL;
    size_t best_d = near_enough(name) + 1;
    out[0] = '\0';
    for (size_t i = 0; i < config_key_count; i++) {
        const struct config_key *k = &config_keys[i];
        if (strcmp(k->section, section) != 0)
            continue;
        size_t d = value_edit_distance(name, k->name, best_d - 1);
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    if (best != NULL) {
        snprintf(out, size, "; did you mean %s?", best->name);
        return;
    }
    for (size_t i = 0; i < config_key_count; i++) {
        if (strcmp(config_keys[i].name, name) == 0) {
            snprintf(out, size, "; it belongs in [%s]", config_keys[i].section);
            return;
        }
    }
}

int config_set(struct config *cfg, const char *section, const char *name, const char *value,
               char *err, size_t errsize)
{
    const struct config_key *k = key_find(section, name);
    if (k == NULL) {
        char hint[128];
        suggest_key(section, name, hint, sizeof hint);
        seterr(err, errsize, "unknown key \"%s\" in section [%s]%s", name, section, hint);
        return -1;
    }
    return key_set(cfg, k, value, err, errsize);
}

void config_defaults(struct config *cfg)
{
    char err[256];
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < config_key_count; i++)
        if (key_set(cfg, &config_keys[i], config_keys[i].def, err, sizeof err) != 0)
            abort(); /* a bad built-in default is a programming error */
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

/* Where the errors of one file go. */
struct reader {
    const char *path;
    config_error_fn *report;
    void *ctx;
    int errors;
};

static void __attribute__((format(printf, 3, 4))) rerr(struct reader *r, int lineno,
                                                       const char *fmt, ...)
{
    char msg[1024], line[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lineno > 0)
        snprintf(line, sizeof line, "%s:%d: %s", r->path, lineno, msg);
    else
        snprintf(line, sizeof line, "%s: %s", r->path, msg);
    r->errors++;
    r->report(r->ctx, line);
}

/* The one comment rule: a "#" that begins a word of an unquoted value is a comment the
 * reader will not guess about. Returns 1 when value has one. */
static int has_inline_comment(const char *value)
{
    for (const char *p = value; *p; p++)
        if (*p == '#' && (p == value || p[-1] == ' ' || p[-1] == '\t'))
            return 1;
    return 0;
}

static void read_line(struct config *cfg, struct reader *r, int lineno, char *s, char *section,
                      size_t section_size, int *section_bad, unsigned char *seen, int *seen_line)
{
    char msg[1024], hint[128];
    if (*s == '\0' || *s == '#' || *s == ';')
        return;
    if (*s == '[') {
        char *close = strchr(s, ']');
        const char *rest = close ? trim(close + 1) : "";
        if (close == NULL || rest[0] != '\0') {
            rerr(r, lineno, "malformed section header%s",
                 rest[0] == '#' || rest[0] == ';'
                     ? ": a comment must be on a line of its own" : "");
            *section_bad = 1;
            return;
        }
        *close = '\0';
        char *name = trim(s + 1);
        if (!section_known(name)) {
            suggest_section(name, hint, sizeof hint);
            rerr(r, lineno, "unknown section [%s]%s", name, hint);
            *section_bad = 1; /* its keys are not reported one by one */
            return;
        }
        bcopy_str(section, section_size, name);
        *section_bad = 0;
        return;
    }
    char *eq = strchr(s, '=');
    if (eq == NULL) {
        rerr(r, lineno, "expected \"key = value\"");
        return;
    }
    *eq = '\0';
    char *key = trim(s), *value = trim(eq + 1);
    size_t vlen = strlen(value);
    if (*section_bad)
        return;
    if (section[0] == '\0') {
        rerr(r, lineno, "key \"%s\" outside of a [section]", key);
        return;
    }
    const struct config_key *k = key_find(section, key);
    if (k == NULL) {
        suggest_key(section, key, hint, sizeof hint);
        rerr(r, lineno, "unknown key \"%s\" in section [%s]%s", key, section, hint);
        return;
    }
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = '\0';
        value++;
    } else if (has_inline_comment(value)) {
        rerr(r, lineno, "[%s] %s: \"%.200s\": a comment must be on a line of its own (put it "
             "on the line above; if the # belongs to the value, put the value in double quotes)",
             section, key, value);
        return;
    }
    size_t idx = (size_t)(k - config_keys);
    if (seen[idx]) {
        rerr(r, lineno, "[%s] %s is already set on line %d", section, key, seen_line[idx]);
        return;
    }
    seen[idx] = 1;
    seen_line[idx] = lineno;
    if (key_set(cfg, k, value, msg, sizeof msg) != 0)
        rerr(r, lineno, "%s", msg);
}

/* Reads the INI text of fp over the current values, reporting every error. */
static void config_read(struct config *cfg, FILE *fp, struct reader *r)
{
    char section[64] = "";
    int section_bad = 0;
    char line[8192];
    unsigned char seen[sizeof config_keys / sizeof config_keys[0]];
    int seen_line[sizeof config_keys / sizeof config_keys[0]];
    memset(seen, 0, sizeof seen);
    int lineno = 0;

    while (fgets(line, sizeof line, fp) != NULL) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(fp)) {
            rerr(r, lineno, "line too long (more than %zu bytes)", sizeof line - 2);
            int c;
            while ((c = getc(fp)) != EOF && c != '\n')
                ;
            continue;
        }
        char *s = line;
        /* A UTF-8 byte order mark, as some Windows editors write it, is not part of the text. */
        if (lineno == 1 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
            s += 3;
        read_line(cfg, r, lineno, trim(s), section, sizeof section, &section_bad, seen,
                  seen_line);
    }
    if (ferror(fp))
        rerr(r, 0, "read error");
}

int config_load_each(struct config *cfg, const char *path, config_error_fn *report, void *ctx)
{
    int explicit = path != NULL;
    if (!explicit)
        path = CONFIG_DEFAULT_PATH;
    struct reader r = {path, report, ctx, 0};
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        if (!explicit && errno == ENOENT)
            return 0;
        rerr(&r, 0, "%s", strerror(errno));
        return r.errors;
    }
    char *read_path = xstrdup(path); /* path may be config_source() itself */
    free(config_path_read);
    config_path_read = read_path;
    r.path = read_path;
    config_read(cfg, fp, &r);
    fclose(fp);
    return r.errors;
}

/* config_load's sink: the first message, and how many followed. */
struct first_error {
    char *err;
    size_t size;
    int count;
};

static void keep_first(void *ctx, const char *message)
{
    struct first_error *f = ctx;
    if (f->count++ == 0)
        seterr(f->err, f->size, "%s", message);
}

static int first_error_result(struct first_error *f)
{
    if (f->count == 0)
        return 0;
    if (f->count > 1) {
        size_t n = strlen(f->err);
        if (n < f->size)
            snprintf(f->err + n, f->size - n, " (and %d more error%s)", f->count - 1,
                     f->count == 2 ? "" : "s");
    }
    return -1;
}

int config_load(struct config *cfg, const char *path, char *err, size_t errsize)
{
    struct first_error f = {err, errsize, 0};
    config_load_each(cfg, path, keep_first, &f);
    return first_error_result(&f);
}

int config_load_buffer(struct config *cfg, const char *name, const char *text, size_t len,
                       char *err, size_t errsize)
{
    if (len == 0)
        return 0; /* fmemopen refuses an empty buffer; an empty file sets nothing */
    FILE *fp = fmemopen((void *)text, len, "r");
    if (fp == NULL) {
        seterr(err, errsize, "%s: %s", name, strerror(errno));
        return -1;
    }
    struct first_error f = {err, errsize, 0};
    struct reader r = {name, keep_first, &f, 0};
    config_read(cfg, fp, &r);
    fclose(fp);
    return first_error_result(&f);
}

static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at ? at + 1 : addr;
}

void config_finish(struct config *cfg)
{
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0)
        bcopy_str(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    /* mail.example.com -> example.com; a bare or two-label name is used as it is. */
    const char *dom = host;
    const char *dot = strchr(host, '.');
    if (dot && strchr(dot + 1, '.'))
        dom = dot + 1;

    if (cfg->organization_name[0] == '\0') {
        free(cfg->organization_name);
        cfg->organization_name = xstrdup(host);
    }
    if (cfg->contact_info[0] == '\0') {
        struct buf b = BUF_INIT;
        buf_printf(&b, "postmaster@%s", dom);
        free(cfg->contact_info);
        cfg->contact_info = buf_steal(&b);
    }
    if (cfg->submitter[0] == '\0') {
        free(cfg->submitter);
        cfg->submitter = xstrdup(domain_of(cfg->contact_info));
    }
    if (cfg->from[0] == '\0') {
        free(cfg->from);
        cfg->from = xstrdup(cfg->contact_info);
    }
    if (cfg->dkim_domain[0] == '\0') {
        free(cfg->dkim_domain);
        cfg->dkim_domain = xstrdup(domain_of(cfg->from));
    }
}

void config_format_value(const struct config *cfg, const struct config_key *k, char *out,
                         size_t size)
{
    const void *field = (const char *)cfg + k->offset;
    switch (k->type) {
    case CT_BOOL:
        snprintf(out, size, "%s", *(const int *)field ? "yes" : "no");
        return;
    case CT_MODE:
        snprintf(out, size, "%04lo", *(const long *)field);
        return;
    case CT_INT:
        snprintf(out, size, "%ld", *(const long *)field);
        return;
    case CT_SIZE:
        format_size(*(const long *)field, out, size);
        return;
    case CT_DURATION:
        format_duration(*(const long *)field, out, size);
        return;
    default:
        snprintf(out, size, "%s", *(char *const *)field ? *(char *const *)field : "");
        return;
    }
}

void config_free(struct config *cfg)
{
    for (size_t i = 0; i < config_key_count; i++) {
        const struct config_key *k = &config_keys[i];
        if (k->type == CT_STRING || k->type == CT_ENUM || k->type == CT_LIST) {
            char **sp = (char **)((char *)cfg + k->offset);
            free(*sp);
            *sp = NULL;
        }
    }
}
