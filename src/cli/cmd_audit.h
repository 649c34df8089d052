/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CMD_AUDIT_H
#define HRUN_CMD_AUDIT_H

#include "options.h"

extern const struct cli_usage cmd_spec_usage, cmd_check_usage;

/* `hrun spec` and `hrun check`: parse, then specgen_main() / check_main().
 * argv[0] is the command name. Return check_main()'s status (0 or 1), or a
 * negative errno with the message recorded. */
int cmd_spec_main(int argc, char **argv);
int cmd_check_main(int argc, char **argv);

#endif
