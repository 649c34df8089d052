/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CONTAINER_H
#define HRUN_CONTAINER_H

#include <stdbool.h>

/* Options shared by `create` and `run` (runc/crun flag names). */
struct hrun_create_opts {
	const char *root;           /* --root */
	const char *id;
	const char *bundle;         /* -b/--bundle, default "." */
	const char *pid_file;       /* --pid-file */
	const char *console_socket; /* --console-socket */
	const char *policy;         /* --policy */
	unsigned preserve_fds;      /* --preserve-fds */
	bool no_pivot;              /* --no-pivot */
	bool no_new_keyring;        /* --no-new-keyring */
	bool systemd_cgroup;        /* global --systemd-cgroup */
	bool detach;                /* run -d */
	bool keep;                  /* run --keep */
};

/* `hrun create`: everything but the user process; the init waits on the
 * exec fifo until `hrun start`. Returns 0 or a negative errno. */
int container_create(const struct hrun_create_opts *o);

/* `hrun run`: create + start (+ wait unless detach). Returns the process
 * exit status (128+N for signal N) or a negative errno. */
int container_run(const struct hrun_create_opts *o);

#endif
