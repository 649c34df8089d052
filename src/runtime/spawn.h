/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SPAWN_H
#define HRUN_SPAWN_H

/*
 * The machinery both the container's init (container.c) and an exec'd
 * process (exec.c) are born and waited for with: clone3 with the
 * namespaces joined around it and CLONE_INTO_CGROUP (and its fallback),
 * the seccomp program compiled before it, signal forwarding, the wait and
 * its exit-status mapping, the pid file. Internal to src/runtime/.
 */

#include <stdbool.h>
#include <sys/types.h>

#include "hrun/seccomp.h"
#include "hrun/spec.h"

/* One clone3. The caller fills the inputs; spawn_clone() fills the rest. */
struct spawn {
	unsigned long flags; /* CLONE_NEW* of the child */
	/* namespaces joined for the clone only, then left (so that only the
	 * child is born in them): by path (the init: see ns_clone_enter) ... */
	const struct hrun_spec *spec;
	const int *ns_fds; /* [HRUN_NS_COUNT] from ns_open_paths(), or NULL */
	/* ... or those of a process (exec: CLONE_NEWPID|CLONE_NEWTIME) */
	int ns_pidfd;
	unsigned long ns_pidfd_flags;
	int cwd_fd;              /* the child's cwd (ours is restored), -1: ours */
	int cgroup_fd;           /* CLONE_INTO_CGROUP, -1: none */
	const char *cgroup_path; /* joined by pid when the kernel cannot place */
	const char *id;          /* the container's, for messages */

	/* set before the clone, so the child sees them too */
	unsigned parent_joined; /* bit t: namespace type t joined around the clone */
	bool late_cgroupns;     /* placed by pid: the child unshares CLONE_NEWCGROUP */
	/* the parent's */
	pid_t pid;
	int pidfd;
};

/* clone3 as S describes. Returns 0 in the child, the child's pid in the
 * parent (S->pid, S->pidfd), or a negative errno with a recorded message;
 * a child that was born before a failure is killed and reaped. In the
 * child, the fds spawn_clone() opened are closed; the caller's are not. */
int spawn_clone(struct spawn *s);

/* linux.seccomp compiled (or taken from the cache under STATE_ROOT) in the
 * runtime, before the clone: *HAS says whether BPF holds a program. */
int spawn_compile_seccomp(const struct hrun_spec *spec, const char *state_root,
			  struct hrun_bpf *bpf, bool *has);

/* Forward the signals a foreground runtime gets (TERM, INT, HUP, QUIT,
 * USR1, USR2 and, with WINCH, WINCH) to PID. */
void spawn_forward_signals(pid_t pid, bool winch);

/* Wait for PID; its exit status, 128 + the signal that killed it, or a
 * negative errno ("wait for WHAT"). */
int spawn_wait(pid_t pid, const char *what);

/* SIGKILL PID and reap it (PID <= 0: nothing). */
void spawn_kill(pid_t pid);

/* Write PID to PATH (atomically); PATH NULL: nothing. */
int spawn_write_pid_file(const char *path, pid_t pid);

#endif
