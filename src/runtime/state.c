/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/spec.h"
#include "hrun/util.h"

#define STATE_FILE "state.json"

const char *state_default_root(void)
{
	static char buf[PATH_MAX];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() != 0 && xdg && *xdg) {
		(void)snprintf(buf, sizeof(buf), "%s/hrun", xdg);
		return buf;
	}
	return "/run/hrun";
}

int state_validate_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0)
		return hrun_err(EINVAL, "container id must not be empty");
	if (len > 1024)
		return hrun_err(EINVAL, "container id is too long (max 1024)");
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return hrun_err(EINVAL, "invalid container id `%s`", id);
	for (const char *p = id; *p; p++) {
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9') && !strchr("_.+-", *p))
			return hrun_err(EINVAL,
					"invalid container id `%s`: only [A-Za-z0-9_.+-] allowed", id);
	}
	return 0;
}

int state_ensure_root(const char *root)
{
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		/* create missing parents (e.g. $XDG_RUNTIME_DIR/hrun) */
		_cleanup_free_ char *copy = strdup(root);

		if (!copy)
			return hrun_err(ENOMEM, "state root `%s`: out of memory", root);
		for (char *p = copy + 1; *p; p++) {
			if (*p != '/')
				continue;
			*p = '\0';
			if (mkdir(copy, 0755) < 0 && errno != EEXIST)
				return hrun_syserr(errno, "create state root `%s`", copy);
			*p = '/';
		}
		if (mkdir(root, 0700) < 0 && errno != EEXIST)
			return hrun_syserr(errno, "create state root `%s`", root);
	}
	return 0;
}

static int lock_dir(int fd, bool exclusive)
{
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		if (errno != EINTR)
			return hrun_syserr(errno, "lock container state");
	}
	return 0;
}

void state_unlock(int dirfd)
{
	if (dirfd >= 0)
		(void)flock(dirfd, LOCK_UN);
}

/* rmdir leaves a directory inode with no links: a deleted container. */
static bool dir_deleted(int dirfd)
{
	struct stat s;

	return fstat(dirfd, &s) < 0 || s.st_nlink == 0;
}

/* The id is taken: say by whom, and what to do when nobody is behind it. */
static int create_exists(int rootfd, const char *id)
{
	struct hrun_state st;
	_cleanup_close_ int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	bool stale = false;

	if (fd >= 0 && lock_dir(fd, false) == 0 && state_read(fd, &st) == 0) {
		stale = st.status == HRUN_STATUS_CREATING && !state_creator_alive(&st);
		state_clear(&st);
	}
	if (stale)
		return hrun_err(EEXIST,
				"container `%s` already exists: an interrupted create left it "
				"(`hrun delete --force %s` removes it)", id, id);
	return hrun_err(EEXIST, "container `%s` already exists", id);
}

int state_create(const char *root, const char *id, const struct hrun_state *st, int *ret_dirfd)
{
	_cleanup_close_ int rootfd = -1, fd = -1;
	int r;

	r = state_validate_id(id);
	if (r < 0)
		return r;
	r = state_ensure_root(root);
	if (r < 0)
		return r;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hrun_syserr(errno, "open state root `%s`", root);
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return create_exists(rootfd, id);
		return hrun_syserr(errno, "create state directory for `%s`", id);
	}
	/* from here a reader sees the id as "creating", even before the
	 * state file exists (state_read) */
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = hrun_syserr(errno, "open state directory for `%s`", id);
		(void)unlinkat(rootfd, id, AT_REMOVEDIR);
		return r;
	}
	r = state_update(fd, st);
	if (r < 0) {
		(void)unlinkat(fd, STATE_FILE, 0);
		(void)unlinkat(rootfd, id, AT_REMOVEDIR);
		return r;
	}
	*ret_dirfd = TAKE_FD(fd);
	return 0;
}

int state_open(const char *root, const char *id, bool exclusive, int *ret_dirfd)
{
	char path[PATH_MAX];
	int fd, r;

	r = state_validate_id(id);
	if (r < 0)
		return r;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, id) >= sizeof(path))
		return hrun_err(ENAMETOOLONG, "state path too long");
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return hrun_err(ENOENT, "container `%s` does not exist", id);
		return hrun_syserr(errno, "open state of container `%s`", id);
	}
	r = lock_dir(fd, exclusive);
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	/* a concurrent delete may have removed it while we waited */
	if (dir_deleted(fd)) {
		(void)close(fd);
		return hrun_err(ENOENT, "container `%s` does not exist", id);
	}
	*ret_dirfd = fd;
	return 0;
}

