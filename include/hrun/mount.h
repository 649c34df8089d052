/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_MOUNT_H
#define HRUN_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hrun/spec.h"

/* mounts[i]'s bind source as the runtime resolved it, once, before the
 * policy judged it (mount_resolve_sources). */
struct hrun_bind_source {
	char *path;  /* canonical host path; NULL: mounts[i] is not a bind */
	int fd;      /* O_PATH fd of the source, -1 when none */
	int tree;    /* detached clone of it (open_tree), -1 until cloned */
	bool is_dir;
	dev_t dev;   /* of the source as resolved */
	ino_t ino;
};

struct hrun_bind_sources {
	struct hrun_bind_source *v; /* one per spec->mounts[i] (n == n_mounts) */
	size_t n;
};

/* Type "bind" or a bind/rbind option. */
bool mount_is_bind(const struct hrun_mount *m);

/* BUNDLE/ROOT_PATH (or ROOT_PATH when absolute), canonical; refuses "/". */
int mount_resolve_rootfs(const char *bundle, const char *root_path, char **ret_rootfs);

/* Resolve every bind source of SPEC: relative ones beneath BUNDLE
 * (openat2 RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS from an O_PATH fd of it:
 * `..` or a symlink leaving it is refused with "config.json:
 * mounts[i].source: `SRC` leaves the bundle"), absolute ones with
 * RESOLVE_NO_MAGICLINKS; each keeps its O_PATH fd and canonical path. */
int mount_resolve_sources(const struct hrun_spec *spec, const char *bundle, struct hrun_bind_sources *ret);
void mount_sources_clear(struct hrun_bind_sources *s);

/* In the runtime parent, before clone3: a detached clone (open_tree
 * OPEN_TREE_CLONE, AT_RECURSIVE for rbind, made a slave) of every resolved
 * source into ->tree, idmapped where asked; the child attaches it
 * (mount_config_mounts). */
int mount_clone_sources(const struct hrun_spec *spec, struct hrun_bind_sources *s);

/* Called by mount_clone_sources: idmap (mount_setattr MOUNT_ATTR_IDMAP,
 * AT_RECURSIVE for ridmap) the detached tree of every mount asking for it,
 * with a user namespace made for its mapping (mount_idmap.c). */
int mount_idmap_sources(const struct hrun_spec *spec, struct hrun_bind_sources *s);

/* The "leaves the bundle" error for mounts[I] (returns -EXDEV). */
int mount_source_escapes(size_t i, const char *src);
/* Does the relative path SRC climb above its start with `..`? */
bool mount_source_climbs(const char *src);

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
	const struct hrun_bind_sources *binds; /* resolved and cloned by the
				  * runtime: config bind mounts attach these */
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
