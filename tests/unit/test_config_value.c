/* The syntax checks of configuration values (lib/config_value.c) and the reader's rules that
 * use them: one comment rule, every error reported, did-you-mean, ranges named, a BOM. */
#include <stdlib.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/config_value.h"
#include "tests/unit/unit.h"

static const struct {
    const char *name;
    config_check_fn *check;
    const char *value;
    int ok;
    const char *why; /* a part of the reason, for refused values */
} rows[] = {
    {"selector s2026", value_dkim_selector, "s2026", 1, NULL},
    {"selector with dots and hyphens", value_dkim_selector, "rsa-1.mail", 1, NULL},
    {"selector with a trailing comment", value_dkim_selector, "s1#rotated", 0, "'#'"},
    {"selector with a blank", value_dkim_selector, "s1 x", 0, "a blank"},
    {"selector with !", value_dkim_selector, "s1!", 0, "'!'"},
    {"selector with ;", value_dkim_selector, "s1;", 0, "';'"},
    {"selector ending in a dot", value_dkim_selector, "s1.", 0, "empty label"},
    {"selector label starting with -", value_dkim_selector, "-s1", 0, "'-'"},
    {"selector with underscore", value_dkim_selector, "s_1", 0, "'_'"},
    {"selector label of 64", value_dkim_selector,
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, "63"},
    {"contact plain address", value_addr_spec, "tlsrpt@example.net", 1, NULL},
    {"contact with + and dots", value_addr_spec, "tls.rpt+x@mail.example.net", 1, NULL},
    {"contact IDN domain", value_addr_spec, "tlsrpt@b\xc3\xbc" "cher.example", 1, NULL},
    {"contact mailto:", value_addr_spec, "mailto:tlsrpt@example.net", 0, "mailto:"},
    {"contact with a name", value_addr_spec, "Reports <tlsrpt@example.net>", 0, "angle"},
    {"contact in angle brackets", value_addr_spec, "<tlsrpt@example.net>", 0, "angle"},
    {"contact without @", value_addr_spec, "example.net", 0, "local-part@domain"},
    {"contact double dot", value_addr_spec, "a..b@example.net", 0, "dot-atom"},
    {"contact bad domain", value_addr_spec, "a@bad..example", 0, "after '@'"},
    {"smtp_url default", value_smtp_url, "smtp://localhost:25", 1, NULL},
    {"smtp_url smtps without port", value_smtp_url, "smtps://relay.example", 1, NULL},
    {"smtp_url IPv4", value_smtp_url, "smtp://127.0.0.1:2525", 1, NULL},
    {"smtp_url IPv6", value_smtp_url, "smtp://[::1]:587", 1, NULL},
    {"smtp_url EHLO path", value_smtp_url, "smtp://relay.example:25/mx.example.net", 1, NULL},
    {"smtp_url port 65535", value_smtp_url, "smtp://relay.example:65535", 1, NULL},
    {"smtp_url port 99999", value_smtp_url, "smtp://relay.example:99999", 0, "1 to 65535"},
    {"smtp_url port 0", value_smtp_url, "smtp://relay.example:0", 0, "1 to 65535"},
    {"smtp_url port 65536", value_smtp_url, "smtp://relay.example:65536", 0, "1 to 65535"},
    {"smtp_url huge port", value_smtp_url, "smtp://r.example:99999999999999999999", 0, "range"},
    {"smtp_url port not a number", value_smtp_url, "smtp://relay.example:smtp", 0, "number"},
    {"smtp_url empty port", value_smtp_url, "smtp://relay.example:", 0, "empty port"},
    {"smtp_url https scheme", value_smtp_url, "https://relay.example", 0, "smtp://"},
    {"smtp_url no host", value_smtp_url, "smtp://:25", 0, "no host"},
    {"smtp_url bad host", value_smtp_url, "smtp://relay example:25", 0, "host"},
    {"smtp_url user in it", value_smtp_url, "smtp://u:pw@relay.example", 0, "smtp_user"},
    {"smtp_url fragment", value_smtp_url, "smtp://relay.example#x", 0, "fragment"},
    {"smtp_url bad IPv6", value_smtp_url, "smtp://[::g]:25", 0, "IPv6"},
    {"absolute path", value_abs_path, "/etc/tlsrpt/key.pem", 1, NULL},
    {"relative path refused", value_abs_path, "key.pem", 0, "absolute"},
    {"path with a newline", value_abs_path, "/a\nb", 0, "control"},
    {"socket path", value_socket_path, "/run/tlsrpt/collector.sock", 1, NULL},
    {"socket path of 107 bytes", value_socket_path,
     "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaa", 1, NULL},
    {"socket path of 108 bytes", value_socket_path,
     "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaa", 0, "107 bytes"},
    {"relative socket path", value_socket_path, "collector.sock", 0, "absolute"},
    {"relative database path allowed", value_path, "./x.sqlite", 1, NULL},
    {"text UTF-8", value_text, "B\xc3\xbc" "cher AG", 1, NULL},
    {"text Latin-1", value_text, "Caf\xe9", 0, "UTF-8"},
    {"text with a tab", value_text, "a\tb", 0, "control"},
    {"account postfix", value_account, "postfix", 1, NULL},
    {"account numeric", value_account, "1001", 1, NULL},
    {"account with a blank", value_account, "post fix", 0, "user or group"},
    {"account starting with -", value_account, "-x", 0, "'-'"},
    {"sendmail default", value_sendmail_command, "/usr/sbin/sendmail -i -f {from} -- {rcpt}", 1,
     NULL},
    {"sendmail relative", value_sendmail_command, "sendmail {rcpt}", 0, "absolute"},
    {"sendmail without {rcpt}", value_sendmail_command, "/usr/sbin/sendmail -t", 0, "{rcpt}"},
    {"selector list", value_dkim_selectors, "rsa2026, ed2026", 1, NULL},
    {"selector list with a bad one", value_dkim_selectors, "rsa2026 ed!", 0, "\"ed!\": '!'"},
    {"key_file list", value_abs_paths, "/k/rsa.pem,/k/ed.pem", 1, NULL},
    {"key_file list with a relative one", value_abs_paths, "/k/rsa.pem ed.pem", 0, "\"ed.pem\""},
    {"domain", value_domain, "Example.NET.", 1, NULL},
    {"domain with a bang", value_domain, "a!b.example", 0, "not a domain"},
};