int state_remove(const char *root, const char *id, int dirfd)
{
	static const char *const files[] = {STATE_FILE, STATE_FILE ".tmp", HRUN_STATE_FIFO,
					    HRUN_STATE_CONFIG};
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat a, b;

	if (rootfd < 0)
		return hrun_syserr(errno, "open state root `%s`", root);
	/* only our own directory: after a `delete --force` from elsewhere the
	 * id may already name a new container */
	if (fstat(dirfd, &a) < 0 || fstatat(rootfd, id, &b, AT_SYMLINK_NOFOLLOW) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		(void)unlinkat(dirfd, files[i], 0);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hrun_syserr(errno, "remove state directory `%s/%s`", root, id);
	return 0;
}

/* Move STATE_FILE.tmp over STATE_FILE, atomically. RENAME_EXCHANGE, then
 * unlink of the old state under the temporary name, rather than a rename
 * over it: ext4 (auto_da_alloc) starts writing back a file renamed over
 * another, an fsync's cost without its guarantee (0.10 ms against 0.02 ms
 * per write here). STATE_FILE is there all along; a crash between the two
 * steps leaves only a stale .tmp (state_remove removes it). The first
 * write, with no STATE_FILE yet, and filesystems without the exchange
 * take the plain rename. */
static int state_replace(int dirfd)
{
	if (renameat2(dirfd, STATE_FILE ".tmp", dirfd, STATE_FILE, RENAME_EXCHANGE) == 0) {
		if (unlinkat(dirfd, STATE_FILE ".tmp", 0) < 0 && errno != ENOENT)
			return hrun_syserr(errno, "write state: remove the old state");
		return 0;
	}
	if (errno != ENOENT && errno != EINVAL && errno != ENOSYS)
		return hrun_syserr(errno, "write state");
	if (renameat(dirfd, STATE_FILE ".tmp", dirfd, STATE_FILE) < 0)
		return hrun_syserr(errno, "write state");
	return 0;
}

int state_write(int dirfd, const struct hrun_state *st)
{
	json_t *o = json_object();
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!o)
		return hrun_err(ENOMEM, "encode state");
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "status", json_string(state_status_name(st->status)));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "start_time", json_integer((json_int_t)st->start_time));
	json_object_set_new(o, "pidns", json_integer((json_int_t)st->pidns_ino));
	json_object_set_new(o, "creator_pid", json_integer(st->creator_pid));
	json_object_set_new(o, "creator_start", json_integer((json_int_t)st->creator_start));
	json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
	if (st->cgroup_path)
		json_object_set_new(o, "cgroup_path", json_string(st->cgroup_path));
	json_object_set(o, "annotations", st->annotations ? st->annotations : json_object());
	json_object_set_new(o, "detached", json_boolean(st->detached));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return hrun_err(ENOMEM, "encode state");
	fd = openat(dirfd, STATE_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return hrun_syserr(errno, "write state");
	r = util_write_all(fd, text, strlen(text));
	if (r < 0)
		return hrun_syserr(-r, "write state");
	/* The rename is atomic: a crashed hrun leaves the old or the new
	 * state, never a torn one. No fsync (runc and crun do none either;
	 * they cost ~0.6 ms each on ext4, five per `run`): the state
	 * describes processes and cgroups that a power loss ends anyway, and
	 * what a power loss can leave of an unsynced file, an empty one, is
	 * read as an interrupted create (state_read) that `delete --force`
	 * removes. */
	return state_replace(dirfd);
}

int state_lock(int dirfd)
{
	int r = lock_dir(dirfd, true);

	if (r < 0)
		return r;
	if (dir_deleted(dirfd)) {
		state_unlock(dirfd);
		return hrun_err(ENOENT, "the container was deleted meanwhile");
	}
	return 0;
}

int state_update(int dirfd, const struct hrun_state *st)
{
	int r = state_lock(dirfd);

	if (r < 0)
		return r;
	r = state_write(dirfd, st);
	state_unlock(dirfd);
	return r;
}

int state_save_config(int dirfd, const char *text, size_t len)
{
	_cleanup_close_ int fd = openat(dirfd, HRUN_STATE_CONFIG,
					O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int r;

	if (fd < 0)
		return hrun_syserr(errno, "save the config snapshot");
	r = util_write_all(fd, text, len);
	if (r < 0)
		return hrun_syserr(-r, "save the config snapshot");
	return 0;
}

int state_load_spec(int dirfd, struct hrun_spec **ret_spec)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	/* our own file in a root-owned 0700 directory; same cap as the bundle */
	int r = util_read_file_at(dirfd, HRUN_STATE_CONFIG, 16u << 20, &text, &len);

	if (r < 0)
		return r;
	return spec_parse("config snapshot", text, len, ret_spec);
}

static enum hrun_status parse_status(const char *s)
{
	for (enum hrun_status i = HRUN_STATUS_CREATING; i <= HRUN_STATUS_PAUSED; i++)
		if (s && strcmp(s, state_status_name(i)) == 0)
			return i;
	return HRUN_STATUS_CREATED; /* before "status" was recorded */
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
}

