/* Every subcommand of tlsrpt, by the folder that implements it. */
#ifndef TLSRPT_COMMANDS_H
#define TLSRPT_COMMANDS_H

#include "lib/cmd.h"

/* collector/ */
cmd_fn cmd_collect, cmd_record;
/* aggregator/ */
cmd_fn cmd_aggregate, cmd_reports, cmd_show;
/* cli/ */
cmd_fn cmd_stats;

#endif
