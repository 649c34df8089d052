/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bind mount sources, resolved ONCE by the runtime parent (and by `check`)
 * before the launch policy judges them; the mount then uses what was
 * resolved, never the path again.
 *
 *   relative source: openat2(bundle, src, RESOLVE_BENEATH |
 *                    RESOLVE_NO_MAGICLINKS): `..` or a symlink that leaves
 *                    the bundle is refused (EXDEV);
 *   absolute source: openat2(AT_FDCWD, src, RESOLVE_NO_MAGICLINKS);
 *   both:            the canonical host path read back from
 *                    /proc/self/fd/N is what the policy judges.
 */
#define _GNU_SOURCE
#include "hrun/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

bool mount_is_bind(const struct hrun_mount *m)
{
	return (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

int mount_source_escapes(size_t i, const char *src)
{
	return hrun_err(EXDEV, "config.json: mounts[%zu].source: `%s` leaves the bundle", i, src);
}

/* Does relative SRC climb above its start with `..` (lexically)? */
bool mount_source_climbs(const char *src)
{
	long depth = 0;

	for (const char *p = src; *p;) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p = *end ? end + 1 : end;
	}
	return false;
}

int mount_resolve_rootfs(const char *bundle, const char *root_path, char **ret_rootfs)
{
	char path[PATH_MAX];
	char *rootfs;

	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", root_path[0] == '/' ? "" : bundle,
			     root_path[0] == '/' ? "" : "/", root_path) >= sizeof(path))
		return hrun_err(ENAMETOOLONG, "root.path `%s`: too long", root_path);
	rootfs = realpath(path, NULL);
	if (!rootfs)
		return hrun_syserr(errno, "root.path `%s`", root_path);
	if (strcmp(rootfs, "/") == 0) {
		free(rootfs);
		return hrun_err(EINVAL, "root.path: the host root cannot be the container root");
	}
	*ret_rootfs = rootfs;
	return 0;
}

/* O_PATH fd of mounts[I].source and its canonical host path. */
static int resolve_one(int bundle_fd, size_t i, const char *src, struct hrun_bind_source *ret)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_MAGICLINKS | (src[0] == '/' ? 0 : RESOLVE_BENEATH),
	};
	char fdpath[32], buf[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	fd = (int)syscall(SYS_openat2, src[0] == '/' ? AT_FDCWD : bundle_fd, src, &how, sizeof(how));
	if (fd < 0 && errno == EXDEV)
		return mount_source_escapes(i, src);
	if (fd < 0)
		return hrun_syserr(errno, "config.json: mounts[%zu].source `%s`", i, src);
	ret->fd = fd;
	if (fstat(fd, &st) < 0)
		return hrun_syserr(errno, "config.json: mounts[%zu].source `%s`", i, src);
	ret->is_dir = S_ISDIR(st.st_mode);
	ret->dev = st.st_dev;
	ret->ino = st.st_ino;
	n = readlink(util_fd_path(fd, fdpath, sizeof(fdpath)), buf, sizeof(buf) - 1);
	if (n < 0)
		return hrun_syserr(errno, "config.json: mounts[%zu].source `%s`: read its path", i, src);
	buf[n] = '\0';
	if (buf[0] != '/')
		return hrun_err(EINVAL, "config.json: mounts[%zu].source `%s`: not reachable from / (`%s`)", i,
				src, buf);
	ret->path = strdup(buf);
	if (!ret->path)
		return hrun_err(ENOMEM, "out of memory");
	return 0;
}

int mount_resolve_sources(const struct hrun_spec *spec, const char *bundle, struct hrun_bind_sources *ret)
{
	struct hrun_bind_sources s = { .n = spec->n_mounts };
	_cleanup_close_ int bundle_fd = -1;
	int r = 0;

	bundle_fd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (bundle_fd < 0)
		return hrun_syserr(errno, "bundle `%s`", bundle);
	if (s.n && !(s.v = calloc(s.n, sizeof(*s.v))))
		return hrun_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < s.n; i++)
		s.v[i].fd = s.v[i].tree = -1;
	for (size_t i = 0; i < s.n && r == 0; i++) {
		const struct hrun_mount *m = &spec->mounts[i];

		if (!mount_is_bind(m))
			continue;
		if (!m->source)
			r = hrun_err(EINVAL, "config.json: mounts[%zu].source: required for a bind mount", i);
		else
			r = resolve_one(bundle_fd, i, m->source, &s.v[i]);
	}
	if (r < 0) {
		mount_sources_clear(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void mount_sources_clear(struct hrun_bind_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		if (s->v[i].fd >= 0)
			(void)close(s->v[i].fd);
		if (s->v[i].tree >= 0)
			(void)close(s->v[i].tree);
	}
	free(s->v);
	*s = (struct hrun_bind_sources){ 0 };
}

/* Detach a clone of every resolved source, in the runtime parent before
 * clone3: the child attaches the tree (move_mount), so what is mounted is
 * what was resolved and judged, never the path looked up again. Cloning
 * here, as the runtime's root, also lets a user-namespaced container bind a
 * source only that root can open (as runc does).
 *
 * Kernel corner: a tree attached this way into the container's user
 * namespace carries the source mount's flags (nosuid, nodev, noexec, ro)
 * but the kernel does not mark them MNT_LOCK_* as it does for mounts copied
 * into a new user namespace. So in a user namespace the init prefers its
 * own clone of the same inode (verified fallback, see clone_in_userns() in
 * mount.c) and attaches this tree only for a source it cannot reach; there
 * a container root granted CAP_SYS_ADMIN (and mount(2) by its seccomp
 * profile) could clear the host's flags on that one bind mount. */
int mount_clone_sources(const struct hrun_spec *spec, struct hrun_bind_sources *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct hrun_bind_source *b = &s->v[i];
		bool rec = spec->mounts[i].flags & MS_REC;
		/* a clone of a shared mount joins its peer group: make it a
		 * slave (host mounts propagate in, nothing propagates out), as
		 * a bind inside the container's rslave tree always was */
		struct mount_attr attr = { .propagation = MS_SLAVE };

		if (b->fd < 0)
			continue;
		b->tree = (int)syscall(SYS_open_tree, b->fd, "",
				       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0));
		if (b->tree < 0)
			return hrun_syserr(errno, "mounts[%zu]: clone the bind source `%s`", i, b->path);
		if (syscall(SYS_mount_setattr, b->tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr,
			    sizeof(attr)) < 0)
			return hrun_syserr(errno, "mounts[%zu]: make the bind of `%s` a slave", i, b->path);
	}
	/* idmapped while detached and still the runtime's (see mount_idmap.c).
	 * In a user namespace the child attaches these trees, not a clone
	 * of its own: the host's flags on them are then not locked (the
	 * kernel corner above) */
	return mount_idmap_sources(spec, s);
}
