#include "help.h"

#include <string.h>

static const struct help_entry *find(const char *command)
{
    if (command == NULL)
        command = "";
    for (int i = 0; i < help_entry_count; i++)
        if (strcmp(help_entries[i].command, command) == 0)
            return &help_entries[i];
    return NULL;
}

const char *help_text(const char *command)
{
    const struct help_entry *e = find(command);
    return e ? e->text : NULL;
}

const char *help_synopsis(const char *command)
{
    const struct help_entry *e = find(command);
    return e ? e->synopsis : NULL;
}
