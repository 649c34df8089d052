/* SPDX-License-Identifier: Apache-2.0 */
/* start, state, kill, delete, pause/resume, ps, list: commands that act on
 * a container recorded under --root. */
#define _GNU_SOURCE
#include "hrun/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/hooks.h"
#include "hrun/spec.h"
#include "hrun/state.h"
#include "hrun/util.h"

struct opened {
	int dirfd;
	struct hrun_state st;
	enum hrun_status status;
};

/* Open and read the state, then drop the lock: commands hold it only
 * while they change the state, never across hooks or waits. */
static int open_container(const char *root, const char *id, bool exclusive, struct opened *ret)
{
	int r = state_open(root, id, exclusive, &ret->dirfd);

	if (r < 0)
		return r;
	r = state_read(ret->dirfd, &ret->st);
	if (r < 0) {
		(void)close(ret->dirfd);
		return hrun_err_prefix(r, "container `%s`", id);
	}
	if (!exclusive)
		state_unlock(ret->dirfd);
	ret->status = state_status(ret->dirfd, &ret->st);
	return 0;
}

static void close_container(struct opened *o)
{
	if (o->dirfd >= 0)
		(void)close(o->dirfd);
	state_clear(&o->st);
}

/* The config snapshot taken at create (never the bundle again); NULL if
 * there is none (a create killed before it was written). */
static struct hrun_spec *load_snapshot(const struct opened *o)
{
	struct hrun_spec *spec = NULL;

	if (state_load_spec(o->dirfd, &spec) < 0) {
		hrun_err_clear();
		return NULL;
	}
	return spec;
}

static void run_hooks(const struct opened *o, const struct hrun_spec *spec,
		      enum hrun_hook_kind kind)
{
	if (spec)
		(void)hooks_run_state(spec, kind, &o->st,
				      kind == HRUN_HOOK_POSTSTOP ? HRUN_STATUS_STOPPED
								 : HRUN_STATUS_RUNNING);
}

int lifecycle_start(const char *root, const char *id)
{
	struct hrun_spec *spec = NULL;
	struct opened o;
	int fd, r;

	r = open_container(root, id, true, &o);
	if (r < 0)
		return r;
	if (o.status != HRUN_STATUS_CREATED) {
		r = hrun_err(EINVAL, "cannot start container `%s`: it is %s, not created", id,
			     state_status_name(o.status));
		goto out;
	}
	/* the init holds the fifo open for reading: a non-blocking open for
	 * writing fails with ENXIO only if it died meanwhile */
	fd = openat(o.dirfd, HRUN_STATE_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		r = errno == ENXIO ? hrun_err(ESRCH, "container `%s`: container not running", id)
				   : hrun_syserr(errno, "open exec fifo of `%s`", id);
		goto out;
	}
	r = util_write_all(fd, "0", 1);
	(void)close(fd);
	if (r < 0) {
		r = hrun_syserr(-r, "start container `%s`", id);
		goto out;
	}
	(void)unlinkat(o.dirfd, HRUN_STATE_FIFO, 0);
	o.st.status = HRUN_STATUS_RUNNING;
	r = state_write(o.dirfd, &o.st);
	state_unlock(o.dirfd);
	if (r < 0)
		goto out;
	spec = load_snapshot(&o);
	run_hooks(&o, spec, HRUN_HOOK_POSTSTART);
	spec_free(spec);
out:
	close_container(&o);
	return r;
}

int lifecycle_state(const char *root, const char *id, json_t **ret_state)
{
	struct opened o;
	int r = open_container(root, id, false, &o);

	if (r < 0)
		return r;
	*ret_state = state_to_json(&o.st, o.status);
	close_container(&o);
	return 0;
}

/* Signal the init through a pidfd opened first and verified after: a
 * recycled pid never gets the signal. */
static int signal_init(const struct hrun_state *st, int signo)
{
	int pidfd, r = 0;

	if (state_open_init(st, &pidfd) < 0)
		return hrun_err(ESRCH, "container `%s`: container not running", st->id);
	if (syscall(SYS_pidfd_send_signal, pidfd, signo, NULL, 0) < 0)
		r = errno == ESRCH ? hrun_err(ESRCH, "container `%s`: container not running", st->id)
				   : hrun_syserr(errno, "kill container `%s`", st->id);
	(void)close(pidfd);
	return r;
}

int lifecycle_kill(const char *root, const char *id, int signo, bool all)
{
	struct opened o;
	int r = open_container(root, id, false, &o);

	if (r < 0)
		return r;
	if (all && o.st.cgroup_path)
		r = cgroup_kill_all(o.st.cgroup_path, signo);
	else if (o.status == HRUN_STATUS_STOPPED)
		r = hrun_err(ESRCH, "container `%s`: container not running", id);
	else
		r = signal_init(&o.st, signo);
	close_container(&o);
	return r;
}

/* Wait up to MS for a pidfd to turn readable (its process exited). */
static int wait_pidfd(int pidfd, int ms)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n == 0 ? -ETIMEDOUT : 0;
}

/* A create still at work on this container goes first (its hooks die
 * with it: PR_SET_PDEATHSIG), so it cannot re-create what we remove. */
