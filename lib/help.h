/* The help texts of `tlsrpt help [COMMAND]` and `tlsrpt COMMAND --help`: generated at build
 * time from man/tlsrpt.8.scd by man/help.awk, so help and man page cannot disagree. */
#ifndef TLSRPT_HELP_H
#define TLSRPT_HELP_H

struct help_entry {
    const char *command; /* "" for the global synopsis and options */
    const char *synopsis;
    const char *text; /* the synopsis, the command's first sentence, one line per option */
};

extern const struct help_entry help_entries[];
extern const int help_entry_count;

/* The help text or the synopsis of COMMAND (NULL: the global ones); NULL when the man page
 * has no section for it. */
const char *help_text(const char *command);
const char *help_synopsis(const char *command);

#endif
