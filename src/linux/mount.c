/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/lsm.h"
#include "hrun/util.h"

#define FD_PATH_MAX 32

static unsigned long propagation_flags(enum hrun_propagation p)
{
	switch (p) {
	case HRUN_PROP_PRIVATE:
		return MS_PRIVATE;
	case HRUN_PROP_RPRIVATE:
		return MS_PRIVATE | MS_REC;
	case HRUN_PROP_SHARED:
		return MS_SHARED;
	case HRUN_PROP_RSHARED:
		return MS_SHARED | MS_REC;
	case HRUN_PROP_SLAVE:
		return MS_SLAVE;
	case HRUN_PROP_RSLAVE:
		return MS_SLAVE | MS_REC;
	case HRUN_PROP_UNBINDABLE:
		return MS_UNBINDABLE;
	case HRUN_PROP_RUNBINDABLE:
		return MS_UNBINDABLE | MS_REC;
	case HRUN_PROP_NONE:
		break;
	}
	return 0;
}

/* Flags the kernel locks on a mount inherited into a user namespace: a
 * remount must repeat them or it fails with EPERM. */
static unsigned long locked_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

int mount_prepare_rootfs(struct hrun_mount_ctx *ctx)
{
	int tree;

	/* sync nothing back to the host: the whole tree becomes a slave */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return hrun_syserr(errno, "make / a slave mount");
	/* The runtime cloned us with the rootfs as cwd, which the kernel
	 * moved into our mount namespace: no path lookup is needed (the
	 * path may not be searchable by the root of a new user namespace).
	 * pivot_root needs the new root to be a mount point: clone the tree
	 * and attach the copy on top of itself; its fd is the new root. */
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, ".",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return hrun_syserr(errno, "clone the rootfs mount `%s`", ctx->rootfs);
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		int err = errno;

		(void)close(tree);
		return hrun_syserr(err, "attach the rootfs mount `%s`", ctx->rootfs);
	}
	ctx->rootfd = tree;
	return 0;
}

/* DEST does not resolve: when its last component is a dangling symlink
 * (`/etc/x -> not-existing`), follow the links inside the rootfs to the
 * path that needs creating (as runc and crun do). *ret is malloc'ed. */
static int follow_dangling(struct hrun_mount_ctx *ctx, const char *dest, char **ret)
{
	_cleanup_free_ char *cur = strdup(dest);

	for (int hops = 0; cur && hops < 40; hops++) {
		_cleanup_free_ char *parent = NULL;
		_cleanup_close_ int pfd = -1;
		char *slash = strrchr(cur, '/'), target[PATH_MAX], *next;
		ssize_t n;

		parent = strndup(cur, (size_t)(slash - cur) + 1);
		if (!parent)
			break;
		pfd = util_open_in_root(ctx->rootfd, parent, O_PATH | O_DIRECTORY, 0);
		if (pfd < 0)
			break; /* a missing parent: created as directories */
		n = readlinkat(pfd, slash + 1, target, sizeof(target) - 1);
		if (n <= 0) {
			*ret = TAKE_PTR(cur);
			return 0;
		}
		target[n] = '\0';
		if (asprintf(&next, "%s%s", target[0] == '/' ? "" : parent, target) < 0)
			break;
		free(cur);
		cur = next;
	}
	if (!cur)
		return -ENOMEM; /* the caller records */
	*ret = TAKE_PTR(cur);
	return 0;
}

/* Create DEST (a directory, or an empty file when IS_FILE) below the rootfs
 * and return an O_PATH fd resolved inside it. */
