/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_MOUNT_H
#define HRUN_MOUNT_H

#include <stdbool.h>

#include "hrun/spec.h"

/*
 * The container's filesystem, built inside its new mount namespace.
 * Every mount target is resolved below the rootfs with openat2
 * RESOLVE_IN_ROOT (a symlink in the rootfs cannot point a mount at the host)
 * and mounted through its /proc/self/fd/N path.
 */
struct hrun_mount_ctx {
	const struct hrun_spec *spec;
	const char *rootfs;      /* absolute host path of the rootfs (messages);
				  * the child starts with it as its cwd */
	const char *cgroup_path; /* the container's cgroup (fs path) or NULL */
	bool userns;             /* in a new user namespace: no mknod, locked flags */
	int rootfd;              /* O_PATH fd of the rootfs after mount_prepare_rootfs */
	int devnull;             /* host /dev/null, for masking files after pivot */
};

/* Steps, in order (container.c calls them):
 * 1. propagation of "/", bind the rootfs onto itself, open rootfd;
 * 2. every linux mount in config order, then /dev contents and cwd; */
int mount_prepare_rootfs(struct hrun_mount_ctx *ctx);
int mount_config_mounts(struct hrun_mount_ctx *ctx);
/* Bind the pty slave at /dev/console (when process.terminal). */
int mount_console(struct hrun_mount_ctx *ctx, const char *slave_path);
/* 3. pivot_root into the rootfs and detach the old root; */
int mount_pivot(struct hrun_mount_ctx *ctx, bool no_pivot);
/* 4. after pivot: maskedPaths, readonlyPaths, then a read-only root and
 *    rootfsPropagation. */
int mount_finalize(struct hrun_mount_ctx *ctx);

void mount_ctx_clear(struct hrun_mount_ctx *ctx);

#endif
