/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp -> classic BPF, with libseccomp.
 *
 * Semantics (the same as runc and crun, so a profile behaves alike in all
 * three):
 *   - the native architecture is always in the filter; each listed
 *     architecture is added to it (a listed native arch is not an error);
 *     syscalls of an architecture not in the filter hit libseccomp's
 *     "bad arch" action (kill);
 *   - unknown syscall names are skipped, so profiles written for newer
 *     kernels (fchmodat2, ...) still load;
 *   - a rule whose action equals the default action is skipped: libseccomp
 *     refuses it and it would change nothing;
 *   - args: all conditions of a rule are ANDed, except when two of them name
 *     the same argument index: then EVERY condition becomes its own rule
 *     (OR), because libseccomp cannot compare one argument twice in a rule;
 *   - SCMP_CMP_MASKED_EQ: "value" is the mask, "valueTwo" the datum;
 *   - ERRNO and TRACE return errnoRet, EPERM when it is absent;
 *   - on x86 (i386), socketcall and ipc are answered by the default action
 *     unless the profile allows them unconditionally, whenever libseccomp
 *     would otherwise drop a rule's conditions (seccomp_mux.c).
 *
 * Duplicate syscalls (libseccomp 2.5 behaviour, which we keep rather than
 * second-guess, so hrun, runc and crun agree): between two unconditional
 * rules for one syscall the FIRST wins; an unconditional rule overrides
 * every conditional rule for that syscall, whatever the order; conditional
 * rules accumulate.  The rare collisions libseccomp refuses (EEXIST, e.g.
 * socket() rules multiplexed onto x86's socketcall()) are errors naming the
 * rule.  Conditional rules with different actions may overlap: libseccomp
 * evaluates EQ comparisons before GE/GT/MASKED_EQ ones on the same argument
 * (relied upon, and tested, by profiles/seccomp/default.json's personality
 * rules).
 */
#define _GNU_SOURCE
#include "hrun/seccomp.h"
#include "seccomp-internal.h"

#include <ctype.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"

#define SECCOMP_MAX_ARGS 6

const char *const seccomp_known_archs[] = {
	"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",
	"SCMP_ARCH_ARM",      "SCMP_ARCH_AARCH64",   "SCMP_ARCH_MIPS",
	"SCMP_ARCH_MIPS64",   "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X",    "SCMP_ARCH_PARISC",    "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_RISCV64",  NULL,
};

/* SCMP_ACT_NOTIFY is absent on purpose: hrun has no listener support. */
const char *const seccomp_known_actions[] = {
	"SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          NULL,
};

const char *const seccomp_known_operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

const char *const seccomp_known_flags[] = {
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	NULL,
};

static void seccomp_ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

#define _cleanup_seccomp_ __attribute__((cleanup(seccomp_ctx_releasep)))

static const char *seccomp_action_name(enum hrun_seccomp_action a)
{
	switch (a) {
	case HRUN_SCMP_KILL: return "SCMP_ACT_KILL";
	case HRUN_SCMP_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
	case HRUN_SCMP_TRAP: return "SCMP_ACT_TRAP";
	case HRUN_SCMP_ERRNO: return "SCMP_ACT_ERRNO";
	case HRUN_SCMP_TRACE: return "SCMP_ACT_TRACE";
	case HRUN_SCMP_ALLOW: return "SCMP_ACT_ALLOW";
	case HRUN_SCMP_LOG: return "SCMP_ACT_LOG";
	case HRUN_SCMP_NOTIFY: return "SCMP_ACT_NOTIFY";
	}
	return "?";
}

/* Map an OCI action (+ errno) to a libseccomp action. WHERE names the JSON
 * location for error messages. */
static int seccomp_action(const char *where, enum hrun_seccomp_action a, bool has_errno,
			  unsigned errno_ret, uint32_t *ret)
{
	bool takes_errno = a == HRUN_SCMP_ERRNO || a == HRUN_SCMP_TRACE;

	if (has_errno && !takes_errno)
		return hrun_err(EINVAL, "%s: errno return value is only valid with SCMP_ACT_ERRNO "
				"and SCMP_ACT_TRACE, not %s", where, seccomp_action_name(a));
	/* SECCOMP_RET_DATA is 16 bits: larger values would be truncated silently */
	if (has_errno && errno_ret > 0xffff)
		return hrun_err(EINVAL, "%s: errno return value %u out of range (0-65535)", where, errno_ret);
	if (!has_errno)
		errno_ret = EPERM;

	switch (a) {
	case HRUN_SCMP_KILL: *ret = SCMP_ACT_KILL_THREAD; return 0;
	case HRUN_SCMP_KILL_PROCESS: *ret = SCMP_ACT_KILL_PROCESS; return 0;
	case HRUN_SCMP_TRAP: *ret = SCMP_ACT_TRAP; return 0;
	case HRUN_SCMP_ERRNO: *ret = SCMP_ACT_ERRNO(errno_ret); return 0;
	case HRUN_SCMP_TRACE: *ret = SCMP_ACT_TRACE(errno_ret); return 0;
	case HRUN_SCMP_ALLOW: *ret = SCMP_ACT_ALLOW; return 0;
	case HRUN_SCMP_LOG: *ret = SCMP_ACT_LOG; return 0;
	case HRUN_SCMP_NOTIFY:
		return hrun_err(EOPNOTSUPP, "%s: SCMP_ACT_NOTIFY is not supported (hrun has no seccomp listener)", where);
	}
	return hrun_err(EINVAL, "%s: unknown seccomp action %d", where, (int)a);
}

static int seccomp_operator(enum hrun_seccomp_op op, enum scmp_compare *ret)
{
	switch (op) {
	case HRUN_SCMP_CMP_NE: *ret = SCMP_CMP_NE; return 0;
	case HRUN_SCMP_CMP_LT: *ret = SCMP_CMP_LT; return 0;
	case HRUN_SCMP_CMP_LE: *ret = SCMP_CMP_LE; return 0;
	case HRUN_SCMP_CMP_EQ: *ret = SCMP_CMP_EQ; return 0;
	case HRUN_SCMP_CMP_GE: *ret = SCMP_CMP_GE; return 0;
	case HRUN_SCMP_CMP_GT: *ret = SCMP_CMP_GT; return 0;
	case HRUN_SCMP_CMP_MASKED_EQ: *ret = SCMP_CMP_MASKED_EQ; return 0;
	}
	return -EINVAL; /* the caller records */
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, via its own name table
 * ("x86_64"); only names in seccomp_known_archs are accepted. */
static uint32_t seccomp_arch_token(const char *name)
{
	const char *prefix = "SCMP_ARCH_";
	char lower[32];
	size_t i;
	bool known = false;

	for (i = 0; seccomp_known_archs[i]; i++)
		known = known || strcmp(name, seccomp_known_archs[i]) == 0;
	if (!known)
		return 0;
	name += strlen(prefix);
	for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower);
}

/* CPU family of an arch token (0: unknown). A kernel only ever enters
 * seccomp with the ABIs of its own family (x86_64 kernels: x86_64, i386,
 * x32; arm64 kernels: aarch64, arm). qemu-user emulation issues host
 * syscalls, so even then foreign-family arches never reach the filter. */
static int seccomp_arch_family(uint32_t token)
{
	switch (token) {
	case SCMP_ARCH_X86_64: case SCMP_ARCH_X86: case SCMP_ARCH_X32: return 1;
	case SCMP_ARCH_AARCH64: case SCMP_ARCH_ARM: return 2;
	case SCMP_ARCH_MIPS: case SCMP_ARCH_MIPS64: case SCMP_ARCH_MIPS64N32:
	case SCMP_ARCH_MIPSEL: case SCMP_ARCH_MIPSEL64: case SCMP_ARCH_MIPSEL64N32: return 3;
	case SCMP_ARCH_PPC: case SCMP_ARCH_PPC64: case SCMP_ARCH_PPC64LE: return 4;
	case SCMP_ARCH_S390: case SCMP_ARCH_S390X: return 5;
	case SCMP_ARCH_PARISC: case SCMP_ARCH_PARISC64: return 6;
	case SCMP_ARCH_RISCV64: return 7;
	}
	return 0;
}

static int seccomp_add_archs(scmp_filter_ctx ctx, char *const *archs)
{
	int native = seccomp_arch_family(seccomp_arch_native());

	for (size_t i = 0; archs && archs[i]; i++) {
		uint32_t token = seccomp_arch_token(archs[i]);
		int family = seccomp_arch_family(token);
		int r;

		if (token == 0)
			return hrun_err(EINVAL, "linux.seccomp.architectures[%zu]: unknown architecture `%s`",
					i, archs[i]);
		/* Why skip foreign families (aarch64 in a filter loaded on
		 * x86_64): they are dead code that cannot match, and every arch
		 * makes libseccomp's BPF generation markedly slower (default
		 * profile: ~2x for aarch64+arm on x86_64). */
		if (native && family && family != native)
			continue;
		r = seccomp_arch_add(ctx, token);
		/* EEXIST: the native arch, always present, or listed twice.
		 * EDOM: other byte order than the native arch (mips vs mipsel):
		 * such a kernel can never run that ABI either. */
		if (r < 0 && r != -EEXIST && r != -EDOM)
			return hrun_syserr(-r, "linux.seccomp.architectures[%zu]: cannot add `%s`", i, archs[i]);
	}
	return 0;
}

/* Convert RULE's conditions; returns true in *ret_split when two conditions
 * name the same argument (then each must become its own rule). */
static int seccomp_conditions(size_t idx, const struct hrun_seccomp_rule *rule,
			      struct scmp_arg_cmp *cmps, bool *ret_split)
{
	unsigned seen = 0;

	*ret_split = false;
	for (size_t k = 0; k < rule->n_args; k++) {
		const struct hrun_seccomp_arg *a = &rule->args[k];
		enum scmp_compare op;

		if (a->index >= SECCOMP_MAX_ARGS)
			return hrun_err(EINVAL, "linux.seccomp.syscalls[%zu].args[%zu]: index %u out of range (0-5)",
					idx, k, a->index);
		if (seccomp_operator(a->op, &op) < 0)
			return hrun_err(EINVAL, "linux.seccomp.syscalls[%zu].args[%zu]: unknown operator %d",
					idx, k, (int)a->op);
		if (seen & (1u << a->index))
			*ret_split = true;
		seen |= 1u << a->index;
		cmps[k] = (struct scmp_arg_cmp){ .arg = a->index, .op = op, .datum_a = a->value,
						 .datum_b = a->value_two };
	}
	return 0;
}

static int seccomp_add_one(scmp_filter_ctx ctx, size_t idx, const char *name, uint32_t act,
			   const struct scmp_arg_cmp *cmps, size_t n, bool split)
{
	int nr = seccomp_syscall_resolve_name(name);
	int r = 0;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to libseccomp: skipped, see the header comment */

	if (!split)
		r = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, n ? cmps : NULL);
	for (size_t k = 0; split && k < n && r == 0; k++)
		r = seccomp_rule_add_array(ctx, act, nr, 1, &cmps[k]);
	if (r == -EEXIST)
		return hrun_err(EEXIST, "linux.seccomp.syscalls[%zu]: rule for `%s` conflicts "
				"with an earlier rule for the same syscall", idx, name);
	if (r < 0)
		return hrun_syserr(-r, "linux.seccomp.syscalls[%zu]: cannot add rule for `%s`", idx, name);
	return 0;
}

