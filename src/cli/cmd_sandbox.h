/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CMD_SANDBOX_H
#define HRUN_CMD_SANDBOX_H

#include "options.h"

extern const struct cli_usage cmd_sandbox_usage;

/* `hrun sandbox`: parse, then sandbox_main(). argv[0] is the command
 * name. Returns CMD's exit status, or a negative errno with the message
 * recorded (the exit status is then sandbox_error_status()'s). */
int cmd_sandbox_main(const char *root, int argc, char **argv);

#endif