/* The directory name is the id: all we know of a create killed between
 * its mkdir and its first state write. */
static int read_placeholder(int dirfd, struct hrun_state *ret)
{
	char link[64], buf[PATH_MAX];
	ssize_t n = readlink(util_fd_path(dirfd, link, sizeof(link)), buf, sizeof(buf) - 1);
	const char *slash;

	buf[n > 0 ? n : 0] = '\0';
	slash = strrchr(buf, '/');
	ret->status = HRUN_STATUS_CREATING;
	ret->id = strdup(slash ? slash + 1 : "");
	ret->bundle = strdup("");
	if (!ret->id || !ret->bundle) {
		state_clear(ret);
		return hrun_err(ENOMEM, "read state");
	}
	return 0;
}

int state_parse(const char *text, size_t len, struct hrun_state *ret)
{
	json_error_t jerr;
	json_t *o, *pid, *ann;

	memset(ret, 0, sizeof(*ret));
	o = json_loadb(text, len, 0, &jerr);
	if (!o) {
		util_scrub_control(jerr.text);
		return hrun_err(EINVAL, "corrupt state file: %s", jerr.text);
	}
	/* a pid of -1 or a process group would make kill(2) hit other processes */
	pid = json_object_get(o, "pid");
	ann = json_object_get(o, "annotations");
	if ((pid && (!json_is_integer(pid) || json_integer_value(pid) < 0 ||
		     json_integer_value(pid) > INT_MAX)) ||
	    (ann && !json_is_object(ann))) {
		json_decref(o);
		return hrun_err(EINVAL, "corrupt state file: bad pid or annotations");
	}
	ret->id = dup_str(o, "id");
	ret->status = parse_status(json_string_value(json_object_get(o, "status")));
	ret->pid = (pid_t)json_integer_value(pid);
	ret->start_time = (unsigned long long)json_integer_value(json_object_get(o, "start_time"));
	ret->pidns_ino = (unsigned long long)json_integer_value(json_object_get(o, "pidns"));
	ret->creator_pid = (pid_t)json_integer_value(json_object_get(o, "creator_pid"));
	ret->creator_start =
		(unsigned long long)json_integer_value(json_object_get(o, "creator_start"));
	ret->bundle = dup_str(o, "bundle");
	ret->rootfs = dup_str(o, "rootfs");
	ret->created = dup_str(o, "created");
	ret->owner = dup_str(o, "owner");
	ret->cgroup_path = dup_str(o, "cgroup_path");
	ret->annotations = json_incref(ann);
	ret->detached = json_is_true(json_object_get(o, "detached"));
	json_decref(o);
	if (!ret->id || !ret->bundle) {
		state_clear(ret);
		return hrun_err(EINVAL, "corrupt state file: missing id or bundle");
	}
	return 0;
}

int state_read(int dirfd, struct hrun_state *ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (faccessat(dirfd, STATE_FILE, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
	    !dir_deleted(dirfd))
		return read_placeholder(dirfd, ret);
	r = util_read_file_at(dirfd, STATE_FILE, 1 << 20, &text, &len);
	if (r < 0)
		return r;
	/* empty: written but never flushed when the machine went down (no
	 * fsync, see state_write): nothing of it survived but the id */
	if (len == 0)
		return read_placeholder(dirfd, ret);
	return state_parse(text, len, ret);
}

void state_clear(struct hrun_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	free(st->cgroup_path);
	json_decref(st->annotations);
	memset(st, 0, sizeof(*st));
}

static int pidns_inode(pid_t pid, unsigned long long *ret)
{
	char path[64];
	struct stat s;

	(void)snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	if (stat(path, &s) < 0)
		return -errno;
	*ret = (unsigned long long)s.st_ino;
	return 0;
}

int state_record_identity(struct hrun_state *st)
{
	int r = util_proc_start_time(st->pid, &st->start_time);

	if (r == 0)
		r = pidns_inode(st->pid, &st->pidns_ino);
	if (r < 0)
		return hrun_syserr(-r, "read the identity of pid %d", st->pid);
	return 0;
}

/* Is PID in cgroup PATH (or below)? Unknown (no cgroup2 line) counts as
 * yes: the start time and the pid namespace still have to match. */
static bool in_cgroup(pid_t pid, const char *path)
{
	_cleanup_free_ char *text = NULL;
	char file[64], full[PATH_MAX];
	const char *root = cgroup_root(), *line;
	size_t n;

	if (!path || !root)
		return true;
	(void)snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	if (util_read_file(file, 1 << 16, &text, NULL) < 0) {
		hrun_err_clear();
		return false;
	}
	line = strncmp(text, "0::", 3) == 0 ? text : strstr(text, "\n0::");
	if (!line)
		return true;
	line += line == text ? 3 : 4;
	n = strcspn(line, "\n");
	if ((size_t)snprintf(full, sizeof(full), "%s%.*s", root, (int)n, line) >= sizeof(full))
		return false;
	n = strlen(path);
	return strncmp(full, path, n) == 0 && (full[n] == '\0' || full[n] == '/');
}

/* A pidfd turns readable when its process exits (zombie or reaped). */
static bool pidfd_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	return poll(&p, 1, 0) != 0;
}

