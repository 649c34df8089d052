/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources.devices on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE
 * program built with raw eBPF instructions and attached with bpf(2).
 *
 * Semantics (the same as runc and crun, so a config behaves alike):
 *   - default deny;
 *   - the rules of the config are evaluated so that the LAST matching rule
 *     wins, and the standard container devices below are appended AFTER
 *     them, so they are always allowed: Docker, containerd and Podman send
 *     `{"allow":false,"access":"rwm"}` first and rely on the runtime to keep
 *     /dev/null & co usable (runc's AllowedDevices, crun's default_devices);
 *   - a rule of type "a" matches every device whatever its major/minor;
 *   - access is judged per bit: an access of "rw" (open O_RDWR) is allowed
 *     only if both "r" and "w" are allowed, each by the last rule that
 *     mentions that bit. This is what the v1 devices cgroup does (it merges
 *     the access of exceptions), so "allow c 1:3 r" + "allow c 1:3 w" allows
 *     an O_RDWR open, and "allow ... rwm" + "deny ... w" still allows "r".
 *
 * Program layout: a prologue loads the context, then one section per access
 * bit (mknod, read, write); a section is skipped when the request does not
 * carry its bit, otherwise it walks the rules that mention the bit from the
 * last one to the first: a matching deny returns 0, a matching allow jumps
 * to the next section, no match returns 0. After the last section: return 1.
 */
#define _GNU_SOURCE
#include "hrun/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"

#define PROG_NAME "hrun_devices" /* < BPF_OBJ_NAME_LEN; identifies our programs */
#define MAX_RULES 1024           /* keeps every jump offset far below INT16_MAX */

/* Registers after the prologue. */
enum { R_CTX = 1, R_TYPE = 2, R_ACCESS = 3, R_MAJOR = 4, R_MINOR = 5 };

struct dev_rule {
	bool allow;
	char type; /* 'a', 'b', 'c' */
	int64_t major, minor; /* -1 = any */
	unsigned access; /* BPF_DEVCG_ACC_* bits */
};

/* Always allowed, after the config's rules (runc's AllowedDevices, crun's
 * default_devices): mknod of any device (opening it is still filtered),
 * the devices the runtime-spec requires in every container, the pty
 * devices and /dev/net/tun. */
static const struct dev_rule default_rules[] = {
	{ true, 'c', -1, -1, BPF_DEVCG_ACC_MKNOD },
	{ true, 'b', -1, -1, BPF_DEVCG_ACC_MKNOD },
#define RWM (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
	{ true, 'c', 1, 3, RWM },    /* /dev/null */
	{ true, 'c', 1, 8, RWM },    /* /dev/random */
	{ true, 'c', 1, 7, RWM },    /* /dev/full */
	{ true, 'c', 5, 0, RWM },    /* /dev/tty */
	{ true, 'c', 1, 5, RWM },    /* /dev/zero */
	{ true, 'c', 1, 9, RWM },    /* /dev/urandom */
	{ true, 'c', 5, 1, RWM },    /* /dev/console */
	{ true, 'c', 136, -1, RWM }, /* /dev/pts/N */
	{ true, 'c', 5, 2, RWM },    /* /dev/ptmx */
	{ true, 'c', 10, 200, RWM }, /* /dev/net/tun */
#undef RWM
};

static unsigned access_bits(const char *a)
{
	return (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

bool cgroup_devices_rule_is_standard(const struct hrun_dev_rule *r)
{
	unsigned acc = access_bits(r->access);

	if (!r->allow)
		return true; /* a deny rule takes nothing away from default deny */
	for (size_t i = 0; i < sizeof(default_rules) / sizeof(default_rules[0]); i++) {
		const struct dev_rule *d = &default_rules[i];

		if (d->type == r->type && (d->major == -1 || d->major == r->major) &&
		    (d->minor == -1 || d->minor == r->minor) && (acc & ~d->access) == 0)
			return true;
	}
	return false;
}

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static int emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		struct bpf_insn *n = realloc(p->insns, cap * sizeof(*n));

		if (!n)
			return hrun_err(ENOMEM, "out of memory");
		p->insns = n;
		p->cap = cap;
	}
	p->insns[p->n] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src,
					    .off = off, .imm = imm };
	p->n++;
	return 0;
}

