/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_COMMANDS_H
#define HRUN_COMMANDS_H

#include <stdbool.h>

#include "config.h"
#include "options.h"

#define HRUN_VERSION_STRING HRUN_VERSION
#define HRUN_FEATURE_STRING "+SECCOMP +CAP +EBPF +CGROUPV2 +USERNS +IDMAP-NO +SYSTEMD-NO"

struct hrun_globals {
	const char *root;
	bool systemd_cgroup;
};

/* A command returns its exit code (>= 0) or a negative errno with the
 * message recorded (main prints it and exits 1). argv[0] is its name. */
struct hrun_command {
	const char *name;
	int (*fn)(const struct hrun_globals *g, int argc, char **argv);
	const struct cli_usage *usage; /* its options, synopsis and summary */
	/* starts container processes: runs only from a sealed copy of the
	 * binary (seal.h); every such command must set it */
	bool sealed;
	/* the exit status when fn (or the sealing) fails; NULL: 1 */
	int (*error_status)(int err);
};

extern const struct hrun_command commands[];

#endif
