/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From config.json to the container's PID 1: the one straight path.
 *
 * Runtime (parent)                          Container init (child)
 * ----------------                          ----------------------
 * parse config, policy, state dir
 * compile seccomp, create cgroup
 * clone3(namespaces, INTO_CGROUP) --------> (born in its namespaces/cgroup)
 * write uid/gid maps, move netDevices
 * #1 SYNC_MAPS_DONE ----------------------> become root of the userns, join
 *                                           ns paths, time ns, mounts, /dev,
 *                                           terminal
 *                   <---------------------- #2 SYNC_HOOKS_RUNTIME (if hooks)
 * prestart + createRuntime hooks
 * #2 SYNC_HOOKS_DONE ---------------------> createContainer hooks, pivot_root,
 *                                           sysctl, hostname, masks, ro root,
 *                                           rlimits, drop privileges, seccomp,
 *                                           find the executable
 *                   <---------------------- #3 SYNC_READY
 * state.json, pid file
 * create: exit (init waits on exec.fifo)    create: block reading exec.fifo
 * run:    #4 SYNC_START ------------------> run: wait for SYNC_START
 *                                           startContainer hooks, execve
 *
 * The runtime's steps are numbered in setup(); the init's follow the sync
 * points in child_main(). clone3 with its namespace joins and cgroup
 * placement, the wait and the pid file are spawn.c's, shared with exec.c.
 */
#define _GNU_SOURCE
#include "hrun/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/hooks.h"
#include "hrun/log.h"
#include "hrun/lsm.h"
#include "hrun/mount.h"
#include "hrun/netdev.h"
#include "hrun/ns.h"
#include "hrun/policy.h"
#include "hrun/process.h"
#include "hrun/sched.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"
#include "hrun/state.h"
#include "hrun/sync.h"
#include "hrun/terminal.h"
#include "hrun/util.h"

#include "spawn.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

enum init_mode {
	INIT_CREATE, /* wait on exec.fifo for `hrun start` */
	INIT_RUN,    /* wait for SYNC_START from the runtime */
};

struct init_ctx {
	const struct hrun_create_opts *o;
	enum init_mode mode;
	struct hrun_spec *spec;
	char *bundle; /* absolute */
	char *rootfs; /* absolute */
	int rootfs_fd; /* O_PATH, opened by the runtime */
	struct hrun_bind_sources binds; /* resolved once, judged, cloned */
	dev_t rootfs_dev; /* ...and what it is: a joined mount namespace */
	ino_t rootfs_ino; /* must show the same directory at c->rootfs */
	bool has_bpf;
	struct hrun_bpf bpf;
	struct hrun_cgroup cg;
	int ns_fds[HRUN_NS_COUNT];
	int sync[2];     /* [0] runtime end, [1] init end */
	int fifo;        /* exec.fifo, O_RDWR (create only) */
	int console;     /* console socket or relay socket (terminal only) */
	int relay[2];    /* run in the foreground with a terminal: [0] ours */
	int state_dirfd;
	bool late_cgroupns; /* clone3 could not place us: unshare after joining */
	unsigned parent_joined; /* bit t: namespace type t joined around the clone */
	bool wrote_pid_file;
	pid_t host_pid; /* in the child: its pid in the runtime's namespace */
	pid_t pid;
	int pidfd;
	struct hrun_state st;
};

