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
#include <sys/wait.h>
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

static int strv_append(char ***v, const char *s)
{
	size_t n = strv_length(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (!nv)
		return hrun_err(ENOMEM, "out of memory");
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : hrun_err(ENOMEM, "out of memory");
}

static char **strv_copy(char *const *v)
{
	size_t n = strv_length(v);
	char **c = calloc(n + 1, sizeof(char *));

	for (size_t i = 0; c && i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

/* KEY=VALUE: replace an existing KEY or append. */
static int env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	if (!eq)
		return hrun_err(EINVAL, "--env `%s`: expected KEY=VALUE", kv);
	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=') {
			char *d = strdup(kv);

			if (!d)
				return hrun_err(ENOMEM, "--env `%s`: out of memory", kv);
			free(*e);
			*e = d;
			return 0;
		}
	}
	return strv_append(env, kv);
}

static int parse_user(const char *s, struct hrun_user *u)
{
	char *end;
	unsigned long uid, gid;

	errno = 0;
	uid = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':') || uid > UINT32_MAX - 1)
		return hrun_err(EINVAL, "--user `%s`: expected UID[:GID]", s);
	u->uid = (uint32_t)uid;
	if (*end == ':') {
		const char *g = end + 1;

		gid = strtoul(g, &end, 10);
		if (errno || end == g || *end || gid > UINT32_MAX - 1)
			return hrun_err(EINVAL, "--user `%s`: expected UID[:GID]", s);
		u->gid = (uint32_t)gid;
	}
	/* additional groups of the config belong to its user, not this one */
	free(u->additional_gids);
	u->additional_gids = NULL;
	u->n_additional_gids = 0;
	return 0;
}

/* --additional-gids 10,20: replaces the groups of the process. */
static int parse_gids(const char *list, struct hrun_user *u)
{
	size_t n = 1;
	const char *p = list;
	gid_t *gids;

	for (const char *q = list; *q; q++)
		n += *q == ',';
	gids = calloc(n, sizeof(gid_t));
	if (!gids)
		return hrun_err(ENOMEM, "--additional-gids: out of memory");
	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long g;

		errno = 0;
		g = strtoul(p, &end, 10);
		if (errno || end == p || (*end && *end != ',') || g > UINT32_MAX - 1) {
			free(gids);
			return hrun_err(EINVAL, "--additional-gids `%s`: expected GID[,GID...]", list);
		}
		gids[i] = (gid_t)g;
		p = end + 1;
	}
	free(u->additional_gids);
	u->additional_gids = gids;
	u->n_additional_gids = n;
	return 0;
}

/* The process from the command line, based on the container's own. */
static int build_process_from_args(struct exec_ctx *c)
{
	const struct hrun_exec_opts *o = c->o;
	const struct hrun_process *base = &c->spec->process;
	struct hrun_process *p = &c->proc;
	int r;

	p->args = strv_copy(o->args);
	p->env = base->env ? strv_copy(base->env) : calloc(1, sizeof(char *));
	p->cwd = strdup(o->cwd ? o->cwd : base->cwd ? base->cwd : "/");
	if (!p->args || !p->env || !p->cwd)
		return hrun_err(ENOMEM, "exec: the process: out of memory");
	if (o->cwd && o->cwd[0] != '/')
		return hrun_err(EINVAL, "--cwd `%s`: must be an absolute path", o->cwd);
	p->user = base->user;
	p->user.username = NULL;
	p->user.additional_gids = NULL;
	if (base->user.n_additional_gids) {
		size_t sz = base->user.n_additional_gids * sizeof(gid_t);

		p->user.additional_gids = malloc(sz);
		if (!p->user.additional_gids)
			return hrun_err(ENOMEM, "exec: process.user.additionalGids: out of memory");
		memcpy(p->user.additional_gids, base->user.additional_gids, sz);
	}
	if (o->user) {
		r = parse_user(o->user, &p->user);
		if (r < 0)
			return r;
	}
	if (o->additional_gids) {
		r = parse_gids(o->additional_gids, &p->user);
		if (r < 0)
			return r;
	}
	for (char **e = o->env; e && *e; e++) {
		r = env_set(&p->env, *e);
		if (r < 0)
			return r;
	}
	p->has_caps = true;
	if (base->has_caps)
		p->caps = base->caps;
	/* --cap X: bounding, effective and permitted only. Inheritable or
	 * ambient would hand X on across every later execve of an
	 * unprivileged program in the container (CVE-2022-29162). */
	p->caps.bounding |= o->caps;
	p->caps.effective |= o->caps;
	p->caps.permitted |= o->caps;
	p->no_new_privileges = base->no_new_privileges || o->no_new_privs;
	p->terminal = o->tty;
	/* as runc: the container's scheduling settings carry over */
	p->has_io_priority = base->has_io_priority;
	p->io_priority = base->io_priority;
	p->has_scheduler = base->has_scheduler;
	p->scheduler = base->scheduler;
	if ((base->cpus_initial && !(p->cpus_initial = strdup(base->cpus_initial))) ||
	    (base->cpus_final && !(p->cpus_final = strdup(base->cpus_final))))
		return hrun_err(ENOMEM, "exec: process.execCPUAffinity: out of memory");
	if (base->n_rlimits) {
		p->rlimits = malloc(base->n_rlimits * sizeof(*p->rlimits));
		if (!p->rlimits)
			return hrun_err(ENOMEM, "exec: process.rlimits: out of memory");
		memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof(*p->rlimits));
		p->n_rlimits = base->n_rlimits;
	}
	return 0;
}