static int open_target(struct hrun_mount_ctx *ctx, const char *dest, bool is_file)
{
	_cleanup_free_ char *real = NULL;
	int fd = util_open_in_root(ctx->rootfd, dest, O_PATH, 0);
	int r;

	if (fd >= 0)
		return fd;
	if (fd != -ENOENT)
		return hrun_syserr(-fd, "mount destination `%s`", dest);
	r = follow_dangling(ctx, dest, &real);
	if (r < 0)
		return hrun_syserr(-r, "mount destination `%s`", dest);
	r = is_file ? util_touch_in_root(ctx->rootfd, real)
		    : util_mkdir_in_root(ctx->rootfd, real, 0755);
	if (r < 0)
		return hrun_syserr(-r, "create mount destination `%s` in the rootfs", dest);
	fd = util_open_in_root(ctx->rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return hrun_syserr(-fd, "mount destination `%s`", dest);
	return fd;
}

/* Re-open DEST after a mount so later operations hit the new mount, not
 * the directory it covers. */
static int reopen_target(struct hrun_mount_ctx *ctx, const char *dest)
{
	int fd = util_open_in_root(ctx->rootfd, dest, O_PATH, 0);

	if (fd < 0)
		return hrun_syserr(-fd, "re-open mount `%s`", dest);
	return fd;
}

static int bind_remount(const char *target, unsigned long flags)
{
	unsigned long f = MS_REMOUNT | MS_BIND | flags | locked_flags(target);

	if (mount(NULL, target, NULL, f, NULL) < 0)
		return -errno;
	return 0;
}

/* The recursive options (rro, rnosuid, ratime, ...) on the whole tree of
 * the mount, after the mount's own options: a config asking for them is
 * never run without them. */
static int apply_recursive_attrs(struct hrun_mount_ctx *ctx, int fd, const struct hrun_mount *m)
{
	struct mount_attr attr = { .attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr };

	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno == ENOSYS)
		return hrun_err(ENOSYS, "options: the recursive mount options of `%s` need "
				"mount_setattr (Linux 5.12), which this kernel lacks", m->destination);
	if (errno == EPERM && ctx->userns)
		return hrun_syserr(EPERM, "options: recursive options on `%s` (in a user "
				   "namespace the kernel locks the flags and atime mode the "
				   "host set on its mounts)",
				   m->destination);
	return hrun_syserr(errno, "options: recursive options on `%s`", m->destination);
}

/* After the mount itself: bind remount flags, the recursive options,
 * propagation. */
static int finish_mount(struct hrun_mount_ctx *ctx, const struct hrun_mount *m, bool bind)
{
	const unsigned long remount_mask = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
					   MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
					   MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC |
					   MS_NOSYMFOLLOW;
	bool rec = m->rec_attr_set || m->rec_attr_clr;
	_cleanup_close_ int fd = -1;
	char tpath[FD_PATH_MAX];
	unsigned long prop = propagation_flags(m->propagation);
	int r;

	if (!(bind && (m->flags & remount_mask)) && !rec && !prop)
		return 0;
	fd = reopen_target(ctx, m->destination);
	if (fd < 0)
		return fd;
	util_fd_path(fd, tpath, sizeof(tpath));
	if (bind && (m->flags & remount_mask)) {
		r = bind_remount(tpath, m->flags & remount_mask);
		if (r < 0)
			return hrun_syserr(-r, "remount `%s` with its options", m->destination);
	}
	/* after the mount's own flags: "ro,rrw" leaves the tree writable */
	if (rec) {
		r = apply_recursive_attrs(ctx, fd, m);
		if (r < 0)
			return r;
	}
	if (prop && mount(NULL, tpath, NULL, prop, NULL) < 0)
		return hrun_syserr(errno, "set propagation of `%s`", m->destination);
	return 0;
}

