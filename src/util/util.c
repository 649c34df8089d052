/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"

/* Read FD to EOF, at most MAX bytes: one byte past the limit is read to
 * tell a file that is exactly MAX bytes from one that is larger (procfs and
 * pipes report no size, and a file may grow while it is read). */
int util_read_fd(int fd, const char *name, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = max < 4096 ? max + 1 : 4096;

	buf = malloc(cap + 1);
	if (!buf)
		return hrun_syserr(ENOMEM, "read `%s`", name);
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap > max)
				return hrun_err(EFBIG, "`%s`: larger than the limit of %zu bytes", name, max);
			cap = cap * 2 > max ? max + 1 : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				return hrun_syserr(ENOMEM, "read `%s`", name);
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrun_syserr(errno, "read `%s`", name);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max)
		return hrun_err(EFBIG, "`%s`: larger than the limit of %zu bytes", name, max);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_buf = TAKE_PTR(buf);
	return 0;
}

int util_read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	/* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
	 * below); on a regular file the flag changes nothing */
	fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hrun_syserr(errno, "open `%s`", path);
	if (fstat(fd, &st) < 0)
		return hrun_syserr(errno, "stat `%s`", path);
	if (!S_ISREG(st.st_mode))
		return hrun_err(EINVAL, "`%s`: not a regular file", path);
	return util_read_fd(fd, path, max, ret_buf, ret_len);
}

int util_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len)
{
	return util_read_file_at(AT_FDCWD, path, max, ret_buf, ret_len);
}

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t util_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int util_write_file_at(int dirfd, const char *path, const char *buf, size_t len)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hrun_syserr(errno, "open `%s`", path);
	r = util_write_all(fd, buf, len);
	if (r < 0)
		return hrun_syserr(-r, "write `%s`", path);
	return 0;
}

int util_write_file(const char *path, const char *buf, size_t len)
{
	return util_write_file_at(AT_FDCWD, path, buf, len);
}

int util_write_file_atomic(const char *path, const char *buf, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	_cleanup_close_ int fd = -1;
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return hrun_err(ENAMETOOLONG, "`%s`: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return hrun_syserr(errno, "create `%s`", tmp);
	r = util_write_all(fd, buf, len);
	if (r < 0) {
		(void)unlink(tmp);
		return hrun_syserr(-r, "write `%s`", tmp);
	}
	if (rename(tmp, path) < 0) {
		r = errno;
		(void)unlink(tmp);
		return hrun_syserr(r, "rename `%s`", tmp);
	}
	return 0;
}

/* Walk PATH one component at a time below rootfd, refusing symlinks and
 * "..": the fallback for kernels without openat2 (< 5.6). */
static int open_in_root_walk(int rootfd, const char *path, int flags, mode_t mode)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int cur = -1;
	char *save = NULL, *comp, *next;

	if (!copy)
		return -ENOMEM; /* the caller records */
	cur = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return -errno;
	comp = strtok_r(copy, "/", &save);
	while (comp) {
		int fd;

		next = strtok_r(NULL, "/", &save);
		if (strcmp(comp, "..") == 0)
			return -EXDEV; /* the caller records */
		if (strcmp(comp, ".") == 0) {
			comp = next;
			continue;
		}
		if (next)
			fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		else
			fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0)
			return -errno;
		(void)close(cur);
		cur = fd;
		comp = next;
	}
	return TAKE_FD(cur);
}

int util_open_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS)
		return -errno;
	return open_in_root_walk(rootfd, path, flags, mode);
}

/* Split PATH into its parent and last component; "" parent means root. */
static int split_last(const char *path, char **ret_parent, const char **ret_base)
{
	char *parent = strdup(path);
	char *slash;

	if (!parent)
		return -ENOMEM; /* the caller records */
	/* strip trailing slashes */
	for (size_t l = strlen(parent); l > 1 && parent[l - 1] == '/'; l--)
		parent[l - 1] = '\0';
	slash = strrchr(parent, '/');
	if (!slash) {
		*ret_base = path;
		parent[0] = '\0';
	} else {
		*ret_base = path + (slash - parent) + 1;
		*slash = '\0';
	}
	*ret_parent = parent;
	return 0;
}

int util_mkdir_in_root(int rootfd, const char *path, mode_t mode)
{
	_cleanup_free_ char *copy = strdup(path);
	size_t len;

	if (!copy)
		return -ENOMEM; /* the caller records */
	len = strlen(copy);
	for (size_t i = 1; i <= len; i++) {
		_cleanup_close_ int parent = -1;
		const char *base;
		char *slash;
		char saved;

		if (copy[i] != '/' && copy[i] != '\0')
			continue;
		saved = copy[i];
		copy[i] = '\0';
		slash = strrchr(copy, '/');
		base = slash ? slash + 1 : copy;
		if (*base && strcmp(base, ".") && strcmp(base, "..")) {
			if (slash && slash != copy) {
				*slash = '\0';
				parent = util_open_in_root(rootfd, copy, O_PATH | O_DIRECTORY, 0);
				*slash = '/';
			} else {
				parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
				if (parent < 0)
					parent = -errno;
			}
			if (parent < 0)
				return parent;
			if (mkdirat(parent, base, mode) < 0 && errno != EEXIST)
				return -errno;
		}
		copy[i] = saved;
	}
	/* the result must be a directory reachable inside the root */
	{
		int fd = util_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);

		if (fd < 0)
			return fd;
		(void)close(fd);
	}
	return 0;
}

