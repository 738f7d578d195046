/* Configuration: one INI-style file, sections [storage] [collector] [report] [dkim] [delivery].
 * Every key, its type, default and one-line meaning live in one table (config.c); defaults are
 * parsed from their string form by the same code that parses the file, so the documented
 * default is the applied default. Unknown keys and bad values are errors naming file:line;
 * every value passes its key's syntax check (lib/config_value.h) whichever command reads it.
 * Comments are whole lines: "#" or ";" as the first non-blank character. An unquoted value in
 * which "#" begins a word is an error, never silently cut or kept (tlsrpt.conf(5)). */
#ifndef TLSRPT_CONFIG_H
#define TLSRPT_CONFIG_H

#include <stddef.h>

#include "config_value.h"

#define CONFIG_DEFAULT_PATH "/etc/tlsrpt/tlsrpt.conf"

struct config {
    /* [storage] */
    char *database;
    long retention_days;

    /* [collector] */
    char *socket;
    long socket_mode;            /* permission bits; never world-writable */
    char *socket_group;
    char *user;                  /* drop to this user after binding ("" = stay) */
    long flush_interval_ms;
    long max_pending;            /* bytes of uncommitted counters kept while commits fail */
    long summary_interval_ms;
    char *dump_invalid_dir;
    char *log_file;

    /* [report] */
    char *organization_name;     /* "" = derived from the host name */
    char *contact_info;          /* "" = postmaster@<host domain> */
    char *submitter;             /* "" = domain of contact_info (RFC 8460 §5.3) */
    char *policy_types;          /* list of sts, tlsa, no-policy-found */
    int skip_success_only;
    char *redact;                /* list of failure-detail field names */
    long max_failure_details;    /* per policy; 0 = unlimited */
    long max_report_size;        /* compressed bytes */

    /* [dkim] */
    char *dkim_domain;
    char *dkim_selector;
    char *dkim_key_file;
    char *dkim_algorithm;        /* rsa-sha256 | ed25519-sha256 */

    /* [delivery] */
    char *from;                  /* "" = contact_info */
    char *transport;             /* smtp | sendmail | outbox */
    char *smtp_url;
    char *smtp_starttls;         /* try | required | no */
    char *smtp_user;
    char *smtp_password_file;
    char *smtp_ca_file;
    char *sendmail_command;
    char *https_ca_file;
    long connect_timeout_ms;
    long timeout_ms;
    int allow_private_destinations;
    char *dns_servers;           /* list of IP[:port] */
    long retry_initial_ms;
    long retry_hours;
    long spread_ms;
    long concurrency;
    long max_rua;
    char *outbox;
};

enum config_type { CT_STRING, CT_INT, CT_BOOL, CT_MODE, CT_DURATION, CT_SIZE, CT_ENUM, CT_LIST };

struct config_key {
    const char *section;
    const char *name;
    enum config_type type;
    size_t offset;
    const char *def;         /* default, in the same syntax as the file */
    long min, max;           /* CT_INT, CT_DURATION (ms), CT_SIZE */
    const char *choices;     /* CT_ENUM / CT_LIST: space-separated allowed values, or NULL */
    const char *doc;
    config_check_fn *check;  /* syntax of a (non-empty) value, of each item of a CT_LIST */
};

extern const struct config_key config_keys[];
extern const size_t config_key_count;

/* Fills cfg with the defaults. */
void config_defaults(struct config *cfg);
/* Called once per error of a configuration file, with "file:line: message". */
typedef void config_error_fn(void *ctx, const char *message);

/* Reads path over the current values. When path is NULL, reads CONFIG_DEFAULT_PATH if it
 * exists. Reading goes on after an error, so that every error of the file is reported to
 * report (in file order); a key with a bad value keeps its previous value. Returns the number
 * of errors (0: the file was read without error). */
int config_load_each(struct config *cfg, const char *path, config_error_fn *report, void *ctx);
/* The same, returning 0, or -1 with the first "file:line: message" (and how many more there
 * are) in err. */
int config_load(struct config *cfg, const char *path, char *err, size_t errsize);
/* config_load for configuration text in memory (len bytes, not necessarily NUL-terminated);
 * name stands for the file name in messages. config_source() is left unchanged. */
int config_load_buffer(struct config *cfg, const char *name, const char *text, size_t len,
                       char *err, size_t errsize);
/* Sets one key from a string (as if read from a file: the same type, range and syntax
 * checks). Returns 0 or -1 with err ("[section] key: ..."). */
int config_set(struct config *cfg, const char *section, const char *key, const char *value,
               char *err, size_t errsize);
/* Fills the derived defaults ("" organization_name, contact_info, submitter, from). */
void config_finish(struct config *cfg);
void config_free(struct config *cfg);

/* The file actually read, or NULL when built-in defaults apply. */
const char *config_source(void);

/* Iterates over a list value ("a, b c"): copies the next item into item and returns 1, or
 * returns 0 at the end. *cursor starts at the list string. Items longer than size are cut. */
int config_list_next(const char **cursor, char *item, size_t size);
/* 1 when word is an item of the list. */
int config_list_has(const char *list, const char *word);

/* Formats a key's current value back into its file syntax. */
void config_format_value(const struct config *cfg, const struct config_key *k, char *out,
                         size_t size);

#endif
