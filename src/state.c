/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

static int ensure_root(const char *root)
{
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		/* create missing parents (e.g. $XDG_RUNTIME_DIR/hrun) */
		_cleanup_free_ char *copy = strdup(root);

		if (!copy)
			return -ENOMEM;
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

int state_create(const char *root, const char *id, int *ret_dirfd)
{
	_cleanup_close_ int rootfd = -1;
	int fd, r;

	r = state_validate_id(id);
	if (r < 0)
		return r;
	r = ensure_root(root);
	if (r < 0)
		return r;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hrun_syserr(errno, "open state root `%s`", root);
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST)
			return hrun_err(EEXIST, "container `%s` already exists", id);
		return hrun_syserr(errno, "create state directory for `%s`", id);
	}
	fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = hrun_syserr(errno, "open state directory for `%s`", id);
		(void)unlinkat(rootfd, id, AT_REMOVEDIR);
		return r;
	}
	r = lock_dir(fd, true);
	if (r < 0) {
		(void)close(fd);
		(void)unlinkat(rootfd, id, AT_REMOVEDIR);
		return r;
	}
	*ret_dirfd = fd;
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
	if (faccessat(fd, STATE_FILE, F_OK, 0) < 0) {
		(void)close(fd);
		return hrun_err(ENOENT, "container `%s` does not exist", id);
	}
	*ret_dirfd = fd;
	return 0;
}

int state_remove(const char *root, const char *id, int dirfd)
{
	char path[PATH_MAX];

	(void)unlinkat(dirfd, STATE_FILE, 0);
	(void)unlinkat(dirfd, STATE_FILE ".tmp", 0);
	(void)unlinkat(dirfd, HRUN_STATE_FIFO, 0);
	(void)snprintf(path, sizeof(path), "%s/%s", root, id);
	if (rmdir(path) < 0 && errno != ENOENT)
		return hrun_syserr(errno, "remove state directory `%s`", path);
	return 0;
}

int state_write(int dirfd, const struct hrun_state *st)
{
	json_t *o = json_object();
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!o)
		return -ENOMEM;
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "start_time", json_integer((json_int_t)st->start_time));
	json_object_set_new(o, "bundle", json_string(st->bundle));
	json_object_set_new(o, "rootfs", json_string(st->rootfs));
	json_object_set_new(o, "created", json_string(st->created));
	json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
	if (st->cgroup_path)
		json_object_set_new(o, "cgroup_path", json_string(st->cgroup_path));
	json_object_set(o, "annotations", st->annotations ? st->annotations : json_object());
	json_object_set_new(o, "detached", json_boolean(st->detached));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return hrun_err(ENOMEM, "encode state");
	fd = openat(dirfd, STATE_FILE ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return hrun_syserr(errno, "write state");
	r = util_write_all(fd, text, strlen(text));
	if (r < 0)
		return hrun_syserr(-r, "write state");
	if (renameat(dirfd, STATE_FILE ".tmp", dirfd, STATE_FILE) < 0)
		return hrun_syserr(errno, "write state");
	return 0;
}

static char *dup_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? strdup(s) : NULL;
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
	ret->pid = (pid_t)json_integer_value(pid);
	ret->start_time = (unsigned long long)json_integer_value(json_object_get(o, "start_time"));
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
	r = util_read_file_at(dirfd, STATE_FILE, 1 << 20, &text, &len);
	if (r < 0)
		return r;
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

bool state_init_alive(const struct hrun_state *st)
{
	unsigned long long t;
	char path[64];
	_cleanup_free_ char *stat = NULL;

	if (st->pid <= 0)
		return false;
	if (util_proc_start_time(st->pid, &t) < 0 || t != st->start_time)
		return false;
	/* a zombie init has exited: the container is stopped */
	(void)snprintf(path, sizeof(path), "/proc/%d/stat", st->pid);
	if (util_read_file(path, 4096, &stat, NULL) == 0) {
		char *p = strrchr(stat, ')');

		if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
			return false;
	}
	return true;
}

enum hrun_status state_status(int dirfd, const struct hrun_state *st)
{
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
		return *ret_ids ? 0 : -ENOMEM;
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
		return -ENOMEM;
	qsort(ids, n, sizeof(char *), cmp_str);
	*ret_ids = ids;
	return 0;
}
