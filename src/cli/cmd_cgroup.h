/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CMD_CGROUP_H
#define HRUN_CMD_CGROUP_H

#include "options.h"

extern const struct cli_usage cmd_update_usage, cmd_events_usage;

/* `hrun update [--resources FILE|-] [runc's flags] ID` */
int cmd_update(const char *root, int argc, char **argv);
/* `hrun events [--stats] [--interval Ns] ID`: runc's stats event JSON */
int cmd_events(const char *root, int argc, char **argv);

#endif