static int emit_return(struct prog *p, int32_t verdict)
{
	int r = emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, verdict);

	return r < 0 ? r : emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int parse_rule(const struct hrun_dev_rule *in, size_t idx, struct dev_rule *out)
{
	const char *a;

	if (in->type != 'a' && in->type != 'b' && in->type != 'c')
		return hrun_err(EINVAL, "linux.resources.devices[%zu].type: `%c` is not one of a, b, c",
				idx, in->type);
	if (in->major < -1 || in->major > UINT32_MAX || in->minor < -1 || in->minor > UINT32_MAX)
		return hrun_err(EINVAL, "linux.resources.devices[%zu]: major/minor out of range", idx);
	*out = (struct dev_rule){ .allow = in->allow, .type = in->type, .major = in->major,
				  .minor = in->minor };
	for (a = in->access; a < in->access + sizeof(in->access) && *a; a++) {
		if (*a == 'r')
			out->access |= BPF_DEVCG_ACC_READ;
		else if (*a == 'w')
			out->access |= BPF_DEVCG_ACC_WRITE;
		else if (*a == 'm')
			out->access |= BPF_DEVCG_ACC_MKNOD;
		else
			return hrun_err(EINVAL, "linux.resources.devices[%zu].access: `%.4s` is not a subset of `rwm`",
					idx, in->access);
	}
	if (out->type == 'a')
		out->major = out->minor = -1; /* "a" means every device, as in cgroup v1 */
	return 0;
}

/* Emit one rule of a section. Sets *final when the rule matches every
 * request: the verifier rejects unreachable instructions, so nothing may
 * follow it in the section. ALLOW_JUMPS collects the jumps to patch to the
 * section end. */
static int emit_rule(struct prog *p, const struct dev_rule *r, size_t *allow_jumps, size_t *n_jumps,
		     bool *final)
{
	int checks = (r->type != 'a') + (r->major >= 0) + (r->minor >= 0);
	int len = checks + (r->allow ? 1 : 2);
	int i = 0, ret = 0;

	/* Each failed check jumps past the end of this rule's block. JMP32
	 * compares the low 32 bits, so majors/minors >= 2^31 work too. */
	if (r->type != 'a')
		ret = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_TYPE, 0, (int16_t)(len - ++i),
			   r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (ret == 0 && r->major >= 0)
		ret = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MAJOR, 0, (int16_t)(len - ++i),
			   (int32_t)(uint32_t)r->major);
	if (ret == 0 && r->minor >= 0)
		ret = emit(p, BPF_JMP32 | BPF_JNE | BPF_K, R_MINOR, 0, (int16_t)(len - ++i),
			   (int32_t)(uint32_t)r->minor);
	if (ret < 0)
		return ret;
	*final = checks == 0;
	if (!r->allow)
		return emit_return(p, 0);
	allow_jumps[(*n_jumps)++] = p->n;
	return emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0); /* patched to the section end */
}

/* One section: the rules mentioning BIT, last rule first. */
static int emit_section(struct prog *p, const struct dev_rule *rules, size_t n, unsigned bit)
{
	_cleanup_free_ size_t *jumps = calloc(n + 2, sizeof(*jumps));
	size_t n_jumps = 0, i;
	bool final = false;
	int r;

	if (!jumps)
		return hrun_err(ENOMEM, "out of memory");
	/* if (access & bit) skip the "ja section_end" */
	r = emit(p, BPF_JMP32 | BPF_JSET | BPF_K, R_ACCESS, 0, 1, (int32_t)bit);
	if (r < 0)
		return r;
	jumps[n_jumps++] = p->n;
	r = emit(p, BPF_JMP | BPF_JA, 0, 0, 0, 0);
	for (i = n; r == 0 && i-- > 0 && !final;)
		if (rules[i].access & bit)
			r = emit_rule(p, &rules[i], jumps, &n_jumps, &final);
	if (r == 0 && !final)
		r = emit_return(p, 0); /* no rule matched: default deny */
	if (r < 0)
		return r;
	for (i = 0; i < n_jumps; i++)
		p->insns[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
	return 0;
}

static int build_program(const struct hrun_dev_rule *in, size_t n_in, struct prog *p)
{
	static const unsigned bits[] = { BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE };
	size_t n = n_in + ARRAY_SIZE(default_rules), i;
	_cleanup_free_ struct dev_rule *rules = NULL;
	int r;

	if (n_in > MAX_RULES)
		return hrun_err(E2BIG, "linux.resources.devices: too many rules (%zu, at most %d)", n_in,
				MAX_RULES);
	rules = calloc(n, sizeof(*rules));
	if (!rules)
		return hrun_err(ENOMEM, "out of memory");
	for (i = 0; i < n_in; i++) {
		r = parse_rule(&in[i], i, &rules[i]);
		if (r < 0)
			return r;
	}
	memcpy(rules + n_in, default_rules, sizeof(default_rules));

	/* prologue: r2 = type, r3 = access, r4 = major, r5 = minor */
	r = emit(p, BPF_LDX | BPF_MEM | BPF_W, R_TYPE, R_CTX, 0, 0);
	if (r == 0)
		r = emit(p, BPF_ALU | BPF_MOV | BPF_X, R_ACCESS, R_TYPE, 0, 0);
	if (r == 0)
		r = emit(p, BPF_ALU | BPF_AND | BPF_K, R_TYPE, 0, 0, 0xFFFF);
	if (r == 0)
		r = emit(p, BPF_ALU | BPF_RSH | BPF_K, R_ACCESS, 0, 0, 16);
	if (r == 0)
		r = emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MAJOR, R_CTX, 4, 0);
	if (r == 0)
		r = emit(p, BPF_LDX | BPF_MEM | BPF_W, R_MINOR, R_CTX, 8, 0);
	for (i = 0; r == 0 && i < ARRAY_SIZE(bits); i++)
		r = emit_section(p, rules, n, bits[i]);
	return r < 0 ? r : emit_return(p, 1);
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int load_program(const struct prog *p)
{
	static char log[65536];
	union bpf_attr attr;
	int fd, err;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->insns;
	attr.insn_cnt = (uint32_t)p->n;
	/* Device programs call no helper, so no GPL-only helper is involved:
	 * the license string is only recorded. */
	attr.license = (uint64_t)(uintptr_t)"Apache-2.0";
	memcpy(attr.prog_name, PROG_NAME, sizeof(PROG_NAME));
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err != EINVAL && err != EACCES)
		return hrun_syserr(err, "load the device cgroup BPF program (%zu instructions)", p->n);
	/* Retry with the verifier log, only to explain the failure. */
	log[0] = '\0';
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	log[strcspn(log, "\n")] = '\0';
	return hrun_err(err, "load the device cgroup BPF program: %s (verifier: %.200s)", strerror(err),
			log);
}

