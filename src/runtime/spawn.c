/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Spawning and waiting, shared by the init path (container.c) and the exec
 * path (exec.c); see spawn.h.
 *
 * spawn_clone():
 *   1. join the namespaces that apply to children only, or that the child
 *      could no longer join itself, for the clone (ns_clone_enter for the
 *      init's namespaces by path; setns(pidfd, PID|TIME) for exec);
 *   2. enter the child's cwd (the init is cloned from inside the rootfs);
 *   3. clone3(CLONE_PIDFD | CLONE_INTO_CGROUP | flags); when the kernel
 *      cannot place the child (EINVAL, EOPNOTSUPP, EBUSY), clone3 again
 *      without CLONE_INTO_CGROUP and without CLONE_NEWCGROUP, which the
 *      child then unshares itself once in its cgroup (late_cgroupns);
 *   4. in the parent: back to our cwd and namespaces (hooks and our later
 *      children must not be born in the container's), then the child's
 *      cgroup by pid if step 3 fell back.
 */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/ns.h"
#include "hrun/util.h"

/* What spawn_clone() joined and opened around the clone, to undo. */
struct outer {
	struct ns_outer ns;
	int own_pid, own_time; /* our pid/time namespaces (ns_pidfd joins) */
	int saved_cwd;
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* Steps 1 and 2. */
static int enter_outer(struct spawn *s, struct outer *o)
{
	int r;

	if (s->ns_fds) {
		r = ns_clone_enter(s->spec, s->ns_fds, &o->ns);
		s->parent_joined = o->ns.joined;
		if (r < 0)
			return r;
	}
	if (s->ns_pidfd_flags) {
		o->own_pid = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		if (o->own_pid < 0)
			return hrun_syserr(errno, "open /proc/self/ns/pid_for_children");
		o->own_time = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
		if (setns(s->ns_pidfd, (int)s->ns_pidfd_flags) < 0) {
			close_fd(&o->own_pid); /* nothing joined: nothing to leave */
			return hrun_syserr(errno, "join the pid namespace of container `%s`",
					   s->id);
		}
	}
	if (s->cwd_fd >= 0) {
		o->saved_cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (o->saved_cwd < 0)
			return hrun_syserr(errno, "open the current directory");
		if (fchdir(s->cwd_fd) < 0)
			return hrun_syserr(errno, "chdir to the rootfs");
	}
	return 0;
}

/* Step 4, first half, and every failure of steps 1-3: R is the result so
 * far; the first failure wins. */
static int leave_outer(const struct spawn *s, struct outer *o, int r)
{
	if (o->saved_cwd >= 0 && fchdir(o->saved_cwd) < 0 && r >= 0)
		r = hrun_syserr(errno, "restore the current directory");
	close_fd(&o->saved_cwd);
	if (o->own_pid >= 0 && setns(o->own_pid, CLONE_NEWPID) < 0 && r >= 0)
		r = hrun_syserr(errno, "return to our pid namespace");
	if ((s->ns_pidfd_flags & CLONE_NEWTIME) && o->own_time >= 0 &&
	    setns(o->own_time, CLONE_NEWTIME) < 0 && r >= 0)
		r = hrun_syserr(errno, "return to our time namespace");
	close_fd(&o->own_pid);
	close_fd(&o->own_time);
	if (s->ns_fds) {
		int l = ns_clone_leave(&o->ns);

		if (r >= 0 && l < 0)
			r = l;
	}
	return r;
}

static pid_t do_clone3(struct spawn *s, unsigned long flags, bool into_cgroup)
{
	struct clone_args ca = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&s->pidfd,
		.exit_signal = SIGCHLD,
	};

	if (into_cgroup) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)s->cgroup_fd;
	}
	return (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
}

/* Step 3. */
static pid_t clone_placed(struct spawn *s, bool *by_pid)
{
	bool into = s->cgroup_fd >= 0;
	pid_t pid = do_clone3(s, s->flags, into);

	*by_pid = false;
	if (pid < 0 && into && (errno == EINVAL || errno == EOPNOTSUPP || errno == EBUSY)) {
		/* no CLONE_INTO_CGROUP: join by pid, then unshare the cgroupns */
		*by_pid = s->cgroup_path != NULL;
		s->late_cgroupns = s->flags & CLONE_NEWCGROUP;
		pid = do_clone3(s, s->flags & ~(unsigned long)CLONE_NEWCGROUP, false);
	}
	return pid;
}

int spawn_clone(struct spawn *s)
{
	struct outer o = { .own_pid = -1, .own_time = -1, .saved_cwd = -1 };
	bool by_pid;
	int r;

	for (int t = 0; t < HRUN_NS_COUNT; t++)
		o.ns.own[t] = -1;
	o.ns.joined = 0;
	s->pid = 0;
	s->pidfd = -1;
	s->parent_joined = 0;
	s->late_cgroupns = false;
	r = enter_outer(s, &o);
	if (r < 0)
		return leave_outer(s, &o, r);
	s->pid = clone_placed(s, &by_pid);
	if (s->pid == 0) {
		close_fd(&o.saved_cwd);
		close_fd(&o.own_pid);
		close_fd(&o.own_time);
		for (int t = 0; t < HRUN_NS_COUNT; t++)
			close_fd(&o.ns.own[t]);
		return 0;
	}
	r = s->pid < 0 ? hrun_syserr(errno, "clone3") : 0;
	r = leave_outer(s, &o, r);
	if (r >= 0 && by_pid) {
		r = cgroup_enter(s->cgroup_path, s->pid);
		if (r < 0)
			r = hrun_err_prefix(r, "container `%s`: join its cgroup", s->id);
	}
	if (r < 0 && s->pid > 0) {
		spawn_kill(s->pid);
		s->pid = 0;
	}
	return r < 0 ? r : s->pid;
}

int spawn_compile_seccomp(const struct hrun_spec *spec, const char *state_root,
			  struct hrun_bpf *bpf, bool *has)
{
	int r;

	*has = false;
	if (!spec->linux_cfg.seccomp)
		return 0;
	r = seccomp_compile_for_root(spec->linux_cfg.seccomp, state_root, bpf);
	if (r < 0)
		return r;
	*has = true;
	log_debug("seccomp: %u instructions", bpf->prog.len);
	return 0;
}

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		(void)kill((pid_t)forward_pid, sig);
}

void spawn_forward_signals(pid_t pid, bool winch)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	struct sigaction sa = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };

	forward_pid = pid;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (winch || sigs[i] != SIGWINCH)
			(void)sigaction(sigs[i], &sa, NULL);
}

int spawn_wait(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return hrun_syserr(errno, "wait for %s", what);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

void spawn_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int spawn_write_pid_file(const char *path, pid_t pid)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", pid);

	if (!path)
		return 0;
	return util_write_file_atomic(path, buf, (size_t)n, 0644);
}