int util_touch_in_root(int rootfd, const char *path)
{
	_cleanup_free_ char *parent = NULL;
	_cleanup_close_ int pfd = -1;
	const char *base;
	int fd, r;

	r = split_last(path, &parent, &base);
	if (r < 0)
		return r;
	if (*parent) {
		r = util_mkdir_in_root(rootfd, parent, 0755);
		if (r < 0)
			return r;
		pfd = util_open_in_root(rootfd, parent, O_PATH | O_DIRECTORY, 0);
	} else {
		pfd = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (pfd < 0)
			pfd = -errno;
	}
	if (pfd < 0)
		return pfd;
	fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	(void)close(fd);
	return 0;
}

const char *util_fd_path(int fd, char *buf, size_t size)
{
	(void)snprintf(buf, size, "/proc/self/fd/%d", fd);
	return buf;
}

int util_parse_long(const char *s, long *ret)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL; /* the caller records */
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -EINVAL; /* the caller records */
	*ret = v;
	return 0;
}

void util_rfc3339_now(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char tmp[32];

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	(void)snprintf(buf, size, "%s.%09ldZ", tmp, ts.tv_nsec);
}

int util_proc_start_time(pid_t pid, unsigned long long *ret)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	(void)snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = util_read_all(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	/* comm may contain spaces and ')': skip to the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL; /* the caller records */
	/* after ") " come fields 3..; starttime is field 22 */
	for (int field = 2; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL; /* the caller records */
	}
	*ret = strtoull(p + 1, NULL, 10);
	return 0;
}

int util_cloexec_from(int from)
{
	if (syscall(SYS_close_range, (unsigned)from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* close_range < 5.11: walk /proc/self/fd */
	for (int fd = from; fd < 65536; fd++) {
		int fl = fcntl(fd, F_GETFD);

		if (fl >= 0 && !(fl & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	}
	return 0;
}

static int close_range_or_loop(unsigned lo, unsigned hi)
{
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return hrun_syserr(errno, "close_range(%u, %u)", lo, hi);
	/* close_range < 5.9: close them one by one up to the fd limit */
	for (long fd = lo, max = sysconf(_SC_OPEN_MAX); fd <= (long)hi && fd < max; fd++)
		(void)close((int)fd);
	return 0;
}

int util_close_fds_from(int from, const int *keep, size_t n_keep)
{
	unsigned lo = (unsigned)from;

	/* KEEP is tiny (a few channels): pick the next kept fd each round */
	for (;;) {
		long next = -1;
		int r;

		for (size_t i = 0; i < n_keep; i++)
			if (keep[i] >= 0 && (unsigned)keep[i] >= lo && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			return close_range_or_loop(lo, ~0U);
		if ((unsigned)next > lo) {
			r = close_range_or_loop(lo, (unsigned)next - 1);
			if (r < 0)
				return r;
		}
		lo = (unsigned)next + 1;
	}
}

size_t strv_length(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
	_cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		     st->st_mode & 07777);
	if (out < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		r = util_write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Copy one entry of SRC_DIR into DST_DIR, keeping type, mode and owner. */
static int copy_entry(int src_dir, int dst_dir, const char *name, int depth)
{
	struct stat st;
	int r = 0;

	if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;

		if (mkdirat(dst_dir, name, st.st_mode & 07777) < 0)
			return -errno;
		s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return -errno;
		r = util_copy_tree(s, d, depth + 1);
	} else if (S_ISREG(st.st_mode)) {
		r = copy_file(src_dir, dst_dir, name, &st);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(src_dir, name, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dst_dir, name) < 0)
			return -errno;
	} else if (mknodat(dst_dir, name, st.st_mode, st.st_rdev) < 0) {
		return errno == EPERM ? 0 : -errno; /* devices: not in a user namespace */
	}
	if (r < 0)
		return r;
	/* owner first: chown clears set-id bits, the mode restores them */
	if (fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EPERM && errno != EINVAL)
		return -errno;
	if (!S_ISLNK(st.st_mode) && fchmodat(dst_dir, name, st.st_mode & 07777, 0) < 0)
		return -errno;
	return 0;
}

int util_copy_tree(int src_dir, int dst_dir, int depth)
{
	DIR *d;
	struct dirent *de;
	int fd, r = 0;

	if (depth > 64)
		return -ELOOP; /* the caller records */
	fd = openat(src_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = copy_entry(src_dir, dst_dir, de->d_name, depth);
	}
	if (r == 0 && errno)
		r = -errno;
	(void)closedir(d);
	return r;
}

void util_scrub_control(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}