/* OPT if given, else the process's own, else the container's (BASE). */
static int pick_label(char **dst, const char *opt, const char *base)
{
	const char *v = opt && *opt ? opt : *dst ? NULL : base;
	char *s;

	if (!v)
		return 0;
	s = strdup(v);
	if (!s)
		return hrun_err(ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* --apparmor, --process-label: an exec process is as confined as the
 * init unless told otherwise (a process.json without a profile inherits
 * the container's: it does not run unconfined). */
static int build_lsm(struct exec_ctx *c)
{
	const struct hrun_process *base = &c->spec->process;
	int r;

	r = pick_label(&c->proc.apparmor_profile, c->o->apparmor, base->apparmor_profile);
	if (r < 0)
		return r;
	r = pick_label(&c->proc.selinux_label, c->o->process_label, base->selinux_label);
	if (r < 0)
		return r;
	return lsm_check_process(&c->proc);
}

static int build_process(struct exec_ctx *c)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (!c->o->process_file) {
		if (!c->o->args || !c->o->args[0])
			return hrun_err(EINVAL, "exec: missing command (or --process FILE)");
		return build_process_from_args(c);
	}
	r = util_read_file(c->o->process_file, HRUN_SPEC_MAX_SIZE, &text, &len);
	if (r < 0)
		return hrun_err_prefix(r, "--process");
	r = spec_parse_process(c->o->process_file, text, len, &c->proc);
	if (r < 0)
		return r;
	if (c->o->tty)
		c->proc.terminal = true;
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

static int prepare(struct exec_ctx *c)
{
	int r = open_target(c);

	if (r < 0)
		return r;
	r = build_process(c);
	if (r < 0)
		return r;
	r = build_lsm(c);
	if (r < 0)
		return r;
	if (c->spec->linux_cfg.seccomp) {
		r = seccomp_compile_for_root(c->spec->linux_cfg.seccomp, c->o->root, &c->bpf);
		if (r < 0)
			return r;
		c->has_bpf = true;
	}
	r = sync_pair(c->sync);
	if (r < 0)
		return r;
	if (c->proc.terminal) {
		int sp[2];

		if (c->o->console_socket)
			return terminal_connect_socket(c->o->console_socket, &c->console);
		if (c->o->detach)
			return hrun_err(EINVAL, "exec --tty --detach needs --console-socket");
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
			return hrun_syserr(errno, "socketpair");
		c->relay = sp[0];
		c->console = sp[1];
	}
	return differing_namespaces(c->st.pid, &c->child_ns);
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
	unsigned long pre = c->child_ns & (CLONE_NEWPID | CLONE_NEWTIME);
	struct clone_args ca = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&c->child_pidfd,
		.exit_signal = SIGCHLD,
	};

	_cleanup_close_ int own_pid = -1, own_time = -1;
	int r;

	/* pid and time namespaces apply to children: join them here so the
	 * exec process is born inside, with no second fork; remember ours to
	 * go back right after (our later children, e.g. a sanitizer's
	 * tracer, must not be born in the container) */
	if (pre) {
		own_pid = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
		own_time = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
		if (own_pid < 0)
			return hrun_syserr(errno, "open /proc/self/ns/pid_for_children");
		if (setns(c->pidfd, (int)pre) < 0)
			return hrun_syserr(errno, "join the pid namespace of container `%s`",
					   c->o->id);
	}
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
	if (c->cgroup_fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)c->cgroup_fd;
	}
	c->pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (c->pid < 0 && c->cgroup_fd >= 0) {
		ca.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		c->pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
		if (c->pid > 0) {
			r = cgroup_enter(c->st.cgroup_path, c->pid);
			if (r < 0) {
				(void)kill(c->pid, SIGKILL);
				return hrun_err_prefix(r, "exec: join the container's cgroup");
			}
		}
	}
	if (c->pid == 0)
		child_entry(c);
	if (c->pid < 0)
		return hrun_syserr(errno, "clone3");
	if (own_pid >= 0 && setns(own_pid, CLONE_NEWPID) < 0)
		return hrun_syserr(errno, "return to our pid namespace");
	if ((pre & CLONE_NEWTIME) && own_time >= 0 && setns(own_time, CLONE_NEWTIME) < 0)
		return hrun_syserr(errno, "return to our time namespace");
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

static volatile sig_atomic_t exec_pid;

static void forward(int sig)
{
	if (exec_pid > 0)
		(void)kill((pid_t)exec_pid, sig);
}

static int wait_process(struct exec_ctx *c)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
	int status, master = -1;

	exec_pid = c->pid;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		(void)sigaction(sigs[i], &sa, NULL);
	if (c->relay >= 0 && sync_recv_fd(c->relay, &master) == 0) {
		(void)terminal_relay(master, c->child_pidfd);
		(void)close(master);
	}
	while (waitpid(c->pid, &status, 0) < 0) {
		if (errno != EINTR)
			return hrun_syserr(errno, "wait for the exec process");
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

	r = prepare(&c);
	if (r == 0)
		r = spawn(&c);
	if (r == 0 && c.pid > 0) {
		r = wait_started(&c);
		if (r == 0 && o->pid_file) {
			char buf[16];
			int n = snprintf(buf, sizeof(buf), "%d", c.pid);

			r = util_write_file_atomic(o->pid_file, buf, (size_t)n, 0644);
		}
		if (r < 0) {
			(void)kill(c.pid, SIGKILL);
			(void)waitpid(c.pid, NULL, 0);
		} else if (!o->detach) {
			r = wait_process(&c);
		}
	}
	exec_ctx_free(&c);
	return r;
}
