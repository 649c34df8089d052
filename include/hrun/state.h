/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_STATE_H
#define HRUN_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

/*
 * Container state under --root: ROOT/ID/state.json (+ exec.fifo while the
 * container is "created"). The ROOT/ID directory is created with mkdir(2),
 * which makes ids unique; every reader/writer holds flock() on it.
 */

enum hrun_status {
	HRUN_STATUS_CREATING = 0,
	HRUN_STATUS_CREATED,
	HRUN_STATUS_RUNNING,
	HRUN_STATUS_STOPPED,
	HRUN_STATUS_PAUSED,
};

struct hrun_state {
	char *id;
	pid_t pid;
	unsigned long long start_time; /* of pid, guards against pid reuse */
	char *bundle;
	char *rootfs;
	char *created; /* RFC3339 */
	char *owner;
	char *cgroup_path; /* fs path, NULL when none */
	json_t *annotations; /* object */
	bool detached;       /* created by create/run -d: nobody waits in hrun */
};

#define HRUN_STATE_FIFO "exec.fifo"

/* --root: ARG, else $XDG_RUNTIME_DIR/hrun for non-root (empty = unset),
 * else /run/hrun. */
const char *state_default_root(void);

/* ROOT/@seccomp: compiled seccomp programs ('@' is not valid in an id, so
 * the cache never collides with a container). */
#define HRUN_SECCOMP_CACHE "@seccomp"

/* Container ids: [A-Za-z0-9_.+-], 1..1024 chars, not "." or "..". */
int state_validate_id(const char *id) __attribute__((nonnull));

/* Create ROOT/ID exclusively (EEXIST -> "container `ID` already exists");
 * returns a locked O_DIRECTORY fd. */
int state_create(const char *root, const char *id, int *ret_dirfd) __attribute__((nonnull));
/* Open ROOT/ID ("container `ID` does not exist") and flock it (shared or
 * exclusive). */
int state_open(const char *root, const char *id, bool exclusive, int *ret_dirfd);
/* Remove ROOT/ID and its files. */
int state_remove(const char *root, const char *id, int dirfd);

int state_write(int dirfd, const struct hrun_state *st);
int state_read(int dirfd, struct hrun_state *ret);
/* Parse state.json text (what state_read does after reading the file; the
 * fuzz target's entry point). */
int state_parse(const char *text, size_t len, struct hrun_state *ret);
void state_clear(struct hrun_state *st);

/* Is st->pid still the container's init (same start time)? */
bool state_init_alive(const struct hrun_state *st);
enum hrun_status state_status(int dirfd, const struct hrun_state *st);
const char *state_status_name(enum hrun_status s);

/* The OCI state object (runtime.md "State"). */
json_t *state_to_json(const struct hrun_state *st, enum hrun_status status);

/* Sorted container ids under ROOT (NULL-terminated, free with strv_free). */
int state_list(const char *root, char ***ret_ids);

#endif
