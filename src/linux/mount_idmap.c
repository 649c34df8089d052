/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Idmapped bind mounts (mounts[].options "idmap"/"ridmap", with the
 * mount's uidMappings/gidMappings or, without them, the container's).
 *
 * Done by the runtime parent before clone3, on the detached tree it cloned
 * from the resolved source (mount_clone_sources): only a process with
 * CAP_SYS_ADMIN over the source's superblock (the host's root) may idmap a
 * host mount, and only a detached one. The child then attaches the tree
 * as it is (mount_bind_tree).
 *
 *   user namespace: a short-lived child cloned into a new user namespace
 *                   waits on a pipe while the runtime writes its
 *                   uid_map/gid_map and opens /proc/PID/ns/user; the fd
 *                   keeps the namespace once the child is reaped. One per
 *                   distinct mapping; a user namespace the container joins
 *                   by path is used as it is.
 *   idmap:          mount_setattr(MOUNT_ATTR_IDMAP) on the top mount;
 *   ridmap:         the same with AT_RECURSIVE, on every mount of the tree.
 */
#define _GNU_SOURCE
#include "hrun/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

/* A user namespace made for one mapping (or joined), shared by every
 * mount that asks for the same. */
struct idmap_ns {
	const struct hrun_id_map *uid, *gid;
	size_t n_uid, n_gid;
	int fd;
};

static int write_map(pid_t pid, size_t i, const char *file, const struct hrun_id_map *m, size_t n)
{
	char path[64], buf[340 * 36];
	size_t len = 0;
	int r;

	for (size_t j = 0; j < n; j++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[j].container_id,
				 m[j].host_id, m[j].size);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return hrun_err(E2BIG, "mounts[%zu]: idmap: too many mappings", i);
		len += (size_t)w;
	}
	(void)snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	r = util_write_file(path, buf, len);
	if (r < 0)
		return hrun_err_prefix(r, "mounts[%zu]: idmap: the %s", i, file);
	return 0;
}

/* The child: block until the runtime closes the pipe (done, or dead). */
static __attribute__((noreturn)) void holder(int rd, int wr)
{
	char b;

	(void)close(wr);
	while (read(rd, &b, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static int make_userns(size_t i, const struct idmap_ns *want, int *ret_fd)
{
	_cleanup_close_ int rd = -1, wr = -1;
	char path[64];
	int p[2], r, fd = -1, status;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return hrun_syserr(errno, "mounts[%zu]: idmap: pipe", i);
	rd = p[0];
	wr = p[1];
	/* fork semantics (no new stack): the child only reads and exits */
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		return hrun_syserr(errno, "mounts[%zu]: idmap: create a user namespace", i);
	if (pid == 0)
		holder(rd, wr);
	r = write_map(pid, i, "uid_map", want->uid, want->n_uid);
	if (r == 0)
		r = write_map(pid, i, "gid_map", want->gid, want->n_gid);
	if (r == 0) {
		(void)snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = hrun_syserr(errno, "mounts[%zu]: idmap: open `%s`", i, path);
	}
	if (r < 0)
		(void)kill(pid, SIGKILL);
	(void)close(TAKE_FD(wr)); /* the child's read returns: it exits */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return r;
	*ret_fd = fd;
	return 0;
}

static bool same_map(const struct hrun_id_map *a, size_t na, const struct hrun_id_map *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

/* The user namespace fd for mounts[I] (owned by NS[], which grows). */
static int userns_for(const struct hrun_spec *spec, size_t i, struct idmap_ns *ns, size_t *n_ns,
		      int *ret_fd)
{
	const struct hrun_mount *m = &spec->mounts[i];
	const struct hrun_linux *l = &spec->linux_cfg;
	const char *joined = l->namespaces[HRUN_NS_USER].path;
	struct idmap_ns want = { m->uid_mappings, m->gid_mappings, m->n_uid_mappings,
				 m->n_gid_mappings, -1 };
	int r;

	if (!m->n_uid_mappings && !joined)
		want = (struct idmap_ns){ l->uid_mappings, l->gid_mappings, l->n_uid_mappings,
					  l->n_gid_mappings, -1 };
	for (size_t k = 0; k < *n_ns; k++)
		if (same_map(ns[k].uid, ns[k].n_uid, want.uid, want.n_uid) &&
		    same_map(ns[k].gid, ns[k].n_gid, want.gid, want.n_gid)) {
			*ret_fd = ns[k].fd;
			return 0;
		}
	if (want.n_uid) {
		r = make_userns(i, &want, &want.fd);
		if (r < 0)
			return r;
	} else { /* the container's own, joined by path: its mapping as it is */
		want.fd = open(joined, O_RDONLY | O_CLOEXEC);
		if (want.fd < 0)
			return hrun_syserr(errno, "mounts[%zu]: idmap: the user namespace `%s`", i,
					   joined);
	}
	ns[(*n_ns)++] = want;
	*ret_fd = want.fd;
	return 0;
}

static int idmap_tree(const struct hrun_mount *m, size_t i, const struct hrun_bind_source *b,
		      int userns)
{
	bool rec = m->idmap == HRUN_IDMAP_RECURSIVE;
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (__u64)userns };

	if (syscall(SYS_mount_setattr, b->tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &attr,
		    sizeof(attr)) == 0)
		return 0;
	if (errno == ENOSYS)
		return hrun_err(ENOSYS, "mounts[%zu]: %s of `%s`: idmapped mounts need "
				"mount_setattr (Linux 5.12), which this kernel lacks",
				i, rec ? "ridmap" : "idmap", b->path);
	if (errno == EINVAL)
		return hrun_syserr(EINVAL, "mounts[%zu]: %s of `%s`: the kernel refuses to idmap %s "
				   "(a filesystem without idmapped mount support, or an "
				   "idmapped mount already)",
				   i, rec ? "ridmap" : "idmap", b->path,
				   rec ? "its mount or one below it" : "its mount");
	return hrun_syserr(errno, "mounts[%zu]: %s of `%s`", i, rec ? "ridmap" : "idmap", b->path);
}

int mount_idmap_sources(const struct hrun_spec *spec, struct hrun_bind_sources *s)
{
	_cleanup_free_ struct idmap_ns *ns = NULL;
	size_t n_ns = 0;
	int r = 0;

	for (size_t i = 0; i < s->n && r == 0; i++) {
		const struct hrun_mount *m = &spec->mounts[i];
		int fd = -1;

		if (m->idmap == HRUN_IDMAP_NONE)
			continue;
		if (s->v[i].tree < 0)
			return hrun_err(EINVAL, "mounts[%zu]: idmap: not a bind mount the runtime "
					"resolved", i);
		if (!ns && !(ns = calloc(s->n, sizeof(*ns))))
			return hrun_err(ENOMEM, "out of memory");
		r = userns_for(spec, i, ns, &n_ns, &fd);
		if (r == 0)
			r = idmap_tree(m, i, &s->v[i], fd);
	}
	for (size_t k = 0; k < n_ns; k++)
		(void)close(ns[k].fd);
	return r;
}