/* Ids of the programs attached to exactly this cgroup. */
static int query_attached(int cgfd, uint32_t **ret_ids, uint32_t *ret_n)
{
	uint32_t cap = 16;

	for (;;) {
		_cleanup_free_ uint32_t *ids = calloc(cap, sizeof(*ids));
		union bpf_attr attr;

		if (!ids)
			return hrun_err(ENOMEM, "out of memory");
		memset(&attr, 0, sizeof(attr));
		attr.query.target_fd = (uint32_t)cgfd;
		attr.query.attach_type = BPF_CGROUP_DEVICE;
		attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
		attr.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
			*ret_n = attr.query.prog_cnt;
			*ret_ids = TAKE_PTR(ids);
			return 0;
		}
		if (errno != ENOSPC || cap >= 65536)
			return hrun_syserr(errno, "query the device programs of the cgroup");
		cap *= 4;
	}
}

/* Detach program ID from the cgroup if it is one of ours. */
static int detach_if_ours(int cgfd, uint32_t id)
{
	_cleanup_close_ int fd = -1;
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return errno == ENOENT ? 0 : hrun_syserr(errno, "get the BPF program %u", id);
	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
		return hrun_syserr(errno, "inspect the BPF program %u", id);
	if (strncmp(info.name, PROG_NAME, sizeof(info.name)) != 0)
		return 0; /* someone else's program: leave it */
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
		return hrun_syserr(errno, "detach the previous device program %u", id);
	return 0;
}

int cgroup_set_devices(int dirfd, const struct hrun_dev_rule *rules, size_t n_rules)
{
	_cleanup_free_ uint32_t *old = NULL;
	_cleanup_close_ int cgfd = -1, progfd = -1;
	struct prog p = { 0 };
	union bpf_attr attr;
	uint32_t n_old = 0, i;
	int r;

	r = build_program(rules, n_rules, &p);
	if (r == 0)
		r = load_program(&p);
	free(p.insns);
	if (r < 0)
		return r;
	progfd = r;
	/* bpf(2) wants a real fd of the cgroup directory; DIRFD may be O_PATH. */
	cgfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return hrun_syserr(errno, "open the cgroup directory");
	r = query_attached(cgfd, &old, &n_old);
	if (r < 0)
		return r;
	/* Attach the new program before detaching the old one: with
	 * BPF_F_ALLOW_MULTI every attached program must allow an access, so
	 * there is no window in which the container is unfiltered. */
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)progfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return hrun_syserr(errno, "attach the device cgroup BPF program");
	for (i = 0; i < n_old; i++) {
		r = detach_if_ours(cgfd, old[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
