/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CMD_PS_H
#define HRUN_CMD_PS_H

#include "options.h"

extern const struct cli_usage cmd_ps_usage;

/* `hrun ps`: see cmd_ps.c. */
int cmd_ps_main(const char *root, int argc, char **argv);

#endif