static int seccomp_add_rule(scmp_filter_ctx ctx, size_t idx, const struct hrun_seccomp_rule *rule,
			    uint32_t default_act)
{
	struct scmp_arg_cmp cmps[64];
	char where[64];
	uint32_t act;
	bool split;
	int r;

	(void)snprintf(where, sizeof(where), "linux.seccomp.syscalls[%zu]", idx);
	r = seccomp_action(where, rule->action, rule->has_errno_ret, rule->errno_ret, &act);
	if (r < 0)
		return r;
	if (!rule->names || !rule->names[0])
		return hrun_err(EINVAL, "%s: names must not be empty", where);
	if (rule->n_args > ARRAY_SIZE(cmps))
		return hrun_err(EINVAL, "%s: too many args (%zu, at most %zu)", where, rule->n_args,
				ARRAY_SIZE(cmps));
	r = seccomp_conditions(idx, rule, cmps, &split);
	if (r < 0)
		return r;
	/* libseccomp rejects (EACCES) rules equal to the default; they are no-ops */
	if (act == default_act)
		return 0;
	for (size_t j = 0; rule->names[j]; j++) {
		r = seccomp_add_one(ctx, idx, rule->names[j], act, cmps, rule->n_args, split);
		if (r < 0)
			return r;
	}
	return 0;
}

