/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CONTAINER_H
#define HRUN_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A started container, as a waiter (below) sees it. */
struct container_running {
	pid_t pid;               /* the init, now the user process */
	int pidfd;               /* of pid */
	int tty_master;          /* process.terminal without --console-socket, else -1 */
	const char *cgroup_path; /* NULL: no cgroup */
};

/* `hrun sandbox`: waits for the started container instead of `run`'s
 * signal-forwarding wait. Returns the exit status with the init reaped,
 * or a negative errno with the message recorded and the init not reaped
 * (the runtime kills it). The cgroup still exists while it runs. */
struct container_waiter {
	int (*wait)(void *arg, const struct container_running *run);
	void *arg;
};

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
	/* a config built in memory (hrun sandbox): this JSON text goes through
	 * the same parser as BUNDLE/config.json, CONFIG_NAME in messages */
	const char *config_text;
	size_t config_len;
	const char *config_name;
	const int *stdio; /* the init's fds 0..2 (-1: the runtime's); NULL: all the runtime's */
	const struct container_waiter *waiter; /* run: NULL = forward signals and wait */
};

/* `hrun create`: everything but the user process; the init waits on the
 * exec fifo until `hrun start`. Returns 0 or a negative errno. */
int container_create(const struct hrun_create_opts *o);

/* `hrun run`: create + start (+ wait unless detach). Returns the process
 * exit status (128+N for signal N) or a negative errno. */
int container_run(const struct hrun_create_opts *o);

#endif
