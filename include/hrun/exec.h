/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_EXEC_H
#define HRUN_EXEC_H

#include <stdbool.h>
#include <stdint.h>

/* `hrun exec` options (runc's flag names). */
struct hrun_exec_opts {
	const char *root;
	const char *id;
	const char *process_file;   /* --process: an OCI process object */
	char **args;                /* command and arguments (without --process) */
	const char *cwd;            /* --cwd */
	char **env;                 /* --env KEY=VALUE (NULL-terminated) */
	const char *user;           /* --user UID[:GID] */
	const char *additional_gids; /* --additional-gids G1,G2,... */
	uint64_t caps;              /* --cap CAP_X, added to every set */
	bool no_new_privs;          /* --no-new-privs */
	bool tty;                   /* --tty */
	const char *console_socket; /* --console-socket */
	bool detach;                /* --detach */
	const char *pid_file;       /* --pid-file */
	unsigned preserve_fds;      /* --preserve-fds */
	const char *apparmor;       /* --apparmor PROFILE */
	const char *process_label;  /* --process-label LABEL (SELinux) */
};

/* Returns the process exit status (128+N for a signal), 0 when detached,
 * or a negative errno with the message recorded. */
int exec_run(const struct hrun_exec_opts *o);

#endif
