/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SPECGEN_H
#define HRUN_SPECGEN_H

/*
 * "hrun spec": generate a hardened config.json (every hrun check rule
 * satisfied, see hrun-check(1)).
 */

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

struct specgen_options {
	bool rootless;      /* add a user namespace mapping getuid()/getgid() */
	bool no_limits;     /* omit memory/cpu/pids limits (hosts without those controllers) */
	uid_t uid;          /* container user, default 1000 */
	gid_t gid;          /* default 1000 */
	const char *rootfs; /* root.path, default "rootfs" */
	const char *const *args; /* process.args, NULL-terminated; NULL = {"sh"} */
	const char *seccomp_path; /* NULL: search (see specgen_seccomp_path) */
};

/* Path of the default seccomp profile: $HRUN_PROFILES/seccomp/default.json
 * when HRUN_PROFILES is set, else the first existing of
 * HRUN_DATADIR/seccomp/default.json and HRUN_SOURCE_PROFILES/seccomp/default.json. */
int specgen_seccomp_path(char **ret);

/* Build the config object (caller json_decref's it). */
int specgen_build(const struct specgen_options *opts, json_t **ret);

/* Write CONFIG to DIR/config.json, refusing to overwrite (-EEXIST). */
int specgen_write(const char *dir, json_t *config);

/* "hrun spec" once its command line is parsed (src/cli/cmd_audit.c): build
 * the config from OPTS and write it to BUNDLE/config.json (NULL: ".") or
 * stdout. Returns 0, or a negative errno with the message recorded. */
int specgen_main(const struct specgen_options *opts, const char *bundle, bool to_stdout);

#endif
