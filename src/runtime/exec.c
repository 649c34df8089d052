/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hrun exec`: a new process inside a running container, as confined as its
 * init: every namespace, the cgroup, capabilities, no_new_privs, seccomp.
 *
 * Runtime                                   Exec process
 * -------                                   ------------
 * read state, build the process, compile seccomp
 * setns(pidfd, PID|TIME)   (our children are born in the container's pid ns)
 * clone3(INTO_CGROUP) ---------------------> setns(pidfd, USER|MNT|NET|IPC|UTS|CGROUP)
 *                                            terminal, rlimits, drop privileges,
 *                                            seccomp, find the executable
 *                   <---------------------- #1 SYNC_READY
 * oomScoreAdj
 * #2 SYNC_START --------------------------> execve (EOF on the channel)
 * pid file; --detach: exit
 * otherwise wait and return its status
 *
 * The steps are numbered in exec_run(); clone3 with the namespace joins
 * and the cgroup placement, the wait and the pid file are spawn.c's (shared
 * with container.c), the process itself is built by exec_process.c.
 */
#define _GNU_SOURCE
#include "hrun/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/lsm.h"
#include "hrun/process.h"
#include "hrun/sched.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"
#include "hrun/state.h"
#include "hrun/sync.h"
#include "hrun/terminal.h"
#include "hrun/util.h"

#include "exec-internal.h"
#include "spawn.h"

struct exec_ctx {
	const struct hrun_exec_opts *o;
	struct hrun_state st;
	struct hrun_spec *spec; /* the container's config (base for the process) */
	struct hrun_process proc;
	bool has_bpf;
	struct hrun_bpf bpf;
	int pidfd;      /* the container's init */
	int cgroup_fd;  /* O_RDONLY dir of its cgroup, -1 if none */
	int sync[2];
	int console;    /* console socket / relay end given to the child */
	int relay;      /* our end of the relay (foreground --tty) */
	unsigned long child_ns; /* namespaces the child joins */
	pid_t pid;
	int child_pidfd;
};

static const struct {
	const char *name;
	unsigned long flag;
} ns_kinds[] = {
	{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},   {"net", CLONE_NEWNET},
	{"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},  {"cgroup", CLONE_NEWCGROUP},
	{"pid", CLONE_NEWPID},   {"time", CLONE_NEWTIME},
};

/* Namespaces of PID that differ from ours (joining your own user
 * namespace is an error, joining any other of your own is pointless). */
static int differing_namespaces(pid_t pid, unsigned long *ret)
{
	unsigned long flags = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ns_kinds); i++) {
		char path[64];
		struct stat a, b;

		(void)snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, ns_kinds[i].name);
		if (stat(path, &a) < 0) {
			if (errno == ENOENT)
				continue; /* kernel without this namespace type */
			return hrun_syserr(errno, "stat `%s`", path);
		}
		(void)snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_kinds[i].name);
		if (stat(path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
			flags |= ns_kinds[i].flag;
	}
	*ret = flags;
	return 0;
}

static int open_target(struct exec_ctx *c)
{
	_cleanup_close_ int dirfd = -1;
	enum hrun_status status;
	int r;

	r = state_open(c->o->root, c->o->id, false, &dirfd);
	if (r < 0)
		return r;
	r = state_read(dirfd, &c->st);
	state_unlock(dirfd);
	if (r < 0)
		return r;
	status = state_status(dirfd, &c->st);
	if (status == HRUN_STATUS_PAUSED)
		return hrun_err(EBUSY, "container `%s` is paused", c->o->id);
	if (status != HRUN_STATUS_RUNNING && status != HRUN_STATUS_CREATED)
		return hrun_err(ESRCH, "container `%s`: container not running", c->o->id);
	/* the pidfd pins the process, opened before its identity is checked */
	if (state_open_init(&c->st, &c->pidfd) < 0)
		return hrun_err(ESRCH, "container `%s`: container not running", c->o->id);
	/* the config snapshot of create, never the bundle again */
	r = state_load_spec(dirfd, &c->spec);
	if (r < 0)
		return hrun_err_prefix(r, "container `%s`", c->o->id);
	if (c->st.cgroup_path) {
		c->cgroup_fd = open(c->st.cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c->cgroup_fd < 0)
			return hrun_syserr(errno, "open the container cgroup `%s`", c->st.cgroup_path);
	}
	return 0;
}

/* --tty: the pty master goes to --console-socket, or (in the foreground)
 * to us over a relay socketpair. */
static int prepare_terminal(struct exec_ctx *c)
{
	int sp[2];

	if (!c->proc.terminal)
		return 0;
	if (c->o->console_socket)
		return terminal_connect_socket(c->o->console_socket, &c->console);
	if (c->o->detach)
		return hrun_err(EINVAL, "exec --tty --detach needs --console-socket");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return hrun_syserr(errno, "socketpair");
	c->relay = sp[0];
	c->console = sp[1];
	return 0;
}

static int prepare(struct exec_ctx *c)
{
	int r = open_target(c);

	if (r < 0)
		return r;
	r = exec_build_process(c->o, c->spec, &c->proc);
	if (r < 0)
		return r;
	r = spawn_compile_seccomp(c->spec, c->o->root, &c->bpf, &c->has_bpf);
	if (r < 0)
		return r;
	r = differing_namespaces(c->st.pid, &c->child_ns);
	if (r < 0)
		return r;
	r = sync_pair(c->sync);
	if (r < 0)
		return r;
	return prepare_terminal(c);
}

/* ---------------------------------------------------------------- child -- */

static int child_terminal(struct exec_ctx *c)
{
	_cleanup_close_ int root = -1;

	if (!c->proc.terminal)
		return 0;
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hrun_syserr(errno, "open /");
	return terminal_setup_child(root, c->console, &c->proc, NULL, NULL);
}

/* A container without a mount namespace of its own shares ours: setns
 * leaves us on the host's root, so take the init's root (it chrooted into
 * the rootfs), checked to still be the init's through its pidfd. */
static int child_enter_init_root(struct exec_ctx *c)
{
	char path[64];
	_cleanup_close_ int root = -1;

	(void)snprintf(path, sizeof(path), "/proc/%d/root", c->st.pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hrun_syserr(errno, "open the root of container `%s`", c->o->id);
	if (syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) < 0)
		return hrun_syserr(errno, "container `%s`: its init is gone", c->o->id);
	if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return hrun_syserr(errno, "enter the root of container `%s`", c->o->id);
	return 0;
}

static int child_main(struct exec_ctx *c)
{
	_cleanup_free_ char *exe = NULL;
	unsigned long ns = c->child_ns & ~(unsigned long)(CLONE_NEWPID | CLONE_NEWTIME);
	int r;

	if (ns && setns(c->pidfd, (int)ns) < 0)
		return hrun_syserr(errno, "join the namespaces of container `%s`", c->o->id);
	if (!(ns & CLONE_NEWNS)) {
		r = child_enter_init_root(c);
		if (r < 0)
			return r;
	}
	if (setsid() < 0)
		return hrun_syserr(errno, "setsid");
	r = child_terminal(c);
	if (r < 0)
		return r;
	r = process_set_limits(&c->proc, &c->spec->linux_cfg);
	if (r < 0)
		return r;
	/* as in the init: ioPriority, scheduler and the container's
	 * memoryPolicy while we hold capabilities, final affinity before the
	 * seccomp filter */
	r = sched_apply(&c->proc, &c->spec->linux_cfg);
	if (r < 0)
		return r;
	/* in the container's mount namespace, "/" is its root */
	r = process_default_home(&c->proc);
	if (r < 0)
		return r;
	/* before the cwd is entered: close everything but stdio, the
	 * preserved fds and our own channels */
	{
		const int keep[] = { c->sync[1], log_file_fd() };

		r = util_close_fds_from(3 + (int)c->o->preserve_fds, keep, ARRAY_SIZE(keep));
		if (r < 0)
			return r;
	}
	/* execCPUAffinity.final (or, after an initial set, the container's
	 * default: every CPU, which the cgroup's cpuset narrows): now that we
	 * are in the container's cgroup, the last step before the seccomp
	 * filter (which may deny sched_setaffinity) */
	if (c->proc.cpus_final || c->proc.cpus_initial) {
		r = sched_set_affinity(0, c->proc.cpus_final ? c->proc.cpus_final : SCHED_ALL_CPUS,
				       "process.execCPUAffinity.final");
		if (r < 0)
			return r;
	}
	r = process_drop_privileges(&c->proc, c->has_bpf ? &c->bpf : NULL);
	if (r < 0)
		return r;
	r = process_find_executable(&c->proc, &exe);
	if (r < 0)
		return r;
	r = sync_send(c->sync[1], SYNC_READY);
	if (r < 0)
		return hrun_syserr(-r, "sync #1");
	/* #2: the runtime has set what it sets from outside (oomScoreAdj) */
	r = sync_expect(c->sync[1], SYNC_START);
	if (r < 0)
		return r;
	return process_exec(exe, &c->proc);
}

static void __attribute__((noreturn)) child_entry(struct exec_ctx *c)
{
	int r;

	(void)close(c->sync[0]);
	if (c->relay >= 0)
		(void)close(c->relay);
	if (c->cgroup_fd >= 0)
		(void)close(c->cgroup_fd);
	r = child_main(c);
	(void)sync_send_error(c->sync[1], r);
	_exit(127);
}

/* --------------------------------------------------------------- parent -- */

static int spawn(struct exec_ctx *c)
{
	struct spawn s = {
		/* pid and time namespaces apply to children: joined for the
		 * clone so the exec process is born inside, with no second
		 * fork, and left right after (our later children, e.g. a
		 * sanitizer's tracer, must not be born in the container) */
		.ns_pidfd = c->pidfd,
		.ns_pidfd_flags = c->child_ns & (CLONE_NEWPID | CLONE_NEWTIME),
		.cwd_fd = -1,
		.cgroup_fd = c->cgroup_fd,
		.cgroup_path = c->st.cgroup_path,
		.id = c->o->id,
	};
	int r;

	/* nothing in the container may open our /proc/PID/exe or memory
	 * while we still run hrun's code there (CVE-2019-5736); execve of the
	 * user's program resets this */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return hrun_syserr(errno, "prctl(PR_SET_DUMPABLE)");
	/* execCPUAffinity.initial: "the CPUs a runtime parent process runs on
	 * before the transition to the container's cgroup": ours, inherited
	 * by the child, which sets the final set once inside */
	r = sched_set_affinity(0, c->proc.cpus_initial, "process.execCPUAffinity.initial");
	if (r < 0)
		return r;
	r = spawn_clone(&s);
	if (r == 0)
		child_entry(c);
	if (r < 0)
		return r;
	c->pid = s.pid;
	c->child_pidfd = s.pidfd;
	(void)close(c->sync[1]);
	c->sync[1] = -1;
	if (c->console >= 0) {
		(void)close(c->console);
		c->console = -1;
	}
	return 0;
}

/* #1: READY; oomScoreAdj from outside; #2: START; then EOF once execve
 * succeeded. */
static int wait_started(struct exec_ctx *c)
{
	struct hrun_sync_msg m;
	int r = sync_expect(c->sync[0], SYNC_READY);

	if (r == -EPIPE)
		return hrun_err(EPIPE, "exec process exited during setup");
	if (r < 0)
		return r;
	r = process_set_oom_score_adj(c->pid, &c->proc);
	if (r < 0)
		return r;
	r = sync_send(c->sync[0], SYNC_START);
	if (r < 0)
		return hrun_syserr(-r, "sync #2");
	r = sync_recv(c->sync[0], &m);
	if (r == -EPIPE)
		return 0;
	return r < 0 ? r : hrun_err(EPROTO, "sync: unexpected message %u", m.type);
}

static int wait_process(struct exec_ctx *c)
{
	int master = -1;

	spawn_forward_signals(c->pid, false);
	if (c->relay >= 0 && sync_recv_fd(c->relay, &master) == 0) {
		(void)terminal_relay(master, c->child_pidfd);
		(void)close(master);
	}
	return spawn_wait(c->pid, "the exec process");
}

static void exec_ctx_free(struct exec_ctx *c)
{
	int *fds[] = {&c->pidfd, &c->cgroup_fd, &c->sync[0], &c->sync[1],
		      &c->console, &c->relay, &c->child_pidfd};

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			(void)close(*fds[i]);
	if (c->has_bpf)
		seccomp_bpf_clear(&c->bpf);
	spec_process_clear(&c->proc);
	spec_free(c->spec);
	state_clear(&c->st);
}

int exec_run(const struct hrun_exec_opts *o)
{
	struct exec_ctx c = {
		.o = o,
		.pidfd = -1,
		.cgroup_fd = -1,
		.sync = {-1, -1},
		.console = -1,
		.relay = -1,
		.child_pidfd = -1,
	};
	int r;

	/* 1. the container (state, pidfd, config snapshot, cgroup), the
	 * process, its seccomp program, the channels */
	r = prepare(&c);
	/* 2. clone3 into its pid/time namespaces and cgroup */
	if (r == 0)
		r = spawn(&c);
	if (r == 0 && c.pid > 0) {
		/* 3. sync #1 READY, oomScoreAdj, sync #2 START, execve */
		r = wait_started(&c);
		/* 4. the pid file; --detach: done, else its exit status */
		if (r == 0)
			r = spawn_write_pid_file(o->pid_file, c.pid);
		if (r < 0)
			spawn_kill(c.pid);
		else if (!o->detach)
			r = wait_process(&c);
	}
	exec_ctx_free(&c);
	return r;
}
