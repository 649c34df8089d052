/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CGROUP_H
#define HRUN_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "hrun/spec.h"

/*
 * cgroup v2 driver. Works on a pure v2 host (/sys/fs/cgroup is cgroup2) and
 * on a hybrid host (cgroup2 at /sys/fs/cgroup/unified): it uses whichever
 * cgroup2 hierarchy exists, applies what that hierarchy's controllers allow,
 * and fails with one line naming the controller when a requested limit
 * cannot be applied (never a silent drop).
 */

struct hrun_cgroup {
	char *path; /* absolute filesystem path of the container's cgroup */
	int dirfd;  /* O_RDONLY|O_DIRECTORY fd of it (for CLONE_INTO_CGROUP); -1 if none */
};

/* Mount point of the cgroup2 hierarchy ("/sys/fs/cgroup" or
 * "/sys/fs/cgroup/unified"); NULL when the host has none. */
const char *cgroup_root(void);

/* Resolve linux.cgroupsPath for container ID into an absolute fs path:
 * absolute -> under the cgroup2 root; relative -> under hrun's own cgroup
 * (the "0::" line of /proc/self/cgroup, a trailing /init.scope dropped as
 * runc does); NULL/empty -> ROOT/hrun/ID (ROOT/hrun is shared and is not
 * removed by cgroup_destroy). A "slice:prefix:name" systemd-style path maps
 * to the layout systemd's driver would create (SLICE/PREFIX-NAME.scope,
 * parent slices included), made directly in cgroupfs: there is no systemd
 * driver; systemd_cgroup is accepted and changes nothing else.
 * Rejects ".." components and the root itself; "." and "//" are dropped.
 * Returns a malloc'd string in *ret_path. */
int cgroup_resolve_path(const char *cgroups_path, const char *id, bool systemd_cgroup,
			char **ret_path);

/* Create the cgroup (and intermediate dirs, enabling every available
 * controller in each parent's cgroup.subtree_control; failing only for the
 * ones RES needs), apply RES (may be NULL) and the device filter (always:
 * default deny + standard devices), open dirfd. An existing cgroup is
 * reused only if it has no processes (else -EBUSY). A requested limit
 * whose controller the hierarchy lacks fails with one line naming the
 * field and controller. On failure nothing is left behind (controllers
 * enabled in pre-existing ancestors stay enabled) and *ret is {NULL, -1}. */
int cgroup_create(const char *path, const struct hrun_resources *res, struct hrun_cgroup *ret);

/* Write resources to an existing cgroup (also used by `hrun update`):
 * same validation as cgroup_create, enables newly needed controllers in
 * the ancestors; re-attaches the device filter only if RES has devices. */
int cgroup_apply(const char *path, const struct hrun_resources *res);

/* Attach the BPF_PROG_TYPE_CGROUP_DEVICE program built from RULES: default
 * deny, RULES in order with the last matching rule winning, then the
 * standard container devices (mknod of any c/b device; null, zero, full,
 * random, urandom, tty, console, ptmx, pts/N, net/tun rwm), which are thus
 * always allowed, exactly as runc and crun do (Docker/containerd/Podman
 * send a leading deny-all and rely on it). DIRFD may be O_PATH. Replaces a
 * previously attached hrun program (atomically: new attached first). */
int cgroup_set_devices(int dirfd, const struct hrun_dev_rule *rules, size_t n_rules);

/* RULE takes nothing beyond default deny plus the standard devices that
 * every container gets (what hrun's own /dev holds without a filter). */
bool cgroup_devices_rule_is_standard(const struct hrun_dev_rule *rule);

/* Move PID into the cgroup (fallback when CLONE_INTO_CGROUP is unavailable,
 * and for exec). */
int cgroup_enter(const char *path, pid_t pid);

/* Freeze (true) or thaw (false) via cgroup.freeze; waits for "frozen 1". */
int cgroup_freeze(const char *path, bool frozen);
/* 1 if frozen, 0 if not, negative errno. */
int cgroup_is_frozen(const char *path);

/* Send SIGNO to everything in the cgroup (recursively). SIGKILL uses
 * cgroup.kill when present (atomic), else each pid is killed repeatedly
 * until the cgroup is empty (2 s timeout). Other signals: one pass. */
int cgroup_kill_all(const char *path, int signo);

/* Host pids in the cgroup (recursive), malloc'd array in *ret_pids. */
int cgroup_pids(const char *path, pid_t **ret_pids, size_t *ret_n);

/* Remove the cgroup (rmdir, retrying briefly while it drains; descends into
 * child cgroups). Missing = success. */
int cgroup_destroy(const char *path);

/* Stats JSON in runc's `events --stats` shape ({"type":"stats","id":..,
 * "data":{"cpu":..,"memory":..,"pids":..,"blkio":..,"hugetlb":..}}), data
 * part only. A section whose files are missing is omitted. "Unlimited"
 * memory limits are INT64_MAX (jansson integers are signed), an unlimited
 * pids limit is omitted (runc's 0). */
int cgroup_stats(const char *path, json_t **ret_data);

void cgroup_clear(struct hrun_cgroup *cg);

/* OCI cpu.shares [2..262144] -> cgroup v2 cpu.weight [1..10000] with the
 * log-quadratic mapping of crun >= 1.23 / runc >= 1.3.2 (1024 -> 100);
 * 0 -> 0 (unset). */
uint64_t cgroup_shares_to_weight(uint64_t shares);

#endif