/* Collects a file's errors, one string of lines. */
static void collect(void *ctx, const char *message)
{
    buf_printf(ctx, "%s\n", message);
}

static int load(const char *text, struct config *cfg, struct buf *errs)
{
    char path[] = "/tmp/test_config_value.XXXXXX";
    int fd = mkstemp(path);
    FILE *fp = fdopen(fd, "w");
    fputs(text, fp);
    fclose(fp);
    config_defaults(cfg);
    *errs = (struct buf)BUF_INIT;
    int n = config_load_each(cfg, path, collect, errs);
    buf_putc(errs, '\0');
    unlink(path);
    return n;
}

static void expect_errors(const char *name, const char *text, int want, const char *const *parts)
{
    struct config cfg;
    struct buf errs;
    char label[256];
    int n = load(text, &cfg, &errs);
    snprintf(label, sizeof label, "%s: %d error(s)", name, want);
    UNIT_CHECK(label, n == want, "got %d:\n%s", n, errs.data);
    for (; parts && *parts; parts++) {
        snprintf(label, sizeof label, "%s: says %s", name, *parts);
        UNIT_CHECK(label, strstr(errs.data, *parts) != NULL, "in:\n%s", errs.data);
    }
    buf_free(&errs);
    config_free(&cfg);
}

int main(void)
{
    char why[512];
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        why[0] = '\0';
        int rc = rows[i].check(rows[i].value, why, sizeof why);
        UNIT_CHECK(rows[i].name, (rc == 0) == rows[i].ok && (rows[i].ok || strstr(why, rows[i].why)),
                   "rc %d, why \"%s\" (want %s)", rc, why, rows[i].why ? rows[i].why : "ok");
    }

    UNIT_CHECK("edit distance databse/database", value_edit_distance("databse", "database", 3) == 1,
               "%zu", value_edit_distance("databse", "database", 3));
    UNIT_CHECK("edit distance is capped", value_edit_distance("a", "database", 2) == 3, "%zu",
               value_edit_distance("a", "database", 2));

    /* Every error of the file, in order, each with its line. */
    static const char *const all[] = {
        ":2: unknown key \"databse\" in section [storage]; did you mean database?",
        ":3: [storage] retention_days: \"0\" is out of range: 1 to 36500",
        ":5: [dkim] selector: \"s1   # rotated 2026\": a comment must be on a line of its own",
        ":7: [report] contact_info: \"mailto:a@example.net\": not an e-mail address",
        ":8: unknown key \"organisation_name\" in section [report]; did you mean "
        "organization_name?",
        ":10: [delivery] smtp_url: \"smtp://relay.example:99999\": port 99999 is out of range",
        ":11: unknown section [storrage]; did you mean [storage]?",
        ":14: [collector] flush_interval: \"1ms\" is out of range: 10ms to 1d",
        ":15: [collector] max_pending: \"1k\" is out of range: 1M to 64G",
        ":16: unknown key \"outbox\" in section [collector]; it belongs in [delivery]",
        ":17: [collector] socket_mode: \"0999\" is not an octal mode (0000 to 0777)", NULL};
    expect_errors("every error reported",
                  "[storage]\n"
                  "databse = /tmp/x.sqlite\n"
                  "retention_days = 0\n"
                  "[dkim]\n"
                  "selector = s1   # rotated 2026\n"
                  "[report]\n"
                  "contact_info = mailto:a@example.net\n"
                  "organisation_name = Foo\n"
                  "[delivery]\n"
                  "smtp_url = smtp://relay.example:99999\n"
                  "[storrage]\n"
                  "x = y\n"
                  "[collector]\n"
                  "flush_interval = 1ms\n"
                  "max_pending = 1k\n"
                  "outbox = /tmp/o\n"
                  "socket_mode = 0999\n",
                  11, all);

    /* The comment rule, for every kind of key: a # that begins a word is refused. */
    static const char *const c1[] = {"[report] skip_success_only: \"yes # no\": a comment", NULL};
    expect_errors("comment after a boolean", "[report]\nskip_success_only = yes # no\n", 1, c1);
    static const char *const c2[] = {"[storage] retention_days: \"30\t# a month\": a comment",
                                     NULL};
    expect_errors("comment after a number (tab)", "[storage]\nretention_days = 30\t# a month\n", 1,
                  c2);
    static const char *const c3[] = {"[report] organization_name: \"Team #1\": a comment", NULL};
    expect_errors("free text with a # word", "[report]\norganization_name = Team #1\n", 1, c3);
    static const char *const c4[] = {"malformed section header: a comment", NULL};
    expect_errors("comment after a section header", "[report] # the report\n", 1, c4);
    expect_errors("comment lines with # and ;", "# a\n  ; b\n[report]\n\t# c\n", 0, NULL);

    struct config cfg;
    struct buf errs;
    int n = load("[report]\norganization_name = \"Team #1\"\n[delivery]\noutbox = /srv/a#b\n", &cfg,
                 &errs);
    UNIT_CHECK("quoted value keeps its #", n == 0 && strcmp(cfg.organization_name, "Team #1") == 0,
               "%d %s: %s", n, cfg.organization_name, errs.data);
    UNIT_CHECK("a # inside a word is part of the value", strcmp(cfg.outbox, "/srv/a#b") == 0, "%s",
               cfg.outbox);
    buf_free(&errs);
    config_free(&cfg);

    n = load("\xEF\xBB\xBF[storage]\nretention_days = 7\n", &cfg, &errs);
    UNIT_CHECK("a UTF-8 BOM is accepted", n == 0 && cfg.retention_days == 7, "%d %ld: %s", n,
               cfg.retention_days, errs.data);
    buf_free(&errs);
    config_free(&cfg);

    n = load("[storage]\nretention_days = 7\nretention_days = 7x\n[dkim]\nselector = a b!\n", &cfg,
             &errs);
    UNIT_CHECK("a bad value keeps the previous one; duplicate and bad item both reported",
               n == 2 && cfg.retention_days == 7 && strcmp(cfg.dkim_selector, "") == 0 &&
                   strstr(errs.data, ":3: [storage] retention_days is already set on line 2") &&
                   strstr(errs.data, ":5: [dkim] selector: \"a b!\": \"b!\": '!' is not allowed"),
               "%d: %s", n, errs.data);
    buf_free(&errs);
    config_free(&cfg);

    /* config_load (first error only) says how many more there are. */
    char err[1024];
    config_defaults(&cfg);
    const char text[] = "[storage]\nx = 1\ny = 2\nz = 3\n";
    int rc = config_load_buffer(&cfg, "mem.conf", text, sizeof text - 1, err, sizeof err);
    UNIT_CHECK("config_load_buffer: first error and the count of the others",
               rc == -1 && strstr(err, "mem.conf:2: unknown key \"x\"") &&
                   strstr(err, "(and 2 more errors)"),
               "%d %s", rc, err);
    config_free(&cfg);

    /* config_set (the --db path, tests) applies the same checks. */
    config_defaults(&cfg);
    rc = config_set(&cfg, "dkim", "selector", "s1;", err, sizeof err);
    UNIT_CHECK("config_set checks the syntax too", rc == -1 && strstr(err, "[dkim] selector"),
               "%d %s", rc, err);
    rc = config_set(&cfg, "delivery", "smtp_urll", "x", err, sizeof err);
    UNIT_CHECK("config_set: did you mean", rc == -1 && strstr(err, "did you mean smtp_url?"),
               "%d %s", rc, err);
    config_free(&cfg);

    return unit_status();
}