/* Open a pidfd for PID first, then check who it is: while the pidfd shows
 * the process has not exited, /proc/PID is that same process. */
static int open_checked(pid_t pid, unsigned long long start, unsigned long long pidns,
			const char *cgroup, int *ret_pidfd)
{
	unsigned long long t, ns;
	int fd;

	if (pid <= 0 || start == 0)
		return -ESRCH; /* the caller records */
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -ESRCH; /* the caller records */
	if (util_proc_start_time(pid, &t) < 0 || t != start ||
	    (pidns && (pidns_inode(pid, &ns) < 0 || ns != pidns)) || !in_cgroup(pid, cgroup) ||
	    pidfd_exited(fd)) {
		(void)close(fd);
		return -ESRCH; /* the caller records */
	}
	*ret_pidfd = fd;
	return 0;
}

int state_open_init(const struct hrun_state *st, int *ret_pidfd)
{
	return open_checked(st->pid, st->start_time, st->pidns_ino, st->cgroup_path, ret_pidfd);
}

bool state_init_alive(const struct hrun_state *st)
{
	int fd;

	if (state_open_init(st, &fd) < 0)
		return false;
	(void)close(fd);
	return true;
}

int state_open_creator(const struct hrun_state *st, int *ret_pidfd)
{
	return open_checked(st->creator_pid, st->creator_start, 0, NULL, ret_pidfd);
}

bool state_creator_alive(const struct hrun_state *st)
{
	int fd;

	if (state_open_creator(st, &fd) < 0)
		return false;
	(void)close(fd);
	return true;
}

enum hrun_status state_status(int dirfd, const struct hrun_state *st)
{
	/* until create finished (or if it was killed): delete --force */
	if (st->status == HRUN_STATUS_CREATING)
		return HRUN_STATUS_CREATING;
	if (!state_init_alive(st))
		return HRUN_STATUS_STOPPED;
	if (faccessat(dirfd, HRUN_STATE_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return HRUN_STATUS_CREATED;
	if (st->cgroup_path && cgroup_is_frozen(st->cgroup_path) == 1)
		return HRUN_STATUS_PAUSED;
	return HRUN_STATUS_RUNNING;
}

const char *state_status_name(enum hrun_status s)
{
	switch (s) {
	case HRUN_STATUS_CREATING:
		return "creating";
	case HRUN_STATUS_CREATED:
		return "created";
	case HRUN_STATUS_RUNNING:
		return "running";
	case HRUN_STATUS_STOPPED:
		return "stopped";
	case HRUN_STATUS_PAUSED:
		return "paused";
	}
	return "unknown";
}

json_t *state_to_json(const struct hrun_state *st, enum hrun_status status)
{
	json_t *o = json_object();

	json_object_set_new(o, "ociVersion", json_string(HRUN_OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "status", json_string(state_status_name(status)));
	json_object_set_new(o, "pid", json_integer(status == HRUN_STATUS_STOPPED ? 0 : st->pid));
	json_object_set_new(o, "bundle", json_string(st->bundle));
	json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
	if (st->annotations && json_object_size(st->annotations) > 0)
		json_object_set(o, "annotations", st->annotations);
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_list(const char *root, char ***ret_ids)
{
	DIR *d = opendir(root);
	char **ids = NULL;
	size_t n = 0;
	struct dirent *de;

	if (!d) {
		if (errno != ENOENT)
			return hrun_syserr(errno, "open state root `%s`", root);
		*ret_ids = calloc(1, sizeof(char *));
		return *ret_ids ? 0 : hrun_err(ENOMEM, "list `%s`: out of memory", root);
	}
	while ((de = readdir(d))) {
		char **nids;

		if (de->d_name[0] == '.' || de->d_name[0] == '@' || de->d_type != DT_DIR)
			continue;
		nids = realloc(ids, (n + 2) * sizeof(char *));
		if (!nids)
			break;
		ids = nids;
		ids[n] = strdup(de->d_name);
		if (ids[n])
			n++;
		ids[n] = NULL;
	}
	(void)closedir(d);
	if (!ids)
		ids = calloc(1, sizeof(char *));
	if (!ids)
		return hrun_err(ENOMEM, "list `%s`: out of memory", root);
	qsort(ids, n, sizeof(char *), cmp_str);
	*ret_ids = ids;
	return 0;
}
