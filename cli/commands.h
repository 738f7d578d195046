/* Every subcommand of tlsrpt, by the folder that implements it. */
#ifndef TLSRPT_COMMANDS_H
#define TLSRPT_COMMANDS_H

#include "lib/cmd.h"

/* collector/ */
cmd_fn cmd_collect, cmd_record, cmd_export, cmd_import;
/* aggregator/ */
cmd_fn cmd_aggregate, cmd_reports, cmd_show;
/* cli/ */
cmd_fn cmd_stats, cmd_check_config, cmd_metrics;

#endif