static unsigned seccomp_kernel_flags(unsigned flags)
{
	unsigned k = 0;

	if (flags & HRUN_SECCOMP_FLAG_LOG)
		k |= SECCOMP_FILTER_FLAG_LOG;
	if (flags & HRUN_SECCOMP_FLAG_SPEC_ALLOW)
		k |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	if (flags & HRUN_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
		k |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	return k;
}

/* libseccomp 2.5 can only export to an fd: go through an anonymous memfd
 * and read the program back into memory. */
static int seccomp_export(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ struct sock_filter *insns = NULL;
	off_t size;
	size_t done = 0;
	int r;

	fd = memfd_create("hrun-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return hrun_syserr(errno, "seccomp: memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return hrun_syserr(-r, "seccomp: cannot generate the BPF program");
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return hrun_syserr(errno, "seccomp: lseek");
	if (size == 0 || size % sizeof(struct sock_filter) != 0)
		return hrun_err(EIO, "seccomp: exported BPF program has an invalid size (%jd bytes)", (intmax_t)size);
	if ((size_t)size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return hrun_err(E2BIG, "seccomp: filter too large (%zu instructions, the kernel accepts %d)",
				(size_t)size / sizeof(struct sock_filter), BPF_MAXINSNS);
	insns = malloc((size_t)size);
	if (!insns)
		return hrun_err(ENOMEM, "seccomp: out of memory");
	while (done < (size_t)size) {
		ssize_t n = pread(fd, (char *)insns + done, (size_t)size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrun_syserr(errno, "seccomp: read back BPF program");
		if (n == 0)
			return hrun_err(EIO, "seccomp: short read of the BPF program");
		done += (size_t)n;
	}
	ret->len = (unsigned short)((size_t)size / sizeof(struct sock_filter));
	ret->filter = TAKE_PTR(insns);
	return 0;
}

static int seccomp_new_ctx(const struct hrun_seccomp *spec, uint32_t *ret_default, scmp_filter_ctx *ret_ctx)
{
	scmp_filter_ctx ctx;
	int r;

	r = seccomp_action("linux.seccomp.defaultAction", spec->default_action,
			   spec->has_default_errno_ret, spec->default_errno_ret, ret_default);
	if (r < 0)
		return r;
	ctx = seccomp_init(*ret_default);
	if (!ctx)
		return hrun_err(ENOMEM, "seccomp: cannot create a filter context");
	/* hrun sets no_new_privs itself (process.noNewPrivileges), after the
	 * capability switch; the exported program must not imply it. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* SCMP_FLTATR_CTL_OPTIMIZE 2 (a binary tree on the syscall number)
	 * rather than 1 (a priority-sorted list): loading the default profile
	 * takes 0.25 ms instead of 0.89 ms (the kernel runs the filter for
	 * every syscall number at load to fill its action cache, a walk down
	 * the list each time), at every container start and exec. The price,
	 * a 1.6x slower generation and a 23% longer program, is paid once per
	 * filter (the cache) or at build time (the default profile). */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0) {
		seccomp_release(ctx);
		return hrun_syserr(-r, "seccomp: cannot set filter attributes");
	}
	*ret_ctx = ctx;
	return 0;
}

/* A rule's libseccomp action, without recording an error (for the
 * multiplexer pre-scan; seccomp_add_rule reports invalid actions). */
static int seccomp_rule_action(const struct hrun_seccomp_rule *rule, uint32_t *ret)
{
	int r = seccomp_action("", rule->action, rule->has_errno_ret, rule->errno_ret, ret);

	if (r < 0)
		hrun_err_clear();
	return r;
}

int seccomp_compile(const struct hrun_seccomp *spec, struct hrun_bpf *ret)
{
	_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
	struct seccomp_mux mux;
	uint32_t default_act;
	int r;

	r = seccomp_new_ctx(spec, &default_act, &ctx);
	if (r < 0)
		return r;
	r = seccomp_add_archs(ctx, spec->architectures);
	if (r < 0)
		return r;
	/* before the rules: i386 socketcall/ipc (see seccomp_mux.c) */
	r = seccomp_mux_prepare(ctx, spec, default_act, seccomp_rule_action, &mux);
	if (r < 0)
		return r;
	for (size_t i = 0; i < spec->n_syscalls; i++) {
		r = seccomp_add_rule(ctx, i, &spec->syscalls[i], default_act);
		if (r < 0)
			return r;
	}
	r = seccomp_export(ctx, &ret->prog);
	if (r < 0)
		return r;
	r = seccomp_mux_apply(&mux, &ret->prog);
	if (r < 0) {
		seccomp_bpf_clear(ret);
		return r;
	}
	ret->flags = seccomp_kernel_flags(spec->flags);
	return 0;
}

int seccomp_install(const struct hrun_bpf *bpf)
{
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, bpf->flags, &bpf->prog) == 0)
		return 0;
	if (errno == ENOSYS && bpf->flags == 0) {
		/* kernels before 3.17 only have the prctl interface */
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &bpf->prog, 0, 0) == 0)
			return 0;
		return hrun_syserr(errno, "prctl(PR_SET_SECCOMP)");
	}
	if (errno == EINVAL && bpf->flags != 0)
		return hrun_syserr(errno, "seccomp(SECCOMP_SET_MODE_FILTER) with flags 0x%x", bpf->flags);
	return hrun_syserr(errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
}

void seccomp_bpf_clear(struct hrun_bpf *bpf)
{
	if (!bpf)
		return;
	free(bpf->prog.filter);
	bpf->prog.filter = NULL;
	bpf->prog.len = 0;
	bpf->flags = 0;
}
