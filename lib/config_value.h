/* The syntax of configuration values: one pure check per kind of value. The configuration
 * reader applies them to every value it reads (lib/config.c's key table names each key's
 * check), so every command, check-config and the daily run alike, accepts and refuses the
 * same values with the same words; aggregator/report_options.c and reporter/ call the same
 * functions where they use a value.
 * Each returns 0, or -1 with why saying what is wrong (no key name: the caller adds it). */
#ifndef TLSRPT_CONFIG_VALUE_H
#define TLSRPT_CONFIG_VALUE_H

#include <stddef.h>

typedef int config_check_fn(const char *value, char *why, size_t whysize);

/* A DKIM selector, RFC 6376 §3.1: sub-domain *("." sub-domain), each sub-domain letters,
 * digits and inner hyphens (RFC 5321 Let-dig [Ldh-str]), at most 63 characters. */
config_check_fn value_dkim_selector;
/* Lists of them, blank- or comma-separated ([dkim] selector and key_file: one per key). */
config_check_fn value_dkim_selectors;
config_check_fn value_abs_paths;
/* A domain name as lib/domain.c normalises it (IDN allowed). */
config_check_fn value_domain;
/* An e-mail address as RFC 8460 §4.4 wants contact-info: an addr-spec with a dot-atom local
 * part (RFC 5322 §3.4.1), no display name, no angle brackets, no "mailto:". */
config_check_fn value_addr_spec;
/* The relay URL: smtp:// or smtps://, a host (domain, IPv4, or [IPv6]), an optional port
 * 1-65535, an optional "/EHLO-name"; no user or password (smtp_user, smtp_password_file). */
config_check_fn value_smtp_url;
/* An absolute path without control characters: the daily run (systemd, working directory
 * "/") and a check-config in a shell must mean the same file. */
config_check_fn value_abs_path;
/* An absolute path that fits an AF_UNIX socket address (at most 107 bytes). */
config_check_fn value_socket_path;
/* A path without control characters (relative paths allowed, e.g. --db ./x.sqlite). */
config_check_fn value_path;
/* UTF-8 text without control characters (it goes into report JSON and mail headers). */
config_check_fn value_text;
/* A user or group name (letters, digits, '_', '.', '-'; not starting with '-'), or a number. */
config_check_fn value_account;
/* A command line whose first word is an absolute path and that contains {rcpt}. */
config_check_fn value_sendmail_command;

/* Edit distance (Levenshtein, ASCII case-insensitive) of a and b, capped at cap + 1. */
size_t value_edit_distance(const char *a, const char *b, size_t cap);

#endif
