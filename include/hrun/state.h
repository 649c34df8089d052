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
	enum hrun_status status; /* recorded stage: creating, created, running, stopped */
	pid_t pid;                     /* the init, 0 until it is cloned */
	unsigned long long start_time; /* of pid, guards against pid reuse */
	unsigned long long pidns_ino;  /* of pid's pid namespace (identity) */
	pid_t creator_pid;             /* the `create`/`run` process while creating */
	unsigned long long creator_start;
	char *bundle;
	char *rootfs;
	char *created; /* RFC3339 */
	char *owner;
	char *cgroup_path; /* fs path, NULL when none */
	json_t *annotations; /* object */
	bool detached;       /* created by create/run -d: nobody waits in hrun */
};

#define HRUN_STATE_FIFO "exec.fifo"
/* The config.json bytes parsed at create: every later command reads this
 * snapshot, never the bundle again. */
#define HRUN_STATE_CONFIG "config.json"

/* --root: ARG, else $XDG_RUNTIME_DIR/hrun for non-root (empty = unset),
 * else /run/hrun. */
const char *state_default_root(void);

/* ROOT/@seccomp: compiled seccomp programs ('@' is not valid in an id, so
 * the cache never collides with a container). */
#define HRUN_SECCOMP_CACHE "@seccomp"

/* Create ROOT (mode 0700) and missing parents (0755); an existing one is fine. */
int state_ensure_root(const char *root) __attribute__((nonnull));

/* Container ids: [A-Za-z0-9_.+-], 1..1024 chars, not "." or "..". */
int state_validate_id(const char *id) __attribute__((nonnull));

/* Create ROOT/ID exclusively (EEXIST -> "container `ID` already exists",
 * naming `delete --force` when an interrupted create left it) and write
 * ST (status "creating") into it at once; returns an UNLOCKED O_DIRECTORY
 * fd. */
int state_create(const char *root, const char *id, const struct hrun_state *st, int *ret_dirfd)
	__attribute__((nonnull));
/* Open ROOT/ID ("container `ID` does not exist") and flock it (shared or
 * exclusive): hold the lock only around reading or changing the state
 * (state_unlock), never across hooks or waits. */
int state_open(const char *root, const char *id, bool exclusive, int *ret_dirfd);
void state_unlock(int dirfd);
/* Exclusive lock on an open state dir; -ENOENT if it was deleted. */
int state_lock(int dirfd);
/* Remove ROOT/ID and its files (caller holds the exclusive lock); a
 * directory that is no longer ROOT/ID (deleted and re-created by others)
 * is left alone. */
int state_remove(const char *root, const char *id, int dirfd);

/* Atomic (tmp + fsync + rename) write; the caller holds the exclusive lock. */
int state_write(int dirfd, const struct hrun_state *st);
/* Lock, check the directory is still there (not deleted), write, unlock. */
int state_update(int dirfd, const struct hrun_state *st);
/* A directory without state.json (create killed right after mkdir) reads
 * as a "creating" container with no pid. */
int state_read(int dirfd, struct hrun_state *ret);
/* Parse state.json text (what state_read does after reading the file; the
 * fuzz target's entry point). */
int state_parse(const char *text, size_t len, struct hrun_state *ret);
void state_clear(struct hrun_state *st);

/* The config snapshot: write TEXT to ROOT/ID/config.json (0600), and
 * parse it back (start, exec, kill, delete, ...). */
int state_save_config(int dirfd, const char *text, size_t len);
struct hrun_spec;
int state_load_spec(int dirfd, struct hrun_spec **ret_spec);

/* Record the identity of ST->pid (start time, pid namespace). */
int state_record_identity(struct hrun_state *st);
/* A pidfd for the init, opened FIRST and then verified (start time, pid
 * namespace, cgroup) while the pidfd shows it has not exited: a recycled
 * pid is never returned. -ESRCH (no message) when it is not running. */
int state_open_init(const struct hrun_state *st, int *ret_pidfd);
/* Is st->pid still the container's init (identity as above, not exited)? */
bool state_init_alive(const struct hrun_state *st);
/* Is the creator of a "creating" container still running? */
bool state_creator_alive(const struct hrun_state *st);
/* A pidfd for the live creator (as state_open_init), -ESRCH if gone. */
int state_open_creator(const struct hrun_state *st, int *ret_pidfd);
enum hrun_status state_status(int dirfd, const struct hrun_state *st);
const char *state_status_name(enum hrun_status s);

/* The OCI state object (runtime.md "State"). */
json_t *state_to_json(const struct hrun_state *st, enum hrun_status status);

/* Sorted container ids under ROOT (NULL-terminated, free with strv_free). */
int state_list(const char *root, char ***ret_ids);

#endif
