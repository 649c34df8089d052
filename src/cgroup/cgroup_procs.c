/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Process-level operations on a cgroup v2 directory (see
 * include/hrun/cgroup.h): cgroup_enter, cgroup_freeze, cgroup_is_frozen,
 * cgroup_pids, cgroup_kill_all and cgroup_destroy. Creation, limits and
 * path resolution live in cgroup.c; the file helpers shared with it are
 * declared in cgroup-internal.h.
 */
#define _GNU_SOURCE
#include "hrun/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cgroup_enter(const char *path, pid_t pid)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return cgroup_write_path(path, "cgroup.procs", buf);
}

/* ------------------------------------------------------------------ */
/* freeze, kill, pids, destroy                                         */

int cgroup_is_frozen(const char *path)
{
	_cleanup_free_ char *ev = NULL;
	uint64_t v;
	int r = cgroup_read_path(path, "cgroup.events", &ev);

	if (r < 0)
		return r;
	if (!cgroup_kv_get(ev, "frozen", &v))
		return hrun_err(ENOTSUP, "`%s/cgroup.events` has no `frozen` key (kernel < 5.2)", path);
	return v != 0;
}

#define FREEZE_TIMEOUT_MS 5000

int cgroup_freeze(const char *path, bool frozen)
{
	int r = cgroup_write_path(path, "cgroup.freeze", frozen ? "1" : "0");
	long waited = 0, step = 1;

	if (r < 0)
		return r;
	/* The write only starts freezing: tasks stop when they next return to
	 * user space, and cgroup.events says "frozen 1" once all did. */
	for (;;) {
		r = cgroup_is_frozen(path);
		if (r < 0 || r == (int)frozen)
			return r < 0 ? r : 0;
		if (waited >= FREEZE_TIMEOUT_MS)
			break;
		sleep_ms(step);
		waited += step;
		step = step < 50 ? step * 2 : 50;
	}
	if (frozen)
		(void)cgroup_write_path(path, "cgroup.freeze", "0"); /* do not leave it half frozen */
	return hrun_err(ETIMEDOUT, "cgroup `%s` did not %s within %d ms", path,
			frozen ? "freeze" : "thaw", FREEZE_TIMEOUT_MS);
}

static int push_pid(pid_t **arr, size_t *n, size_t *cap, pid_t pid)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		pid_t *na = realloc(*arr, nc * sizeof(*na));

		if (!na)
			return hrun_err(ENOMEM, "out of memory");
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = pid;
	return 0;
}

static int pids_rec(const char *path, pid_t **arr, size_t *n, size_t *cap, int depth)
{
	_cleanup_free_ char *procs = NULL;
	DIR *d;
	struct dirent *de;
	int r = cgroup_read_path(path, "cgroup.procs", &procs);

	if (r < 0)
		return r;
	for (char *p = procs, *end; *p; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0 && (r = push_pid(arr, n, cap, (pid_t)v)) < 0)
			return r;
	}
	if (depth > 64)
		return 0;
	d = opendir(path);
	if (!d)
		return hrun_syserr(errno, "open cgroup `%s`", path);
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0) {
			r = hrun_err(ENOMEM, "out of memory");
			break;
		}
		r = pids_rec(sub, arr, n, cap, depth + 1);
		if (r == -ENOENT)
			r = 0; /* removed meanwhile */
	}
	closedir(d);
	return r;
}

int cgroup_pids(const char *path, pid_t **ret_pids, size_t *ret_n)
{
	pid_t *arr = NULL;
	size_t n = 0, cap = 0;
	int r = pids_rec(path, &arr, &n, &cap, 0);

	if (r < 0) {
		free(arr);
		return r;
	}
	*ret_pids = arr;
	*ret_n = n;
	return 0;
}

#define KILL_TIMEOUT_MS 2000

int cgroup_kill_all(const char *path, int signo)
{
	long waited = 0;
	int r;

	if (signo == SIGKILL) {
		r = cgroup_write_raw(AT_FDCWD, path, "cgroup.kill", "1");
		if (r != -ENOENT) /* ENOENT: kernel < 5.14, signal each pid */
			return r < 0 ? hrun_syserr(-r, "write `1` to `%s/cgroup.kill`", path) : 0;
	}
	for (;;) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		r = cgroup_pids(path, &pids, &n);
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (kill(pids[i], signo) < 0 && errno != ESRCH)
				return hrun_syserr(errno, "kill pid %d", (int)pids[i]);
		/* Only SIGKILL must empty the cgroup; repeat it for the
		 * processes forked while we were signalling. */
		if (signo != SIGKILL)
			return 0;
		if (waited >= KILL_TIMEOUT_MS)
			return hrun_err(ETIMEDOUT, "cgroup `%s` still has processes after SIGKILL", path);
		sleep_ms(10);
		waited += 10;
	}
}

#define RMDIR_TIMEOUT_MS 1000

static int destroy_rec(const char *path, int depth)
{
	DIR *d = opendir(path);
	struct dirent *de;
	long waited = 0;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : hrun_syserr(errno, "open cgroup `%s`", path);
	while (depth < 64 && r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
			r = hrun_err(ENOMEM, "out of memory");
		else
			r = destroy_rec(sub, depth + 1);
	}
	closedir(d);
	if (r < 0)
		return r;
	/* EBUSY while the last processes are exiting: retry briefly. */
	while (rmdir(path) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != EBUSY || waited >= RMDIR_TIMEOUT_MS)
			return hrun_syserr(errno, "remove cgroup `%s`", path);
		sleep_ms(10);
		waited += 10;
	}
	return 0;
}

int cgroup_destroy(const char *path)
{
	return destroy_rec(path, 0);
}