static void kill_creator(const struct opened *o)
{
	int fd;

	if (o->st.status != HRUN_STATUS_CREATING || state_open_creator(&o->st, &fd) < 0)
		return;
	(void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
	(void)wait_pidfd(fd, 5000);
	(void)close(fd);
}

/* Kill everything and wait for the init to exit: a pidfd turns readable
 * when it does (zombie or reaped). The whole cgroup goes too, whether the
 * init still lives or not (without a pid namespace its children outlive
 * it). Slow machines (a TCG VM) can need seconds: allow 30 s. */
static int kill_and_wait(struct opened *o)
{
	int pidfd = -1, r = 0;

	kill_creator(o);
	/* pin the init first (a pidfd never names a recycled pid) */
	(void)state_open_init(&o->st, &pidfd);
	if (o->st.cgroup_path) {
		r = cgroup_kill_all(o->st.cgroup_path, SIGKILL);
		if (r == -ENOENT) {
			hrun_err_clear();
			r = 0;
		}
	}
	if (pidfd < 0)
		return r;
	(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
	r = wait_pidfd(pidfd, 30000);
	(void)close(pidfd);
	if (r == -ETIMEDOUT)
		return hrun_err(EBUSY, "container `%s`: init did not exit within 30 s of SIGKILL",
				o->st.id);
	if (r < 0)
		return hrun_syserr(-r, "container `%s`: wait for the init", o->st.id);
	return 0;
}

int lifecycle_delete(const char *root, const char *id, bool force)
{
	struct hrun_spec *spec = NULL;
	struct opened o;
	int r = open_container(root, id, false, &o);

	if (r == -ENOENT && force)
		return 0;
	if (r < 0)
		return r;
	/* runtime.md: deleting a container that is not stopped MUST fail and
	 * have no effect; --force kills it first */
	if (o.status != HRUN_STATUS_STOPPED && !force) {
		r = hrun_err(EBUSY, "cannot delete container `%s` that is not stopped: %s", id,
			     state_status_name(o.status));
		goto out;
	}
	r = kill_and_wait(&o);
	if (r < 0)
		goto out;
	if (o.st.cgroup_path) {
		r = cgroup_destroy(o.st.cgroup_path);
		if (r == -ENOENT) {
			hrun_err_clear();
			r = 0;
		}
		if (r < 0)
			goto out;
	}
	spec = load_snapshot(&o);
	/* our directory only: state_remove leaves a re-created id alone */
	r = state_lock(o.dirfd);
	if (r == 0) {
		r = state_remove(root, id, o.dirfd);
		state_unlock(o.dirfd);
	} else if (r == -ENOENT) {
		hrun_err_clear(); /* removed by a concurrent delete */
		r = 0;
	}
	if (r == 0)
		run_hooks(&o, spec, HRUN_HOOK_POSTSTOP);
	spec_free(spec);
out:
	close_container(&o);
	return r;
}

int lifecycle_pause(const char *root, const char *id, bool pause)
{
	struct opened o;
	int r = open_container(root, id, false, &o);

	if (r < 0)
		return r;
	if (!o.st.cgroup_path)
		r = hrun_err(ENOTSUP, "container `%s` has no cgroup: cannot %s", id,
			     pause ? "pause" : "resume");
	else if (o.status == HRUN_STATUS_STOPPED)
		r = hrun_err(ESRCH, "container `%s`: container not running", id);
	else
		r = cgroup_freeze(o.st.cgroup_path, pause);
	close_container(&o);
	return r;
}

int lifecycle_pids(const char *root, const char *id, pid_t **ret_pids, size_t *ret_n)
{
	struct opened o;
	int r = open_container(root, id, false, &o);

	if (r < 0)
		return r;
	if (o.st.cgroup_path) {
		r = cgroup_pids(o.st.cgroup_path, ret_pids, ret_n);
	} else {
		*ret_n = 0;
		*ret_pids = calloc(1, sizeof(pid_t));
		if (*ret_pids && o.status != HRUN_STATUS_STOPPED)
			(*ret_pids)[(*ret_n)++] = o.st.pid;
		r = *ret_pids ? 0 : hrun_err(ENOMEM, "ps: out of memory");
	}
	close_container(&o);
	return r;
}

int lifecycle_list(const char *root, json_t **ret_list)
{
	char **ids = NULL;
	json_t *list;
	int r = state_list(root, &ids);

	if (r < 0)
		return r;
	list = json_array();
	for (char **id = ids; *id; id++) {
		json_t *s = NULL;

		if (lifecycle_state(root, *id, &s) == 0)
			json_array_append_new(list, s);
	}
	hrun_err_clear();
	strv_free(ids);
	*ret_list = list;
	return 0;
}

int lifecycle_parse_signal(const char *s, int *ret_signo)
{
	long n;

	if (util_parse_long(s, &n) == 0) {
		if (n <= 0 || n >= NSIG)
			return hrun_err(EINVAL, "invalid signal `%s`", s);
		*ret_signo = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *name = sigabbrev_np(i);

		if (name && strcasecmp(name, s) == 0) {
			*ret_signo = i;
			return 0;
		}
	}
	if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
		long off = 0;
		bool min = strncasecmp(s, "RTMIN", 5) == 0;

		if (s[5] && (util_parse_long(s + 5, &off) < 0))
			return hrun_err(EINVAL, "invalid signal `%s`", s);
		*ret_signo = (int)(min ? SIGRTMIN + off : SIGRTMAX + off);
		if (*ret_signo < SIGRTMIN || *ret_signo > SIGRTMAX)
			return hrun_err(EINVAL, "invalid signal `%s`", s);
		return 0;
	}
	return hrun_err(EINVAL, "unknown signal `%s`", s);
}