static void ctx_init(struct init_ctx *c, const struct hrun_create_opts *o, enum init_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->o = o;
	c->mode = mode;
	c->cg.dirfd = -1;
	c->sync[0] = c->sync[1] = -1;
	c->fifo = c->console = c->relay[0] = c->relay[1] = -1;
	c->state_dirfd = c->pidfd = c->rootfs_fd = -1;
	for (int t = 0; t < HRUN_NS_COUNT; t++)
		c->ns_fds[t] = -1;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* ---------------------------------------------------------------- child -- */

static int child_bind_console(void *arg, const char *slave_path)
{
	struct hrun_mount_ctx *m = arg;

	/* /dev/console only exists in a /dev the runtime populates */
	for (size_t i = 0; i < m->spec->n_mounts; i++)
		if (strcmp(m->spec->mounts[i].destination, "/dev") == 0)
			return mount_console(m, slave_path);
	return 0;
}

/* setns(CLONE_NEWNS) reset our root and cwd to the joined namespace's
 * `/`: look the rootfs up there by its path and make sure it is the very
 * directory the runtime opened (device and inode), then stay in it (the
 * chroot in child_filesystem takes "."). */
static int child_enter_joined_rootfs(const struct init_ctx *c)
{
	const char *ns = c->spec->linux_cfg.namespaces[HRUN_NS_MOUNT].path;
	struct stat st;

	if (chdir(c->rootfs) < 0)
		return hrun_syserr(errno, "linux.namespaces: mount `%s`: the rootfs `%s` is not "
				   "reachable in that mount namespace", ns, c->rootfs);
	if (stat(".", &st) < 0)
		return hrun_syserr(errno, "linux.namespaces: mount `%s`: stat the rootfs `%s`", ns,
				   c->rootfs);
	if (st.st_dev != c->rootfs_dev || st.st_ino != c->rootfs_ino)
		return hrun_err(EXDEV, "linux.namespaces: mount `%s`: `%s` is another directory "
			       "in that mount namespace than the bundle's rootfs", ns, c->rootfs);
	return 0;
}

/* Namespaces and identity, right after sync #1. */
static int child_enter_namespaces(struct init_ctx *c)
{
	const struct hrun_linux *l = &c->spec->linux_cfg;
	int r;

	r = ns_join(c->ns_fds, HRUN_NS_USER);
	if (r < 0)
		return r;
	/* become root of a new user namespace when root is mapped (needed for
	 * files we create); keep the unmapped id otherwise */
	if (l->namespaces[HRUN_NS_USER].enabled) {
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			return hrun_syserr(errno, "setresgid(0) in the user namespace");
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			return hrun_syserr(errno, "setresuid(0) in the user namespace");
		/* the id change made us non-dumpable, so /proc/self files would
		 * belong to (unmapped) host root; no other process is in the
		 * container yet: become dumpable until READY (see there) */
		if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			return hrun_syserr(errno, "prctl(PR_SET_DUMPABLE)");
		/* the id change also cleared the parent-death signal: until
		 * READY a dying runtime still takes us with it */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
			return hrun_syserr(errno, "prctl(PR_SET_PDEATHSIG)");
	}
	for (int t = HRUN_NS_MOUNT; t < HRUN_NS_COUNT; t++) {
		if (c->parent_joined & (1u << t))
			continue; /* joined by the runtime around the clone */
		r = ns_join(c->ns_fds, t);
		if (r < 0)
			return r;
		if (t == HRUN_NS_MOUNT && c->ns_fds[t] >= 0) {
			r = child_enter_joined_rootfs(c);
			if (r < 0)
				return r;
		}
	}
	if (c->late_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
		return hrun_syserr(errno, "create the cgroup namespace");
	r = ns_create_time(c->spec);
	if (r < 0)
		return r;
	if (l->namespaces[HRUN_NS_NET].enabled && !l->namespaces[HRUN_NS_NET].path) {
		r = ns_loopback_up();
		if (r < 0)
			return r;
	}
	ns_close_fds(c->ns_fds);
	if (setsid() < 0)
		return hrun_syserr(errno, "setsid");
	return 0;
}

/* Our pid as the runtime sees it: the first NSpid field of /proc/self/status,
 * read right after sync #1 while /proc is still the host's; 0 if unknown. */
static pid_t child_host_pid(void)
{
	_cleanup_free_ char *status = NULL;
	const char *p;

	if (util_read_file("/proc/self/status", 1 << 16, &status, NULL) < 0) {
		hrun_err_clear();
		return 0;
	}
	p = strstr(status, "\nNSpid:");
	return p ? (pid_t)strtol(p + strlen("\nNSpid:"), NULL, 10) : 0;
}

/* createContainer and startContainer hooks, run by the init itself, get
 * the state on stdin like the runtime's hooks. */
static int child_run_hooks(struct init_ctx *c, enum hrun_hook_kind kind, enum hrun_status status)
{
	struct hrun_state st = {
		.id = (char *)c->o->id,
		.pid = c->host_pid,
		.bundle = c->bundle,
		.rootfs = c->rootfs,
		.owner = (char *)"",
		.annotations = json_object(),
	};
	int r;

	for (size_t i = 0; i < c->spec->n_annotations; i++)
		json_object_set_new(st.annotations, c->spec->annotations[i].key,
				    json_string(c->spec->annotations[i].value));
	r = hooks_run_state(c->spec, kind, &st, status);
	json_decref(st.annotations);
	return r;
}

/* No new mount namespace: chroot into the rootfs (our cwd, set at clone,
 * or entered in a joined mount namespace by child_enter_joined_rootfs). */
static int child_chroot(const struct hrun_spec *spec)
{
	if (chroot(".") < 0 || chdir("/") < 0)
		return hrun_syserr(errno, "chroot into the rootfs");
	return process_set_kernel_params(spec);
}

/* The filesystem: mounts, devices, terminal, hooks, pivot, masks. */
static int child_filesystem(struct init_ctx *c, struct hrun_mount_ctx *m)
{
	const struct hrun_spec *spec = c->spec;
	int r;

	const struct hrun_namespace *mnt = &spec->linux_cfg.namespaces[HRUN_NS_MOUNT];
	bool mntns = mnt->enabled && !mnt->path;

	/* no mount namespace: the container inherits the runtime's (as the
	 * runtime-spec says) and only its root changes (chroot); a joined one
	 * is shared the same way (its other processes would see our mounts
	 * and pivot_root); the parser refused every field that would need a
	 * mount in it */
	if (mntns) {
		r = mount_prepare_rootfs(m);
		if (r < 0)
			return r;
		r = mount_config_mounts(m);
		mount_sources_clear(&c->binds); /* attached: the fds are done with */
		if (r < 0)
			return r;
	}
	if (mntns && spec->process.terminal && c->console >= 0) {
		r = terminal_setup_child(m->rootfd, c->console, &spec->process, child_bind_console, m);
		if (r < 0)
			return r;
		close_fd(&c->console);
	}
	/* sync #2: runtime hooks see the mounts before pivot_root */
	if (spec->hooks[HRUN_HOOK_PRESTART].n || spec->hooks[HRUN_HOOK_CREATE_RUNTIME].n) {
		r = sync_send(c->sync[1], SYNC_HOOKS_RUNTIME);
		if (r < 0)
			return hrun_syserr(-r, "sync #2");
		r = sync_expect(c->sync[1], SYNC_HOOKS_DONE);
		if (r < 0)
			return r;
	}
	if (spec->hooks[HRUN_HOOK_CREATE_CONTAINER].n) {
		r = child_run_hooks(c, HRUN_HOOK_CREATE_CONTAINER, HRUN_STATUS_CREATING);
		if (r < 0)
			return r;
	}
	if (!mntns)
		return child_chroot(spec);
	r = mount_pivot(m, c->o->no_pivot);
	if (r < 0)
		return r;
	/* sysctl and hostname before readonlyPaths lock /proc/sys */
	r = process_set_kernel_params(spec);
	if (r < 0)
		return r;
	return mount_finalize(m);
}

/* Wait for the go signal: `hrun start` (fifo) or `hrun run` (sync #4). */
static int child_wait_start(struct init_ctx *c)
{
	char b;
	ssize_t n;

	if (c->mode == INIT_RUN)
		return sync_expect(c->sync[1], SYNC_START);
	close_fd(&c->sync[1]);
	do
		n = read(c->fifo, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(1);
	close_fd(&c->fifo);
	return 0;
}

static int child_main(struct init_ctx *c)
{
	struct hrun_mount_ctx m = {
		.spec = c->spec,
		.rootfs = c->rootfs,
		.cgroup_path = c->cg.path,
		.userns = c->spec->linux_cfg.namespaces[HRUN_NS_USER].enabled,
		.binds = &c->binds,
		.rootfd = -1,
		.devnull = -1,
	};
	_cleanup_free_ char *exe = NULL;
	int r;

	/* sync #1: maps written, cgroup joined */
	r = sync_expect(c->sync[1], SYNC_MAPS_DONE);
	if (r < 0)
		return r;
	if (c->spec->hooks[HRUN_HOOK_CREATE_CONTAINER].n || c->spec->hooks[HRUN_HOOK_START_CONTAINER].n)
		c->host_pid = child_host_pid();
	r = child_enter_namespaces(c);
	if (r < 0)
		return r;
	r = child_filesystem(c, &m);
	if (r < 0)
		return r;
	r = process_set_limits(&c->spec->process, &c->spec->linux_cfg);
	if (r < 0)
		return r;
	/* the session keyring gets the process label */
	r = lsm_set_keycreate(&c->spec->process);
	if (r < 0)
		return r;
	/* ioPriority, scheduler, memoryPolicy: after the filesystem setup
	 * (whose allocations need no NUMA placement), while we still hold the
	 * capabilities a realtime policy needs; execve keeps them.
	 * (execCPUAffinity is for exec'd processes only: runtime-spec) */
	r = sched_apply(&c->spec->process, &c->spec->linux_cfg);
	if (r < 0)
		return r;
	/* after pivot_root: "/" is the container's, its /etc/passwd names HOME */
	r = process_default_home(&c->spec->process);
	if (r < 0)
		return r;
	if (!c->o->no_new_keyring &&
	    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 && errno != ENOSYS)
		return hrun_syserr(errno, "join a new session keyring");
	mount_ctx_clear(&m);
	/* before the cwd is entered: close everything but stdio, the
	 * preserved fds and our own channels (an inherited directory fd
	 * would be a way back to the host) */
	{
		const int keep[] = { c->sync[1], c->fifo, log_file_fd() };

		r = util_close_fds_from(3 + (int)c->o->preserve_fds, keep, ARRAY_SIZE(keep));
		if (r < 0)
			return r;
	}
	/* once our capabilities are dropped, the capability check no longer
	 * keeps out a process of the same uid (another container sharing our
	 * pid namespace, or `hrun exec` from READY on) while hrun's code
	 * still runs here: none of them may open our /proc/PID/mem, environ
	 * (the runtime's environment), fd/ or exe; execve resets this. So
	 * non-dumpable before the drop. (Not earlier: the setup writes
	 * /proc/self files, which then belong to root.) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return hrun_syserr(errno, "prctl(PR_SET_DUMPABLE)");
	r = process_drop_privileges(&c->spec->process, c->has_bpf ? &c->bpf : NULL);
	if (r < 0)
		return r;
	/* a missing command fails `create`, not `start` */
	r = process_find_executable(&c->spec->process, &exe);
	if (r < 0)
		return r;
	/* `create` and `run -d` exit once the container runs: stop tying our
	 * life to them first (a parent dying before READY still takes us
	 * with it) */
	if (c->mode == INIT_CREATE || c->o->detach)
		(void)prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	/* sync #3 */
	r = sync_send(c->sync[1], SYNC_READY);
	if (r < 0)
		return hrun_syserr(-r, "sync #3");
	r = child_wait_start(c);
	if (r < 0)
		return r;
	if (c->spec->hooks[HRUN_HOOK_START_CONTAINER].n) {
		r = child_run_hooks(c, HRUN_HOOK_START_CONTAINER, HRUN_STATUS_CREATED);
		if (r < 0)
			return r;
	}
	return process_exec(exe, &c->spec->process);
}

/* The init's signal mask is empty whatever the runtime blocked (sandbox
 * blocks SIGINT/SIGTERM until its wait loop reads them); its stdio is
 * o->stdio where given. */
static int child_stdio(const struct init_ctx *c)
{
	sigset_t none;

	(void)sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		return hrun_syserr(errno, "reset the signal mask");
	for (int fd = 0; c->o->stdio && fd < 3; fd++)
		if (c->o->stdio[fd] >= 0 && dup2(c->o->stdio[fd], fd) < 0)
			return hrun_syserr(errno, "set up the container's fd %d", fd);
	return 0;
}

static void __attribute__((noreturn)) child_entry(struct init_ctx *c)
{
	int r;

	/* drop what belongs to the runtime: the state lock above all (flock
	 * is shared by fork, and we may live long after `create`) */
	close_fd(&c->sync[0]);
	close_fd(&c->state_dirfd);
	close_fd(&c->relay[0]);
	close_fd(&c->cg.dirfd);
	close_fd(&c->rootfs_fd);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	r = child_stdio(c);
	if (r == 0)
		r = child_main(c);
	if (c->sync[1] >= 0)
		(void)sync_send_error(c->sync[1], r);
	else
		log_error(hrun_errmsg());
	_exit(1);
}

/* --------------------------------------------------------------- parent -- */

static int prepare_paths(struct init_ctx *c)
{
	struct stat st;
	int r;

	c->bundle = realpath(c->o->bundle ? c->o->bundle : ".", NULL);
	if (!c->bundle)
		return hrun_syserr(errno, "bundle `%s`", c->o->bundle ? c->o->bundle : ".");
	/* the same resolution `hrun check` makes */
	r = mount_resolve_rootfs(c->bundle, c->spec->root_path, &c->rootfs);
	if (r < 0)
		return r;
	c->rootfs_fd = open(c->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->rootfs_fd < 0)
		return hrun_syserr(errno, "open root.path `%s`", c->rootfs);
	if (fstat(c->rootfs_fd, &st) < 0)
		return hrun_syserr(errno, "stat root.path `%s`", c->rootfs);
	c->rootfs_dev = st.st_dev;
	c->rootfs_ino = st.st_ino;
	/* bind sources: resolved once, here, before the policy judges them */
	return mount_resolve_sources(c->spec, c->bundle, &c->binds);
}

/* No cgroup v2 hierarchy, so no eBPF device filter: only hrun's own /dev
 * limits the devices. Refuse what that cannot enforce: an allow rule
 * beyond the standard devices, and CAP_MKNOD outside a user namespace
 * (mknod of any host device node, then open it). */
static int refuse_unfiltered_devices(const struct hrun_spec *spec)
{
	const struct hrun_resources *res = &spec->linux_cfg.resources;
	const struct hrun_process *p = &spec->process;

	for (size_t i = 0; i < res->n_devices; i++)
		if (!cgroup_devices_rule_is_standard(&res->devices[i]))
			return hrun_err(ENOTSUP, "linux.resources.devices[%zu]: this host has no "
						 "cgroup v2 hierarchy for a device filter: only deny "
						 "rules and the standard devices are enforceable", i);
	if (!spec->linux_cfg.namespaces[HRUN_NS_USER].enabled && p->has_caps &&
	    (p->caps.bounding & (1ULL << CAP_MKNOD)))
		return hrun_err(ENOTSUP, "process.capabilities.bounding: CAP_MKNOD: this host has "
					 "no cgroup v2 hierarchy for a device filter");
	return 0;
}

static int prepare_cgroup(struct init_ctx *c)
{
	const struct hrun_linux *l = &c->spec->linux_cfg;
	_cleanup_free_ char *path = NULL;
	int r;

	if (!cgroup_root()) {
		const struct hrun_resources *res = &l->resources;
		bool limits = res->has_mem_limit || res->has_mem_reservation || res->has_mem_swap ||
			      res->has_pids_limit || res->has_cpu_quota || res->has_cpu_shares ||
			      res->has_cpu_period || res->cpu_cpus || res->cpu_mems ||
			      res->has_cpu_idle || res->has_blkio_weight || res->n_blkio_read_bps ||
			      res->n_blkio_write_bps || res->n_blkio_read_iops ||
			      res->n_blkio_write_iops || res->n_blkio_weight_device ||
			      res->n_hugepage_limits || res->n_unified;

		/* never a silent drop: limits need a cgroup v2 hierarchy (the
		 * device list is enforced by hrun's own /dev, which only holds
		 * the standard devices and linux.devices) */
		if (l->has_resources && limits)
			return hrun_err(ENOTSUP, "linux.resources: this host has no cgroup v2 "
						 "hierarchy to apply the limits");
		return refuse_unfiltered_devices(c->spec);
	}
	r = cgroup_resolve_path(l->cgroups_path, c->o->id, c->o->systemd_cgroup, &path);
	if (r < 0)
		return r;
	/* recorded before it exists: a create killed right after the mkdir
	 * leaves no cgroup that `delete --force` does not know of */
	c->st.cgroup_path = strdup(path);
	if (!c->st.cgroup_path)
		return hrun_err(ENOMEM, "state: out of memory");
	r = state_update(c->state_dirfd, &c->st);
	if (r < 0)
		return r;
	return cgroup_create(path, l->has_resources ? &l->resources : NULL, &c->cg);
}

static int prepare_channels(struct init_ctx *c)
{
	int r = sync_pair(c->sync);

	if (r < 0)
		return r;
	if (c->mode == INIT_CREATE) {
		if (mkfifoat(c->state_dirfd, HRUN_STATE_FIFO, 0600) < 0)
			return hrun_syserr(errno, "create exec fifo");
		/* O_RDWR: opening does not block, and because the init itself
		 * holds a writer, its read() waits (instead of seeing EOF) until
		 * `hrun start` writes a byte */
		c->fifo = openat(c->state_dirfd, HRUN_STATE_FIFO, O_RDWR | O_CLOEXEC);
		if (c->fifo < 0)
			return hrun_syserr(errno, "open exec fifo");
	}
	if (!c->spec->process.terminal)
		return 0;
	if (c->o->console_socket)
		return terminal_connect_socket(c->o->console_socket, &c->console);
	if (c->mode == INIT_CREATE || c->o->detach)
		return hrun_err(EINVAL, "process.terminal: --console-socket is required when detached");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c->relay) < 0)
		return hrun_syserr(errno, "socketpair");
	c->console = c->relay[1];
	c->relay[1] = -1;
	return 0;
}

static int spawn_init(struct init_ctx *c)
{
	struct spawn s = {
		.flags = ns_new_flags(c->spec),
		/* namespaces given by path that the child could not join
		 * itself (pid, time; net/ipc/uts/cgroup with a new user
		 * namespace): joined for the clone only (see ns_clone_enter) */
		.spec = c->spec,
		.ns_fds = c->ns_fds,
		.ns_pidfd = -1,
		/* clone from inside the rootfs: the child's cwd then names it
		 * in the new mount namespace, without a path lookup that the
		 * root of a new user namespace might not be allowed to do */
		.cwd_fd = c->rootfs_fd,
		.cgroup_fd = c->cg.dirfd,
		.cgroup_path = c->cg.path,
		.id = c->o->id,
	};
	int r = spawn_clone(&s);

	if (r == 0) {
		c->parent_joined = s.parent_joined;
		c->late_cgroupns = s.late_cgroupns;
		child_entry(c);
	}
	if (r < 0)
		return r;
	c->pid = s.pid;
	c->pidfd = s.pidfd;
	close_fd(&c->sync[1]);
	close_fd(&c->console);
	close_fd(&c->fifo);
	if (c->spec->linux_cfg.namespaces[HRUN_NS_USER].enabled &&
	    !c->spec->linux_cfg.namespaces[HRUN_NS_USER].path) {
		r = ns_write_id_maps(c->pid, c->spec);
		if (r < 0)
			return r;
	}
	r = process_set_oom_score_adj(c->pid, &c->spec->process);
	if (r < 0)
		return r;
	/* linux.netDevices: the runtime holds the devices (its network
	 * namespace) and CAP_NET_ADMIN over both; the child's namespace (new
	 * at clone, or the path it joins after #1) exists now, and nothing
	 * runs in the container before #1 */
	r = netdev_move_all(c->spec, c->pid, c->ns_fds[HRUN_NS_NET]);
	if (r < 0)
		return r;
	/* sync #1 */
	r = sync_send(c->sync[0], SYNC_MAPS_DONE);
	if (r < 0)
		return hrun_syserr(-r, "sync #1");
	return 0;
}

static int fill_state(struct init_ctx *c)
{
	char now[64];
	json_t *ann = json_object();

	for (size_t i = 0; i < c->spec->n_annotations; i++)
		json_object_set_new(ann, c->spec->annotations[i].key,
				    json_string(c->spec->annotations[i].value));
	util_rfc3339_now(now, sizeof(now));
	c->st.id = strdup(c->o->id);
	c->st.status = HRUN_STATUS_CREATING;
	c->st.creator_pid = getpid();
	(void)util_proc_start_time(c->st.creator_pid, &c->st.creator_start);
	c->st.bundle = strdup(c->bundle);
	c->st.rootfs = strdup(c->rootfs);
	c->st.created = strdup(now);
	c->st.owner = strdup("");
	c->st.annotations = ann;
	c->st.detached = c->mode == INIT_CREATE || c->o->detach;
	if (!c->st.id || !c->st.bundle || !c->st.rootfs || !c->st.created || !c->st.owner || !ann)
		return hrun_err(ENOMEM, "state: out of memory");
	return 0;
}

static int run_runtime_hooks(struct init_ctx *c, enum hrun_hook_kind kind, enum hrun_status status)
{
	return hooks_run_state(c->spec, kind, &c->st, status);
}

/* Serve the child until sync #3 (READY). */
static int wait_ready(struct init_ctx *c)
{
	for (;;) {
		struct hrun_sync_msg msg;
		int r = sync_recv(c->sync[0], &msg);

		if (r == -EPIPE)
			return hrun_err(EPIPE, "container init exited during setup");
		if (r < 0)
			return r;
		if (msg.type == SYNC_READY)
			return 0;
		if (msg.type != SYNC_HOOKS_RUNTIME)
			return hrun_err(EPROTO, "sync: unexpected message %u", msg.type);
		r = run_runtime_hooks(c, HRUN_HOOK_PRESTART, HRUN_STATUS_CREATING);
		if (r == 0)
			r = run_runtime_hooks(c, HRUN_HOOK_CREATE_RUNTIME, HRUN_STATUS_CREATING);
		if (r < 0)
			return r;
		r = sync_send(c->sync[0], SYNC_HOOKS_DONE);
		if (r < 0)
			return hrun_syserr(-r, "sync #2");
	}
}

static void kill_init(struct init_ctx *c)
{
	spawn_kill(c->pid);
	c->pid = 0;
}

/* Undo everything: used on failure and after `run` without --keep. */
static void teardown(struct init_ctx *c)
{
	char saved[HRUN_ERRMSG_MAX];

	/* the message of what failed is the one the user sees */
	(void)snprintf(saved, sizeof(saved), "%s", hrun_errmsg());
	/* without a pid namespace the init's children outlive it */
	if (c->cg.path) {
		(void)cgroup_kill_all(c->cg.path, SIGKILL);
		(void)cgroup_destroy(c->cg.path);
	}
	if (c->state_dirfd >= 0 && state_lock(c->state_dirfd) == 0) {
		(void)state_remove(c->o->root, c->o->id, c->state_dirfd);
		state_unlock(c->state_dirfd);
	}
	if (c->wrote_pid_file)
		(void)unlink(c->o->pid_file);
	hrun_err_set(saved);
}

static void ctx_free(struct init_ctx *c)
{
	close_fd(&c->sync[0]);
	close_fd(&c->sync[1]);
	close_fd(&c->fifo);
	close_fd(&c->console);
	close_fd(&c->relay[0]);
	close_fd(&c->relay[1]);
	close_fd(&c->pidfd);
	close_fd(&c->state_dirfd);
	close_fd(&c->rootfs_fd);
	ns_close_fds(c->ns_fds);
	cgroup_clear(&c->cg);
	if (c->has_bpf)
		seccomp_bpf_clear(&c->bpf);
	state_clear(&c->st);
	mount_sources_clear(&c->binds);
	spec_free(c->spec);
	free(c->bundle);
	free(c->rootfs);
}

/* Reserve the id: the state dir, with state.json ("creating") and the
 * config snapshot in it from the first moment, so that every command sees
 * the container and `delete --force` can clean up after a killed create. */
static int reserve_id(struct init_ctx *c, const char *text, size_t len)
{
	int r = fill_state(c);

	if (r < 0)
		return r;
	r = state_create(c->o->root, c->o->id, &c->st, &c->state_dirfd);
	if (r < 0)
		return r;
	return state_save_config(c->state_dirfd, text, len);
}

/* BUNDLE/config.json, or the config built in memory (hrun sandbox):
 * either way the same parser, and the exact text for the snapshot. */
static int load_config(struct init_ctx *c, char **ret_name, char **ret_text, size_t *ret_len)
{
	const struct hrun_create_opts *o = c->o;

	if (!o->config_text) {
		if (asprintf(ret_name, "%s/config.json", o->bundle ? o->bundle : ".") < 0)
			return hrun_err(ENOMEM, "out of memory");
		return spec_load_text(o->bundle ? o->bundle : ".", &c->spec, ret_text, ret_len);
	}
	*ret_name = strdup(o->config_name ? o->config_name : "config");
	*ret_text = malloc(o->config_len + 1);
	if (!*ret_name || !*ret_text)
		return hrun_err(ENOMEM, "out of memory");
	memcpy(*ret_text, o->config_text, o->config_len);
	(*ret_text)[o->config_len] = '\0';
	*ret_len = o->config_len;
	return spec_parse(*ret_name, *ret_text, *ret_len, &c->spec);
}

/* Everything up to a container whose init is ready (sync #3). */
static int setup(struct init_ctx *c)
{
	_cleanup_free_ char *config = NULL, *text = NULL;
	size_t len = 0;
	int r;

	/* 1. the config: read once, parsed, judged */
	r = state_validate_id(c->o->id);
	if (r < 0)
		return r;
	r = load_config(c, &config, &text, &len);
	if (r < 0)
		return r;
	r = spec_validate_run(c->spec);
	if (r < 0)
		return r;
	r = lsm_check_spec(c->spec);
	if (r < 0)
		return r;
	/* 2. bundle, rootfs and bind sources resolved, then the policy judges
	 * the model just parsed (config.json is not read again) with the
	 * bind sources as resolved */
	r = prepare_paths(c);
	if (r < 0)
		return r;
	r = policy_enforce(c->spec, &c->binds, config, c->o->policy);
	if (r < 0)
		return r;
	r = mount_clone_sources(c->spec, &c->binds);
	if (r < 0)
		return r;
	/* 3. the state dir: from here on every failure is undone */
	r = reserve_id(c, text, len);
	if (r < 0)
		return r;
	/* 4. what the clone needs: seccomp program, namespace paths, cgroup,
	 * sync socket, exec fifo, terminal */
	r = spawn_compile_seccomp(c->spec, c->o->root, &c->bpf, &c->has_bpf);
	if (r < 0)
		return r;
	r = ns_open_paths(c->spec, c->ns_fds);
	if (r < 0)
		return r;
	r = prepare_cgroup(c);
	if (r < 0)
		return r;
	log_debug("cgroup: %s", c->cg.path ? c->cg.path : "(none)");
	r = prepare_channels(c);
	if (r < 0)
		return r;
	/* 5. clone3, uid/gid maps, sync #1 */
	r = spawn_init(c);
	if (r < 0)
		return r;
	log_debug("init: pid %d, namespaces 0x%lx", c->pid, ns_new_flags(c->spec));
	/* 6. the runtime hooks of sync #2 see the pid; delete --force finds it */
	c->st.pid = c->pid;
	r = state_record_identity(&c->st);
	if (r == 0)
		r = state_update(c->state_dirfd, &c->st);
	if (r < 0)
		return r;
	/* 7. serve sync #2 (runtime hooks) until sync #3 (ready) */
	r = wait_ready(c);
	if (r < 0)
		return r;
	/* 8. created: state.json, pid file */
	c->st.status = HRUN_STATUS_CREATED;
	r = state_update(c->state_dirfd, &c->st);
	if (r < 0)
		return r;
	r = spawn_write_pid_file(c->o->pid_file, c->pid);
	c->wrote_pid_file = r == 0 && c->o->pid_file;
	log_debug("init: ready (sync #3), state written");
	return r;
}

static int create_or_fail(struct init_ctx *c)
{
	int r = setup(c);

	if (r < 0) {
		kill_init(c);
		teardown(c);
	}
	return r;
}

int container_create(const struct hrun_create_opts *o)
{
	struct init_ctx c;
	int r;

	ctx_init(&c, o, INIT_CREATE);
	r = create_or_fail(&c);
	ctx_free(&c);
	return r;
}

/* ------------------------------------------------------------------ run -- */

static int wait_exit(struct init_ctx *c)
{
	int status = spawn_wait(c->pid, "the container");

	if (status >= 0)
		c->pid = 0;
	return status;
}

/* After sync #4: exec happened (EOF) or failed (SYNC_ERROR). */
static int wait_exec(struct init_ctx *c)
{
	struct hrun_sync_msg msg;
	int r = sync_recv(c->sync[0], &msg);

	if (r == -EPIPE)
		return 0;
	return r < 0 ? r : hrun_err(EPROTO, "sync: unexpected message %u", msg.type);
}

/* hrun sandbox's wait (relay, limits, report) while the cgroup exists */
static int wait_with(struct init_ctx *c, int master)
{
	const struct container_running run = {
		.pid = c->pid,
		.pidfd = c->pidfd,
		.tty_master = master,
		.cgroup_path = c->cg.path,
	};
	int status = c->o->waiter->wait(c->o->waiter->arg, &run);

	if (master >= 0)
		(void)close(master);
	if (status >= 0)
		c->pid = 0; /* reaped */
	return status;
}

static int start_and_wait(struct init_ctx *c)
{
	int r, master = -1, status;

	if (!c->o->waiter)
		spawn_forward_signals(c->pid, true);
	if (c->relay[0] >= 0) {
		r = sync_recv_fd(c->relay[0], &master);
		if (r < 0)
			return r;
	}
	r = sync_send(c->sync[0], SYNC_START); /* sync #4 */
	if (r == 0)
		r = wait_exec(c);
	if (r == 0) {
		c->st.status = HRUN_STATUS_RUNNING;
		r = state_update(c->state_dirfd, &c->st);
	}
	if (r == 0) /* failures are warnings (runtime.md) */
		(void)run_runtime_hooks(c, HRUN_HOOK_POSTSTART, HRUN_STATUS_RUNNING);
	if (r < 0) {
		if (master >= 0)
			(void)close(master);
		return r;
	}
	if (c->o->detach)
		return 0;
	if (c->o->waiter)
		return wait_with(c, master);
	if (master >= 0) {
		(void)terminal_relay(master, c->pidfd);
		(void)close(master);
	}
	status = wait_exit(c);
	if (status >= 0)
		(void)run_runtime_hooks(c, HRUN_HOOK_POSTSTOP, HRUN_STATUS_STOPPED);
	return status;
}

int container_run(const struct hrun_create_opts *o)
{
	struct init_ctx c;
	int r;

	ctx_init(&c, o, INIT_RUN);
	r = create_or_fail(&c);
	if (r == 0) {
		r = start_and_wait(&c);
		if (r < 0)
			kill_init(&c);
		if (r >= 0 && !o->detach && o->keep) {
			c.st.status = HRUN_STATUS_STOPPED;
			(void)state_update(c.state_dirfd, &c.st);
		}
		if (r >= 0)
			c.wrote_pid_file = false; /* kept after the exit, as runc */
		if (r < 0 || (!o->detach && !o->keep))
			teardown(&c);
	}
	ctx_free(&c);
	return r;
}