static int mount_bind(struct hrun_mount_ctx *ctx, const struct hrun_mount *m)
{
	_cleanup_close_ int fd = -1;
	char tpath[FD_PATH_MAX];
	struct stat st;

	if (!m->source)
		return hrun_err(EINVAL, "mount `%s`: a bind mount needs a source", m->destination);
	if (stat(m->source, &st) < 0)
		return hrun_syserr(errno, "bind mount source `%s`", m->source);
	fd = open_target(ctx, m->destination, !S_ISDIR(st.st_mode));
	if (fd < 0)
		return fd;
	util_fd_path(fd, tpath, sizeof(tpath));
	if (mount(m->source, tpath, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return hrun_syserr(errno, "bind mount `%s` on `%s`", m->source, m->destination);
	return finish_mount(ctx, m, true);
}

/*
 * In a user namespace, a tree cloned by the runtime would carry the source
 * mount's flags without the kernel's MNT_LOCK_* (see mount_clone_sources),
 * whereas a clone made here, from the copy of the host's mounts the kernel
 * gave this namespace, keeps them locked. So: open the canonical path the
 * runtime resolved, with RESOLVE_NO_SYMLINKS (a symlink swapped in since is
 * refused), check it is the very inode the runtime recorded, and clone it
 * here. Only a source this namespace's root cannot reach (EACCES: a
 * directory only the host's root may search) uses the runtime's tree.
 * Returns the tree, -EACCES for "use the runtime's", or an error.
 */
static int clone_in_userns(const struct hrun_mount *m, const struct hrun_bind_source *b)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	struct stat st;
	int tree;

	fd = (int)syscall(SYS_openat2, AT_FDCWD, b->path, &how, sizeof(how));
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return -EACCES; /* a sentinel ("use the runtime's"): the caller records */
	if (fd < 0)
		return hrun_syserr(errno, "bind source `%s` (resolved by the runtime)", b->path);
	if (fstat(fd, &st) < 0)
		return hrun_syserr(errno, "bind source `%s`", b->path);
	if (st.st_dev != b->dev || st.st_ino != b->ino)
		return hrun_err(EXDEV, "bind source `%s` changed after the runtime resolved it", b->path);
	tree = (int)syscall(SYS_open_tree, fd, "",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
				    ((m->flags & MS_REC) ? AT_RECURSIVE : 0));
	if (tree < 0)
		return hrun_syserr(errno, "clone the bind source `%s`", b->path);
	return tree;
}

/* A config bind mount: attach the tree cloned from the source the runtime
 * resolved (and the policy judged), then apply the options. */
static int mount_bind_tree(struct hrun_mount_ctx *ctx, const struct hrun_mount *m,
			   const struct hrun_bind_source *b)
{
	_cleanup_close_ int fd = -1, own = -1;
	int tree = b->tree;

	/* an idmapped tree is the runtime's: only it could idmap it */
	if (ctx->userns && m->idmap == HRUN_IDMAP_NONE) {
		own = clone_in_userns(m, b);
		if (own < 0 && own != -EACCES)
			return own;
		if (own >= 0)
			tree = own;
	}
	fd = open_target(ctx, m->destination, !b->is_dir);
	if (fd < 0)
		return fd;
	if (syscall(SYS_move_mount, tree, "", fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return hrun_syserr(errno, "attach the bind mount of `%s` on `%s`", b->path,
				   m->destination);
	return finish_mount(ctx, m, true);
}

/* The container's own cgroup: a cgroup2 mount (rooted at the cgroup
 * namespace), or a bind of the cgroup directory when that is refused. */
static int mount_cgroup(struct hrun_mount_ctx *ctx, const struct hrun_mount *m)
{
	_cleanup_close_ int fd = open_target(ctx, m->destination, false);
	char tpath[FD_PATH_MAX];
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC);

	if (fd < 0)
		return fd;
	util_fd_path(fd, tpath, sizeof(tpath));
	if (ctx->spec->linux_cfg.namespaces[HRUN_NS_CGROUP].enabled &&
	    mount("cgroup2", tpath, "cgroup2", flags, NULL) == 0)
		return finish_mount(ctx, m, false);
	if (!ctx->cgroup_path)
		return 0; /* no cgroup2 hierarchy on this host: leave it empty */
	if (mount(ctx->cgroup_path, tpath, NULL, MS_BIND | MS_REC, NULL) < 0)
		return hrun_syserr(errno, "bind the container cgroup on `%s`", m->destination);
	{
		struct hrun_mount bm = *m;

		bm.flags |= MS_BIND;
		return finish_mount(ctx, &bm, true);
	}
}

/* sysfs and mqueue can be refused in a user namespace that does not own the
 * network / ipc namespace: fall back to binding the host's, as runc does. */
static int mount_fs_fallback(struct hrun_mount_ctx *ctx, const struct hrun_mount *m,
			     const char *host_path)
{
	struct hrun_mount bm = *m;

	bm.source = (char *)host_path;
	bm.flags = (m->flags & ~(MS_BIND)) | MS_BIND | MS_REC;
	return mount_bind(ctx, &bm);
}

/* tmpcopyup: the new tmpfs starts with a copy of the directory it covers
 * (SRC, opened before the mount), and takes its mode and owner. */
static int copy_up(struct hrun_mount_ctx *ctx, const struct hrun_mount *m, int src)
{
	_cleanup_close_ int dst = util_open_in_root(ctx->rootfd, m->destination,
						   O_RDONLY | O_DIRECTORY, 0);
	struct stat st;
	int r;

	if (dst < 0)
		return hrun_syserr(-dst, "tmpcopyup: open the new `%s`", m->destination);
	r = util_copy_tree(src, dst, 0);
	if (r < 0)
		return hrun_syserr(-r, "tmpcopyup: copy the content of `%s`", m->destination);
	if (fstat(src, &st) < 0)
		return hrun_syserr(errno, "tmpcopyup: stat `%s`", m->destination);
	if (fchown(dst, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL)
		return hrun_syserr(errno, "tmpcopyup: chown `%s`", m->destination);
	if (fchmod(dst, st.st_mode & 07777) < 0)
		return hrun_syserr(errno, "tmpcopyup: chmod `%s`", m->destination);
	return 0;
}

/* A tmpfs without mode= on a directory that exists keeps that directory's
 * mode (as runc): *ret_data becomes the options with mode= added. */
static int tmpfs_keep_mode(struct hrun_mount_ctx *ctx, const struct hrun_mount *m, char **ret_data)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int n;

	if (m->data && (strncmp(m->data, "mode=", 5) == 0 || strstr(m->data, ",mode=")))
		return 0;
	fd = util_open_in_root(ctx->rootfd, m->destination, O_PATH | O_DIRECTORY, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		hrun_err_clear();
		return 0; /* created by us: tmpfs's own default */
	}
	*ret_data = NULL;
	n = asprintf(ret_data, "%s%smode=%04o", m->data ? m->data : "", m->data ? "," : "",
		     (unsigned)(st.st_mode & 07777));
	return n < 0 ? -ENOMEM : 0;
}

static int mount_one(struct hrun_mount_ctx *ctx, size_t i, const struct hrun_mount *m)
{
	_cleanup_free_ char *kept = NULL;
	_cleanup_close_ int copy_src = -1;
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *labelled = NULL;
	const char *label = ctx->spec->linux_cfg.mount_label;
	char tpath[FD_PATH_MAX];
	const char *type = m->type;
	const char *data;
	int r;

	if (mount_is_bind(m)) {
		/* never the path again: what the runtime resolved, or nothing */
		if (!ctx->binds || i >= ctx->binds->n || ctx->binds->v[i].tree < 0)
			return hrun_err(EINVAL, "bind source not resolved by the runtime");
		return mount_bind_tree(ctx, m, &ctx->binds->v[i]);
	}
	if (!type || !*type || strcmp(type, "none") == 0)
		return hrun_err(EINVAL, "mount `%s`: no type and no bind option", m->destination);
	if (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0)
		return mount_cgroup(ctx, m);
	if (m->tmpcopyup && strcmp(type, "tmpfs") == 0)
		copy_src = util_open_in_root(ctx->rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
	if (strcmp(type, "tmpfs") == 0 && tmpfs_keep_mode(ctx, m, &kept) < 0)
		return hrun_syserr(ENOMEM, "mount `%s`", m->destination);
	fd = open_target(ctx, m->destination, false);
	if (fd < 0)
		return fd;
	util_fd_path(fd, tpath, sizeof(tpath));
	/* linux.mountLabel: context="LABEL" where the filesystem takes one */
	r = lsm_mount_data(kept ? kept : m->data, type, label, &labelled);
	if (r < 0)
		return r;
	data = labelled ? labelled : kept ? kept : m->data;
	/* a tmpfs to copy into is mounted writable, then made read-only */
	if (mount(m->source ? m->source : type, tpath, type,
		  copy_src >= 0 ? m->flags & ~MS_RDONLY : m->flags, data) < 0) {
		int err = errno;

		if (err == EPERM && strcmp(type, "sysfs") == 0)
			return mount_fs_fallback(ctx, m, "/sys");
		if (err == EPERM && strcmp(type, "mqueue") == 0)
			return mount_fs_fallback(ctx, m, "/dev/mqueue");
		return hrun_syserr(err, "mount %s on `%s`%s%s", type, m->destination,
				   data ? " with " : "", data ? data : "");
	}
	if (label && lsm_mount_label_after(type)) {
		_cleanup_close_ int lfd = reopen_target(ctx, m->destination);

		if (lfd < 0)
			return lfd;
		r = lsm_set_file_label(lfd, label, m->destination);
		if (r < 0)
			return r;
	}
	if (copy_src >= 0) {
		r = copy_up(ctx, m, copy_src);
		if (r < 0)
			return r;
	}
	if (copy_src >= 0 && (m->flags & MS_RDONLY)) {
		_cleanup_close_ int nfd = reopen_target(ctx, m->destination);
		char npath[FD_PATH_MAX];

		if (nfd < 0)
			return nfd;
		util_fd_path(nfd, npath, sizeof(npath));
		if (mount(NULL, npath, NULL, MS_REMOUNT | (m->flags & ~(MS_BIND | MS_REC)), data) < 0)
			return hrun_syserr(errno, "remount %s on `%s` read-only", type, m->destination);
	}
	return finish_mount(ctx, m, false);
}

struct default_dev {
	const char *path;
	unsigned major, minor;
};

static const struct default_dev default_devices[] = {
	{"/dev/null", 1, 3},    {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
	{"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

static bool dev_is_tmpfs(const struct hrun_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct hrun_mount *m = &spec->mounts[i];

		if (strcmp(m->destination, "/dev") == 0)
			return !mount_is_bind(m);
	}
	return false;
}

/* Bind the host's device node (user namespaces cannot mknod). */
static int bind_device(struct hrun_mount_ctx *ctx, const char *path)
{
	_cleanup_close_ int fd = -1;
	char tpath[FD_PATH_MAX];
	int r = util_touch_in_root(ctx->rootfd, path);

	if (r < 0)
		return hrun_syserr(-r, "create device `%s`", path);
	fd = util_open_in_root(ctx->rootfd, path, O_PATH, 0);
	if (fd < 0)
		return hrun_syserr(-fd, "open device `%s`", path);
	util_fd_path(fd, tpath, sizeof(tpath));
	if (mount(path, tpath, NULL, MS_BIND, NULL) < 0)
		return hrun_syserr(errno, "bind device `%s`", path);
	/* a host device bound into the container never needs suid or exec
	 * (crun does this in a user namespace; here in every case) */
	/* the fd names the file under the new mount: open the mount itself */
	(void)close(fd);
	fd = util_open_in_root(ctx->rootfd, path, O_PATH, 0);
	if (fd < 0)
		return hrun_syserr(-fd, "open device `%s`", path);
	util_fd_path(fd, tpath, sizeof(tpath));
	r = bind_remount(tpath, MS_NOSUID | MS_NOEXEC);
	if (r < 0)
		return hrun_syserr(-r, "remount device `%s` nosuid,noexec", path);
	return 0;
}

static int make_device(struct hrun_mount_ctx *ctx, const char *path, mode_t type, unsigned major,
		       unsigned minor, mode_t perm, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -1;
	const char *base = strrchr(path, '/') + 1;
	int r;

	if (ctx->userns)
		return bind_device(ctx, path);
	parent = strndup(path, (size_t)(base - path));
	if (!parent)
		return hrun_syserr(ENOMEM, "device `%s`", path);
	r = util_mkdir_in_root(ctx->rootfd, parent, 0755);
	if (r < 0)
		return hrun_syserr(-r, "create directory for device `%s`", path);
	pfd = util_open_in_root(ctx->rootfd, parent, O_PATH | O_DIRECTORY, 0);
	if (pfd < 0)
		return hrun_syserr(-pfd, "open directory for device `%s`", path);
	(void)unlinkat(pfd, base, 0);
	if (mknodat(pfd, base, type | perm, makedev(major, minor)) < 0) {
		if (errno == EPERM)
			return bind_device(ctx, path);
		return hrun_syserr(errno, "mknod `%s`", path);
	}
	if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hrun_syserr(errno, "chown device `%s`", path);
	/* mknod is subject to the umask: set the exact mode */
	if (fchmodat(pfd, base, perm, 0) < 0)
		return hrun_syserr(errno, "chmod device `%s`", path);
	return 0;
}

static int make_symlink(struct hrun_mount_ctx *ctx, const char *target, const char *path)
{
	_cleanup_close_ int dev = util_open_in_root(ctx->rootfd, "/dev", O_PATH | O_DIRECTORY, 0);

	if (dev < 0)
		return hrun_syserr(-dev, "open /dev in the rootfs");
	if (symlinkat(target, dev, path) < 0 && errno != EEXIST)
		return hrun_syserr(errno, "symlink /dev/%s", path);
	return 0;
}

static int setup_dev(struct hrun_mount_ctx *ctx)
{
	const struct hrun_linux *l = &ctx->spec->linux_cfg;
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
		{"pts/ptmx", "ptmx"},
	};
	int r;

	if (dev_is_tmpfs(ctx->spec)) {
		for (size_t i = 0; i < ARRAY_SIZE(default_devices); i++) {
			const struct default_dev *d = &default_devices[i];

			r = make_device(ctx, d->path, S_IFCHR, d->major, d->minor, 0666, 0, 0);
			if (r < 0)
				return r;
		}
		for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
			r = make_symlink(ctx, links[i][0], links[i][1]);
			if (r < 0)
				return r;
		}
	}
	for (size_t i = 0; i < l->n_devices; i++) {
		const struct hrun_device *d = &l->devices[i];
		mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

		r = make_device(ctx, d->path, type, (unsigned)d->major, (unsigned)d->minor,
				d->has_file_mode ? (d->file_mode & 07777) : 0666,
				d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0);
		if (r < 0)
			return hrun_err_prefix(r, "linux.devices[%zu]", i);
	}
	return 0;
}

int mount_config_mounts(struct hrun_mount_ctx *ctx)
{
	const struct hrun_spec *spec = ctx->spec;
	int r;

	for (size_t i = 0; i < spec->n_mounts; i++) {
		r = mount_one(ctx, i, &spec->mounts[i]);
		if (r < 0)
			return hrun_err_prefix(r, "mounts[%zu]", i);
	}
	r = setup_dev(ctx);
	if (r < 0)
		return r;
	if (spec->has_process && spec->process.cwd) {
		r = util_mkdir_in_root(ctx->rootfd, spec->process.cwd, 0755);
		if (r < 0 && r != -EROFS && r != -EEXIST)
			return hrun_syserr(-r, "process.cwd `%s`", spec->process.cwd);
	}
	return 0;
}

int mount_console(struct hrun_mount_ctx *ctx, const char *slave_path)
{
	_cleanup_close_ int fd = -1;
	char tpath[FD_PATH_MAX];
	int r = util_touch_in_root(ctx->rootfd, "/dev/console");

	if (r < 0)
		return hrun_syserr(-r, "create /dev/console");
	fd = util_open_in_root(ctx->rootfd, "/dev/console", O_PATH, 0);
	if (fd < 0)
		return hrun_syserr(-fd, "open /dev/console");
	util_fd_path(fd, tpath, sizeof(tpath));
	if (mount(slave_path, tpath, NULL, MS_BIND, NULL) < 0)
		return hrun_syserr(errno, "bind the terminal on /dev/console");
	return 0;
}

/* pivot_root(".", ".") from inside the new root: the old root ends up
 * stacked on top of the new one at "/"; detach it without a put_old
 * directory. The rslave (so the unmount cannot reach the host) is applied
 * to the OLD root through an fd opened before: "." after pivot_root is not
 * guaranteed to name it, and a recursive rslave of the new root would
 * undo the propagation the config asked for its mounts (rshared binds). */
static int pivot_detach_old_root(void)
{
	_cleanup_close_ int old_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (old_root < 0)
		return hrun_syserr(errno, "open the old root");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return hrun_syserr(errno, "pivot_root");
	if (fchdir(old_root) < 0)
		return hrun_syserr(errno, "chdir to the old root");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return hrun_syserr(errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return hrun_syserr(errno, "detach the old root");
	return 0;
}

int mount_pivot(struct hrun_mount_ctx *ctx, bool no_pivot)
{
	if (fchdir(ctx->rootfd) < 0)
		return hrun_syserr(errno, "chdir to the rootfs");
	if (no_pivot) {
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return hrun_syserr(errno, "move the rootfs to /");
		if (chroot(".") < 0)
			return hrun_syserr(errno, "chroot");
	} else {
		int r = pivot_detach_old_root();

		if (r < 0)
			return r;
	}
	if (chdir("/") < 0)
		return hrun_syserr(errno, "chdir /");
	/* rootfd now names "/" of the container; keep it for RESOLVE_IN_ROOT */
	(void)close(ctx->rootfd);
	ctx->rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->rootfd < 0)
		return hrun_syserr(errno, "open the new root");
	return 0;
}

static int mask_path(struct hrun_mount_ctx *ctx, const char *path)
{
	_cleanup_close_ int fd = util_open_in_root(ctx->rootfd, path, O_PATH | O_NOFOLLOW, 0);
	char tpath[FD_PATH_MAX], npath[FD_PATH_MAX];
	struct stat st;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return hrun_syserr(-fd, "linux.maskedPaths: `%s`", path);
	if (fstat(fd, &st) < 0)
		return hrun_syserr(errno, "linux.maskedPaths: `%s`", path);
	util_fd_path(fd, tpath, sizeof(tpath));
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", tpath, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			return hrun_syserr(errno, "linux.maskedPaths: mask `%s`", path);
		return 0;
	}
	if (ctx->devnull < 0) {
		struct stat nst;

		/* the container's own /dev/null: the host's is not reachable
		 * from the detached old root */
		ctx->devnull = util_open_in_root(ctx->rootfd, "/dev/null", O_PATH, 0);
		if (ctx->devnull < 0)
			return hrun_syserr(-ctx->devnull, "linux.maskedPaths: open /dev/null");
		if (fstat(ctx->devnull, &nst) < 0 || !S_ISCHR(nst.st_mode) ||
		    nst.st_rdev != makedev(1, 3))
			return hrun_err(EINVAL, "linux.maskedPaths: /dev/null is not the null device");
	}
	util_fd_path(ctx->devnull, npath, sizeof(npath));
	if (mount(npath, tpath, NULL, MS_BIND, NULL) < 0)
		return hrun_syserr(errno, "linux.maskedPaths: mask `%s`", path);
	return 0;
}

static int readonly_path(struct hrun_mount_ctx *ctx, const char *path)
{
	_cleanup_close_ int fd = util_open_in_root(ctx->rootfd, path, O_PATH | O_NOFOLLOW, 0);
	_cleanup_close_ int fd2 = -1;
	char tpath[FD_PATH_MAX];
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return hrun_syserr(-fd, "linux.readonlyPaths: `%s`", path);
	util_fd_path(fd, tpath, sizeof(tpath));
	if (mount(tpath, tpath, NULL, MS_BIND | MS_REC, NULL) < 0)
		return hrun_syserr(errno, "linux.readonlyPaths: bind `%s`", path);
	fd2 = util_open_in_root(ctx->rootfd, path, O_PATH | O_NOFOLLOW, 0);
	if (fd2 < 0)
		return hrun_syserr(-fd2, "linux.readonlyPaths: `%s`", path);
	util_fd_path(fd2, tpath, sizeof(tpath));
	r = bind_remount(tpath, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (r < 0)
		return hrun_syserr(-r, "linux.readonlyPaths: remount `%s` read-only", path);
	return 0;
}

int mount_finalize(struct hrun_mount_ctx *ctx)
{
	const struct hrun_linux *l = &ctx->spec->linux_cfg;
	unsigned long prop = propagation_flags(l->rootfs_propagation);
	int r;

	for (char **p = l->masked_paths; p && *p; p++) {
		r = mask_path(ctx, *p);
		if (r < 0)
			return r;
	}
	for (char **p = l->readonly_paths; p && *p; p++) {
		r = readonly_path(ctx, *p);
		if (r < 0)
			return r;
	}
	if (ctx->spec->root_readonly) {
		r = bind_remount("/", MS_RDONLY);
		if (r < 0)
			return hrun_syserr(-r, "root.readonly: remount / read-only");
	}
	if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
		return hrun_syserr(errno, "linux.rootfsPropagation");
	return 0;
}

void mount_ctx_clear(struct hrun_mount_ctx *ctx)
{
	if (ctx->rootfd >= 0)
		(void)close(ctx->rootfd);
	if (ctx->devnull >= 0)
		(void)close(ctx->devnull);
	ctx->rootfd = ctx->devnull = -1;
}
