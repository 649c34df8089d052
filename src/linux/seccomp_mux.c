/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86 (i386) multiplexers socketcall(2) and ipc(2), which libseccomp
 * cannot filter faithfully.
 *
 * On i386 one syscall, socketcall(call, args), reaches every socket call,
 * with the arguments in memory where seccomp cannot read them. libseccomp
 * 2.5 therefore adds every rule for socket(), connect(), ... on x86 twice:
 * for the direct syscall (socket = 359, with its conditions) and for
 * socketcall with argument 0 REPLACED by the sub-call number (SYS_SOCKET)
 * and the other conditions kept (then comparing socketcall's pointer).
 * A rule "socket only for AF_INET" thus becomes "socketcall(SYS_SOCKET):
 * allow", whatever the family: a 64-bit process issuing `int $0x80` opens
 * AF_VSOCK sockets past the filter. Two such rules with different actions
 * (allow AF_INET, EAFNOSUPPORT for the rest) even collide (EEXIST).
 * ipc(2) is multiplexed the same way onto semop, msgget, shmat, ...
 *
 * hrun never lets a condition be dropped silently. When the filter holds
 * the x86 ABI, for each multiplexer:
 *   - an explicit unconditional rule for it whose action is not the
 *     default is left to libseccomp (it overrides the multiplexed rules,
 *     e.g. Docker's "socketcall: allow": the profile's author asked for
 *     it);
 *   - otherwise, if the profile names the multiplexer unconditionally with
 *     the default action (which libseccomp refuses to add: "same as the
 *     default"), or has a conditional rule for one of its sub-calls, the
 *     multiplexer gets the default action on x86: a guard ahead of
 *     libseccomp's program answers it before anything else, and a
 *     placeholder rule (never reached) keeps libseccomp from building or
 *     rejecting the condition-less multiplexed rules.
 * The direct i386 syscalls (socket = 359, ...) keep their real rules.
 */
#define _GNU_SOURCE
#include "seccomp-internal.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/error.h"

static const char *const mux_socket_calls[] = {
	"accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt",
	"listen", "recv", "recvfrom", "recvmmsg", "recvmsg", "send", "sendmmsg", "sendmsg",
	"sendto", "setsockopt", "shutdown", "socket", "socketpair", NULL,
};
static const char *const mux_ipc_calls[] = {
	"msgctl", "msgget", "msgrcv", "msgsnd", "semctl", "semget", "semop", "semtimedop",
	"shmat", "shmctl", "shmdt", "shmget", NULL,
};

static const struct {
	const char *name;
	int i386_nr;
	const char *const *calls;
} mux_table[SECCOMP_MUX_N] = {
	{ "socketcall", 102, mux_socket_calls },
	{ "ipc", 117, mux_ipc_calls },
};

static bool mux_names(const struct hrun_seccomp_rule *r, const char *name)
{
	for (char **n = r->names; n && *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

static bool mux_names_any(const struct hrun_seccomp_rule *r, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (mux_names(r, names[i]))
			return true;
	return false;
}

/* Does multiplexer M need the guard (see the header comment)? ACTION maps
 * a rule to its libseccomp action (< 0: invalid, left to the compiler's
 * own error path). */
static bool mux_needs_guard(const struct hrun_seccomp *spec, size_t m, uint32_t default_act,
			    int (*action)(const struct hrun_seccomp_rule *, uint32_t *))
{
	bool conditional = false;

	for (size_t i = 0; i < spec->n_syscalls; i++) {
		const struct hrun_seccomp_rule *r = &spec->syscalls[i];
		uint32_t act;

		if (action(r, &act) < 0)
			continue;
		if (r->n_args == 0 && mux_names(r, mux_table[m].name))
			return act == default_act; /* the first unconditional rule wins */
		if (r->n_args > 0 && act != default_act && mux_names_any(r, mux_table[m].calls))
			conditional = true;
	}
	return conditional;
}

int seccomp_mux_prepare(scmp_filter_ctx ctx, const struct hrun_seccomp *spec, uint32_t default_act,
			int (*action)(const struct hrun_seccomp_rule *, uint32_t *),
			struct seccomp_mux *ret)
{
	/* never reached (the guard answers first); only needs to differ from
	 * the default, and fails closed if it ever were reached */
	uint32_t placeholder = default_act == SCMP_ACT_KILL_PROCESS ? SCMP_ACT_KILL_THREAD
								     : SCMP_ACT_KILL_PROCESS;

	memset(ret, 0, sizeof(*ret));
	if (seccomp_arch_exist(ctx, SCMP_ARCH_X86) != 0)
		return 0;
	ret->action = default_act;
	for (size_t m = 0; m < SECCOMP_MUX_N; m++) {
		int nr, r;

		if (!mux_needs_guard(spec, m, default_act, action))
			continue;
		nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, mux_table[m].name);
		if (nr != mux_table[m].i386_nr)
			return hrun_err(EINVAL, "seccomp: libseccomp resolves i386 `%s` to %d, expected %d",
					mux_table[m].name, nr, mux_table[m].i386_nr);
		r = seccomp_rule_add_array(ctx, placeholder, seccomp_syscall_resolve_name(mux_table[m].name),
					   0, NULL);
		if (r < 0)
			return hrun_syserr(-r, "seccomp: cannot add the i386 `%s` rule", mux_table[m].name);
		ret->guard[m] = true;
	}
	return 0;
}

/* Prepend to PROG: on i386, the guarded multiplexers return the default
 * action. Jumps in classic BPF are relative, so the program after the
 * guard is unchanged. */
int seccomp_mux_apply(const struct seccomp_mux *mux, struct sock_fprog *prog)
{
	struct sock_filter g[2 + 2 * SECCOMP_MUX_N + 1];
	size_t n = 0, n_guards = 0;
	struct sock_filter *p;

	for (size_t m = 0; m < SECCOMP_MUX_N; m++)
		n_guards += mux->guard[m];
	if (n_guards == 0)
		return 0;
	g[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	/* Layout: 0 ld arch; 1 jeq i386; 2 ld nr; 3..3+k-1 jeq each guarded
	 * nr; 3+k ja +1; 3+k+1 ret action; 3+k+2 libseccomp's program (which
	 * loads what it needs itself). Not i386: on to 3+k+2. */
	g[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0,
					      (unsigned char)(n_guards + 3));
	g[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t m = 0, left = n_guards; m < SECCOMP_MUX_N; m++) {
		if (!mux->guard[m])
			continue;
		left--;
		/* match: on to the RET (past the LEFT other tests and the ja) */
		g[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)mux_table[m].i386_nr,
						      (unsigned char)(left + 1), 0);
	}
	/* none matched: jump over the RET into libseccomp's program */
	g[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0);
	g[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, mux->action);
	if (prog->len + n > BPF_MAXINSNS)
		return hrun_err(E2BIG, "seccomp: filter too large (%zu instructions, the kernel accepts %d)",
				prog->len + n, BPF_MAXINSNS);
	p = malloc((prog->len + n) * sizeof(*p));
	if (!p)
		return hrun_err(ENOMEM, "seccomp: out of memory");
	memcpy(p, g, n * sizeof(*p));
	memcpy(p + n, prog->filter, prog->len * sizeof(*p));
	free(prog->filter);
	prog->filter = p;
	prog->len = (unsigned short)(prog->len + n);
	return 0;
}
