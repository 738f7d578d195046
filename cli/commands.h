/* Every subcommand of tlsrpt, by the folder that implements it. */
#ifndef TLSRPT_COMMANDS_H
#define TLSRPT_COMMANDS_H

#include "lib/cmd.h"

/* collector/ */
cmd_fn cmd_collect, cmd_record, cmd_export, cmd_import;
/* reporter/ */
cmd_fn cmd_send, cmd_daily;
/* aggregator/ */
cmd_fn cmd_aggregate, cmd_reports, cmd_show;
/* cli/ */
cmd_fn cmd_stats, cmd_check_config, cmd_metrics;
/* `send --check`: check-config's checks of the database and the reporter's keys, printed
 * one line each (ok/warning/error) with a summary; EXIT_OK when none failed. */
int check_config_send(struct config *cfg);

#endif
