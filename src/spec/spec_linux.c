/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux-specific parts of config.json, the "linux" object
 * (config-linux.md): namespaces, ID mappings,
 * devices, cgroup resources, sysctl, seccomp, personality, time offsets. Same table-driven scheme as spec.c (see spec-internal.h).
 */
#define _GNU_SOURCE
#include "spec-internal.h"

#include "hrun/error.h"
#include "hrun/log.h"

#include <ctype.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/stat.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* the kernel's dev_t: 12-bit major, 20-bit minor */
#define SPEC_MAJOR(lo) SPEC_RANGE(lo, 4095)
#define SPEC_MINOR(lo) SPEC_RANGE(lo, 1048575)

static const struct spec_name_value propagation_values[] = {
	{ "private", HRUN_PROP_PRIVATE },	    { "rprivate", HRUN_PROP_RPRIVATE },
	{ "shared", HRUN_PROP_SHARED },		    { "rshared", HRUN_PROP_RSHARED },
	{ "slave", HRUN_PROP_SLAVE },		    { "rslave", HRUN_PROP_RSLAVE },
	{ "unbindable", HRUN_PROP_UNBINDABLE },	    { "runbindable", HRUN_PROP_RUNBINDABLE },
};
static const struct spec_names propagation_names = {
	propagation_values, ARRAY_SIZE(propagation_values), "propagation"
};

/* ------------------------------------------------------------------ */
/* namespaces                                                          */

static const struct {
	const char *name;
	int flag;
} ns_info[HRUN_NS_COUNT] = {
	[HRUN_NS_USER] = { "user", CLONE_NEWUSER },	[HRUN_NS_MOUNT] = { "mount", CLONE_NEWNS },
	[HRUN_NS_PID] = { "pid", CLONE_NEWPID },	[HRUN_NS_NET] = { "network", CLONE_NEWNET },
	[HRUN_NS_IPC] = { "ipc", CLONE_NEWIPC },	[HRUN_NS_UTS] = { "uts", CLONE_NEWUTS },
	[HRUN_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP }, [HRUN_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *spec_ns_name(enum hrun_ns_type t)
{
	return (unsigned)t < HRUN_NS_COUNT ? ns_info[t].name : "unknown";
}

int spec_ns_clone_flag(enum hrun_ns_type t)
{
	return (unsigned)t < HRUN_NS_COUNT ? ns_info[t].flag : 0;
}

static const struct spec_name_value ns_type_values[] = {
	{ "pid", HRUN_NS_PID },	   { "network", HRUN_NS_NET },	{ "mount", HRUN_NS_MOUNT },
	{ "ipc", HRUN_NS_IPC },	   { "uts", HRUN_NS_UTS },	{ "user", HRUN_NS_USER },
	{ "cgroup", HRUN_NS_CGROUP }, { "time", HRUN_NS_TIME },
};
static const struct spec_names ns_type_names = { ns_type_values, ARRAY_SIZE(ns_type_values),
						 "namespace type" };

struct ns_entry {
	int type;
	char *path;
};

static const struct spec_field ns_fields[] = {
	SPEC_FLD("type", spec_h_enum, struct ns_entry, type, .names = &ns_type_names, SPEC_REQ),
	SPEC_FLD("path", spec_h_abs, struct ns_entry, path),
};

static int h_namespaces(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			const struct spec_field *f)
{
	struct hrun_linux *l = base;
	char p[SPEC_PATH_LEN], q[SPEC_PATH_LEN];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	json_array_foreach(v, i, e) {
		struct ns_entry ns = { .type = -1 };
		int r;

		spec_path_idx(p, path, i);
		r = spec_parse_object(c, p, e, ns_fields, ARRAY_SIZE(ns_fields), &ns);
		if (r < 0) {
			free(ns.path);
			return r;
		}
		if (l->namespaces[ns.type].enabled) {
			free(ns.path);
			spec_path_key(q, p, "type");
			return spec_fail(c, q, "duplicate namespace %s",
					 spec_describe(json_object_get(e, "type")).s);
		}
		l->namespaces[ns.type].enabled = true;
		l->namespaces[ns.type].path = ns.path;
		l->namespaces[ns.type].index = i;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* small value handlers                                                */

/* one-letter type out of f->what ("cbup") */
static int h_char(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	char allowed[32] = "";
	const char *s;
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	s = json_string_value(v);
	if (strlen(s) == 1 && strchr(f->what, s[0])) {
		*(char *)SPEC_AT(base, f->off) = s[0];
		return 0;
	}
	for (const char *a = f->what; *a && strlen(allowed) + 6 < sizeof(allowed); a++)
		(void)snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
			       "%s\"%c\"", a == f->what ? "" : ", ", *a);
	return spec_fail(c, path, "expected one of %s, got %s", allowed, spec_describe(v).s);
}

/* a non-empty subset of "rwm", stored normalised ("mr" -> "rm") */
static int h_access(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		    const struct spec_field *f)
{
	char *out = SPEC_AT(base, f->off);
	bool seen[3] = { false, false, false };
	const char *s;
	size_t k = 0;
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	s = json_string_value(v);
	for (const char *p = s; *p; p++) {
		const char *at = strchr("rwm", *p);

		if (!at || seen[at - "rwm"])
			return spec_fail(c, path, "expected a subset of \"rwm\", got %s",
					 spec_describe(v).s);
		seen[at - "rwm"] = true;
	}
	if (!s[0])
		return spec_fail(c, path, "expected a subset of \"rwm\", got \"\"");
	for (int i = 0; i < 3; i++)
		if (seen[i])
			out[k++] = "rwm"[i];
	out[k] = '\0';
	return 0;
}

/* cpuset lists: "0-3,7" (empty allowed: the controller's default) */
static bool valid_cpuset(const char *s)
{
	while (*s) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (*s == '-') {
			s++;
			if (!isdigit((unsigned char)*s))
				return false;
			while (isdigit((unsigned char)*s))
				s++;
		}
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return true;
}

static int h_cpuset(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		    const struct spec_field *f)
{
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	if (!valid_cpuset(json_string_value(v)))
		return spec_fail(c, path, "invalid CPU/node list %s (expected e.g. \"0-3,7\")",
				 spec_describe(v).s);
	return spec_h_str(c, path, v, base, f);
}

/* hugetlb page sizes name cgroup files ("hugetlb.2MB.max"): "<digits>KB|MB|GB" */
static int h_pagesize(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		      const struct spec_field *f)
{
	const char *s;
	size_t digits;
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	s = json_string_value(v);
	digits = strspn(s, "0123456789");
	if (digits == 0 || s[0] == '0' ||
	    (strcmp(s + digits, "KB") != 0 && strcmp(s + digits, "MB") != 0 &&
	     strcmp(s + digits, "GB") != 0))
		return spec_fail(c, path, "invalid page size %s (expected e.g. \"2MB\")",
				 spec_describe(v).s);
	return spec_h_str(c, path, v, base, f);
}

/* cgroup interface file names become paths under the container's cgroup:
 * no '/', no leading '.', so "../x" cannot escape it */
static bool valid_cgroup_file(const char *k)
{
	if (!k[0] || k[0] == '.')
		return false;
	for (const char *p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
			return false;
	return true;
}

/* sysctl names become paths under /proc/sys: components separated by '.'
 * or '/', none empty (which also rules out ".." and leading separators) */
static bool valid_sysctl(const char *k)
{
	bool empty = true;

	for (const char *p = k; *p; p++) {
		if (*p == '.' || *p == '/') {
			if (empty)
				return false;
			empty = true;
		} else if (isalnum((unsigned char)*p) || strchr("_-@:+", *p)) {
			empty = false;
		} else {
			return false;
		}
	}
	return !empty;
}

/* The namespace that isolates sysctl KEY (as runc): the System V IPC keys
 * and fs.mqueue.* the ipc namespace, net.* the network namespace,
 * kernel.hostname/kernel.domainname the UTS namespace; HRUN_NS_COUNT for
 * the rest (kernel.core_pattern, vm.*, other fs.*, ...), which are
 * host-wide whatever the namespaces. Keys may use '/' or '.'. */
enum hrun_ns_type spec_sysctl_namespace(const char *key)
{
	static const char *const ipc_keys[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};
	char k[256];

	if (strlen(key) >= sizeof(k))
		return HRUN_NS_COUNT;
	strcpy(k, key);
	for (char *p = k; *p; p++)
		if (*p == '/')
			*p = '.';
	for (size_t i = 0; i < ARRAY_SIZE(ipc_keys); i++)
		if (strcmp(k, ipc_keys[i]) == 0)
			return HRUN_NS_IPC;
	if (strncmp(k, "fs.mqueue.", strlen("fs.mqueue.")) == 0)
		return HRUN_NS_IPC;
	if (strncmp(k, "net.", strlen("net.")) == 0)
		return HRUN_NS_NET;
	if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
		return HRUN_NS_UTS;
	return HRUN_NS_COUNT;
}

/* Every sysctl needs its namespace in linux.namespaces (new, or joined by
 * path: the runtime then checks the path is not its own namespace, see
 * ns_open_paths); a host-wide key is never written. */
int spec_check_sysctl(const struct spec_ctx *c, const struct hrun_linux *l)
{
	for (size_t i = 0; i < l->n_sysctl; i++) {
		const char *key = l->sysctl[i].key;
		enum hrun_ns_type t = spec_sysctl_namespace(key);
		char p[SPEC_PATH_LEN];

		(void)snprintf(p, sizeof(p), "linux.sysctl[\"%s\"]", key);
		if (t == HRUN_NS_COUNT)
			return spec_fail(c, p, "not namespaced (a host-wide kernel setting: "
					       "hrun never writes it)");
		if (!l->namespaces[t].enabled)
			return spec_fail(c, p, "not in a separate kernel namespace "
					       "(linux.namespaces has no %s namespace)", spec_ns_name(t));
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* devices                                                             */

static void init_device(void *elem)
{
	struct hrun_device *d = elem;

	d->major = -1;
	d->minor = -1;
}

static int check_device(const struct spec_ctx *c, const char *path, void *elem)
{
	struct hrun_device *d = elem;
	char p[SPEC_PATH_LEN];
	size_t n = strlen(d->path);

	/* "/dev/foo/" names /dev/foo (as runc and crun) */
	while (n > 1 && d->path[n - 1] == '/')
		d->path[--n] = '\0';
	if (n == 1) {
		spec_path_key(p, path, "path");
		return spec_fail(c, p, "names no device file");
	}
	if (d->has_file_mode && (d->file_mode & S_IFMT)) {
		/* Podman sends the file-type bits too (0o20666): accept them
		 * when they agree with `type`, keep only the permissions */
		mode_t want = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

		if ((d->file_mode & S_IFMT) != want) {
			spec_path_key(p, path, "fileMode");
			return spec_fail(c, p, "file type bits 0%o do not match type \"%c\"",
					 (unsigned)(d->file_mode & S_IFMT), d->type);
		}
		d->file_mode &= 07777;
	}
	if (d->type == 'p') {
		d->major = d->minor = 0;
		return 0;
	}
	if (d->major < 0 || d->minor < 0) {
		spec_path_key(p, path, d->major < 0 ? "major" : "minor");
		return spec_fail(c, p, "required for type \"%c\" devices", d->type);
	}
	return 0;
}

static const struct spec_field device_fields[] = {
	SPEC_FLD("type", h_char, struct hrun_device, type, .what = "cbup", SPEC_REQ),
	SPEC_FLD("path", spec_h_abs, struct hrun_device, path, SPEC_REQ),
	SPEC_FLD("major", spec_h_i64, struct hrun_device, major, SPEC_MAJOR(0)),
	SPEC_FLD("minor", spec_h_i64, struct hrun_device, minor, SPEC_MINOR(0)),
	SPEC_FLD("fileMode", spec_h_mode, struct hrun_device, file_mode,
		 SPEC_RANGE(0, S_IFMT | 07777),
		 SPEC_HAS(struct hrun_device, has_file_mode)),
	SPEC_FLD("uid", spec_h_u32, struct hrun_device, uid, SPEC_ID,
		 SPEC_HAS(struct hrun_device, has_uid)),
	SPEC_FLD("gid", spec_h_u32, struct hrun_device, gid, SPEC_ID,
		 SPEC_HAS(struct hrun_device, has_gid)),
};

/* ------------------------------------------------------------------ */
/* resources                                                           */

static void init_dev_rule(void *elem)
{
	struct hrun_dev_rule *d = elem;

	d->type = 'a';
	d->major = -1;
	d->minor = -1;
	memcpy(d->access, "rwm", 4);
}

static const struct spec_field dev_rule_fields[] = {
	SPEC_FLD("allow", spec_h_bool, struct hrun_dev_rule, allow, SPEC_REQ),
	SPEC_FLD("type", h_char, struct hrun_dev_rule, type, .what = "acb"),
	SPEC_FLD("major", spec_h_i64, struct hrun_dev_rule, major, SPEC_MAJOR(-1)),
	SPEC_FLD("minor", spec_h_i64, struct hrun_dev_rule, minor, SPEC_MINOR(-1)),
	SPEC_FLD("access", h_access, struct hrun_dev_rule, access),
};

#define RES struct hrun_resources
#define MEM_KERNEL_WHY "deprecated, and cgroup v2 has no kernel memory limit: ignored"

/* memory.kernel, memory.kernelTCP: runc and crun ignore them on cgroup v2
 * (the spec deprecates them): an integer is accepted with a warning, so
 * engines that still send them keep working. Stores nothing. */
static int h_deprecated(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			const struct spec_field *f)
{
	if (!json_is_integer(v))
		return spec_fail(c, path, "expected an integer, got %s", spec_describe(v).s);
	(void)base;
	if (json_integer_value(v) > 0)
		log_warn("%s: %s: %s", c->file, path, f->what);
	return 0;
}

static const struct spec_field memory_fields[] = {
	SPEC_FLD("limit", spec_h_i64, RES, mem_limit, SPEC_RANGE(-1, INT64_MAX),
		 SPEC_HAS(RES, has_mem_limit)),
	SPEC_FLD("reservation", spec_h_i64, RES, mem_reservation, SPEC_RANGE(-1, INT64_MAX),
		 SPEC_HAS(RES, has_mem_reservation)),
	SPEC_FLD("swap", spec_h_i64, RES, mem_swap, SPEC_RANGE(-1, INT64_MAX),
		 SPEC_HAS(RES, has_mem_swap)),
	{ .name = "kernel", .parse = h_deprecated, .what = MEM_KERNEL_WHY },
	{ .name = "kernelTCP", .parse = h_deprecated, .what = MEM_KERNEL_WHY },
	SPEC_FLD("swappiness", spec_h_u64, RES, mem_swappiness, SPEC_RANGE(0, 100),
		 SPEC_HAS(RES, has_mem_swappiness)),
	SPEC_FLD("disableOOMKiller", spec_h_bool, RES, mem_disable_oom_killer,
		 SPEC_HAS(RES, has_mem_disable_oom_killer)),
	SPEC_FLD("useHierarchy", spec_h_bool, RES, mem_use_hierarchy,
		 SPEC_HAS(RES, has_mem_use_hierarchy)),
	SPEC_FLD("checkBeforeUpdate", spec_h_bool, RES, mem_check_before_update,
		 SPEC_HAS(RES, has_mem_check_before_update)),
};

static const struct spec_field cpu_fields[] = {
	SPEC_FLD("shares", spec_h_u64, RES, cpu_shares, SPEC_U64, SPEC_HAS(RES, has_cpu_shares)),
	SPEC_FLD("quota", spec_h_i64, RES, cpu_quota, SPEC_RANGE(-1, INT64_MAX),
		 SPEC_HAS(RES, has_cpu_quota)),
	SPEC_FLD("burst", spec_h_u64, RES, cpu_burst, SPEC_U64, SPEC_HAS(RES, has_cpu_burst)),
	SPEC_FLD("period", spec_h_u64, RES, cpu_period, SPEC_U64, SPEC_HAS(RES, has_cpu_period)),
	SPEC_FLD("realtimeRuntime", spec_h_i64, RES, cpu_rt_runtime, SPEC_RANGE(-1, INT64_MAX),
		 SPEC_HAS(RES, has_cpu_rt_runtime)),
	SPEC_FLD("realtimePeriod", spec_h_u64, RES, cpu_rt_period, SPEC_U64,
		 SPEC_HAS(RES, has_cpu_rt_period)),
	SPEC_FLD("cpus", h_cpuset, RES, cpu_cpus),
	SPEC_FLD("mems", h_cpuset, RES, cpu_mems),
	SPEC_FLD("idle", spec_h_i64, RES, cpu_idle, SPEC_I64, SPEC_HAS(RES, has_cpu_idle)),
};

static const struct spec_field pids_fields[] = {
	SPEC_FLD("limit", spec_h_i64, RES, pids_limit, SPEC_I64, SPEC_REQ,
		 SPEC_HAS(RES, has_pids_limit)),
};

static const struct spec_field weight_device_fields[] = {
	SPEC_FLD("major", spec_h_i64, struct hrun_weight_device, major, SPEC_MAJOR(0), SPEC_REQ),
	SPEC_FLD("minor", spec_h_i64, struct hrun_weight_device, minor, SPEC_MINOR(0), SPEC_REQ),
	SPEC_FLD("weight", spec_h_u16, struct hrun_weight_device, weight, SPEC_RANGE(10, 1000),
		 SPEC_HAS(struct hrun_weight_device, has_weight)),
	SPEC_FLD("leafWeight", spec_h_u16, struct hrun_weight_device, leaf_weight,
		 SPEC_RANGE(10, 1000), SPEC_HAS(struct hrun_weight_device, has_leaf_weight)),
};

static const struct spec_field throttle_fields[] = {
	SPEC_FLD("major", spec_h_i64, struct hrun_throttle, major, SPEC_MAJOR(0), SPEC_REQ),
	SPEC_FLD("minor", spec_h_i64, struct hrun_throttle, minor, SPEC_MINOR(0), SPEC_REQ),
	SPEC_FLD("rate", spec_h_u64, struct hrun_throttle, rate, SPEC_U64, SPEC_REQ),
};

#define THROTTLE(n, m) SPEC_OBJARR(n, RES, m, n_##m, throttle_fields, struct hrun_throttle)

static const struct spec_field blkio_fields[] = {
	SPEC_FLD("weight", spec_h_u16, RES, blkio_weight, SPEC_RANGE(10, 1000),
		 SPEC_HAS(RES, has_blkio_weight)),
	SPEC_FLD("leafWeight", spec_h_u16, RES, blkio_leaf_weight, SPEC_RANGE(10, 1000),
		 SPEC_HAS(RES, has_blkio_leaf_weight)),
	SPEC_OBJARR("weightDevice", RES, blkio_weight_device, n_blkio_weight_device,
		    weight_device_fields, struct hrun_weight_device),
	THROTTLE("throttleReadBpsDevice", blkio_read_bps),
	THROTTLE("throttleWriteBpsDevice", blkio_write_bps),
	THROTTLE("throttleReadIOPSDevice", blkio_read_iops),
	THROTTLE("throttleWriteIOPSDevice", blkio_write_iops),
};

static const struct spec_field hugepage_fields[] = {
	SPEC_FLD("pageSize", h_pagesize, struct hrun_hugepage_limit, page_size, SPEC_REQ),
	SPEC_FLD("limit", spec_h_u64, struct hrun_hugepage_limit, limit, SPEC_U64, SPEC_REQ),
};

static const struct spec_field resources_fields[] = {
	SPEC_OBJARR("devices", RES, devices, n_devices, dev_rule_fields, struct hrun_dev_rule,
		    .init = init_dev_rule),
	SPEC_FLAT("memory", memory_fields),
	SPEC_FLAT("cpu", cpu_fields),
	SPEC_FLAT("pids", pids_fields),
	SPEC_FLAT("blockIO", blkio_fields),
	SPEC_OBJARR("hugepageLimits", RES, hugepage_limits, n_hugepage_limits, hugepage_fields,
		    struct hrun_hugepage_limit),
	SPEC_FLD("unified", spec_h_kv, RES, unified, .cnt = offsetof(RES, n_unified),
		 .valid_key = valid_cgroup_file, .what = "cgroup file"),
	SPEC_UNSUP("network", "net_cls/net_prio exist only in cgroup v1"),
	SPEC_UNSUP("rdma", "the rdma controller is not implemented"),
};

int spec_parse_resources_json(const struct spec_ctx *c, const char *path, json_t *v,
			      struct hrun_resources *res)
{
	return spec_parse_object(c, path, v, resources_fields, ARRAY_SIZE(resources_fields), res);
}

/* ------------------------------------------------------------------ */
/* seccomp                                                             */

static const struct spec_name_value scmp_action_values[] = {
	{ "SCMP_ACT_KILL", HRUN_SCMP_KILL },
	{ "SCMP_ACT_KILL_THREAD", HRUN_SCMP_KILL },
	{ "SCMP_ACT_KILL_PROCESS", HRUN_SCMP_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", HRUN_SCMP_TRAP },
	{ "SCMP_ACT_ERRNO", HRUN_SCMP_ERRNO },
	{ "SCMP_ACT_TRACE", HRUN_SCMP_TRACE },
	{ "SCMP_ACT_ALLOW", HRUN_SCMP_ALLOW },
	{ "SCMP_ACT_LOG", HRUN_SCMP_LOG },
};
static const struct spec_names scmp_action_names = {
	scmp_action_values, ARRAY_SIZE(scmp_action_values), "seccomp action"
};

static const struct spec_name_value scmp_op_values[] = {
	{ "SCMP_CMP_NE", HRUN_SCMP_CMP_NE },	     { "SCMP_CMP_LT", HRUN_SCMP_CMP_LT },
	{ "SCMP_CMP_LE", HRUN_SCMP_CMP_LE },	     { "SCMP_CMP_EQ", HRUN_SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", HRUN_SCMP_CMP_GE },	     { "SCMP_CMP_GT", HRUN_SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", HRUN_SCMP_CMP_MASKED_EQ },
};
static const struct spec_names scmp_op_names = { scmp_op_values, ARRAY_SIZE(scmp_op_values),
						 "seccomp operator" };

/* the architectures libseccomp 2.5 knows (value unused: kept verbatim) */
static const struct spec_name_value scmp_arch_values[] = {
	{ "SCMP_ARCH_X86", 0 },	      { "SCMP_ARCH_X86_64", 0 },    { "SCMP_ARCH_X32", 0 },
	{ "SCMP_ARCH_ARM", 0 },	      { "SCMP_ARCH_AARCH64", 0 },   { "SCMP_ARCH_MIPS", 0 },
	{ "SCMP_ARCH_MIPS64", 0 },    { "SCMP_ARCH_MIPS64N32", 0 }, { "SCMP_ARCH_MIPSEL", 0 },
	{ "SCMP_ARCH_MIPSEL64", 0 },  { "SCMP_ARCH_MIPSEL64N32", 0 }, { "SCMP_ARCH_PPC", 0 },
	{ "SCMP_ARCH_PPC64", 0 },     { "SCMP_ARCH_PPC64LE", 0 },   { "SCMP_ARCH_S390", 0 },
	{ "SCMP_ARCH_S390X", 0 },     { "SCMP_ARCH_PARISC", 0 },    { "SCMP_ARCH_PARISC64", 0 },
	{ "SCMP_ARCH_RISCV64", 0 },
};
static const struct spec_names scmp_arch_names = {
	scmp_arch_values, ARRAY_SIZE(scmp_arch_values), "seccomp architecture"
};

/* TSYNC is accepted as a no-op: hrun is single-threaded when it loads the
 * filter, so there are no other threads to synchronise. */
#define HRUN_SECCOMP_FLAG_TSYNC_NOOP 0u
static const struct spec_name_value scmp_flag_values[] = {
	{ "SECCOMP_FILTER_FLAG_LOG", HRUN_SECCOMP_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", HRUN_SECCOMP_FLAG_SPEC_ALLOW },
	{ "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", HRUN_SECCOMP_FLAG_WAIT_KILLABLE_RECV },
	{ "SECCOMP_FILTER_FLAG_TSYNC", HRUN_SECCOMP_FLAG_TSYNC_NOOP },
};
static const struct spec_names scmp_flag_names = { scmp_flag_values, ARRAY_SIZE(scmp_flag_values),
						   "seccomp flag" };

static int h_scmp_action(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			 const struct spec_field *f)
{
	if (json_is_string(v) && strcmp(json_string_value(v), "SCMP_ACT_NOTIFY") == 0)
		return spec_fail(c, path,
				 "\"SCMP_ACT_NOTIFY\" is not supported by hrun (no seccomp "
				 "listener support)");
	return spec_lookup(c, path, v, &scmp_action_names, SPEC_AT(base, f->off));
}

static int check_arch(const struct spec_ctx *c, const char *path, const json_t *v)
{
	int ignored;

	return spec_lookup(c, path, v, &scmp_arch_names, &ignored);
}

static int h_scmp_arches(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			 const struct spec_field *f)
{
	return spec_parse_strv(c, path, v, 0, check_arch, SPEC_AT(base, f->off));
}

static int h_scmp_flags(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			const struct spec_field *f)
{
	uint64_t mask;
	int r = spec_name_mask(c, path, v, &scmp_flag_names, &mask);

	if (r < 0)
		return r;
	*(unsigned *)SPEC_AT(base, f->off) |= (unsigned)mask;
	return 0;
}

/* errno values travel in the 16-bit SECCOMP_RET_DATA field */
#define SPEC_ERRNO_RET SPEC_RANGE(0, 65535)

static const struct spec_field scmp_arg_fields[] = {
	SPEC_FLD("index", spec_h_uint, struct hrun_seccomp_arg, index, SPEC_RANGE(0, 5), SPEC_REQ),
	SPEC_FLD("value", spec_h_u64, struct hrun_seccomp_arg, value, SPEC_U64, SPEC_REQ),
	SPEC_FLD("valueTwo", spec_h_u64, struct hrun_seccomp_arg, value_two, SPEC_U64),
	SPEC_FLD("op", spec_h_enum, struct hrun_seccomp_arg, op, .names = &scmp_op_names,
		 SPEC_REQ),
};

static const struct spec_field scmp_rule_fields[] = {
	SPEC_FLD("names", spec_h_strv, struct hrun_seccomp_rule, names, SPEC_RANGE(1, 0),
		 SPEC_REQ),
	SPEC_FLD("action", h_scmp_action, struct hrun_seccomp_rule, action, SPEC_REQ),
	SPEC_FLD("errnoRet", spec_h_uint, struct hrun_seccomp_rule, errno_ret, SPEC_ERRNO_RET,
		 SPEC_HAS(struct hrun_seccomp_rule, has_errno_ret)),
	SPEC_OBJARR("args", struct hrun_seccomp_rule, args, n_args, scmp_arg_fields,
		    struct hrun_seccomp_arg),
};

#define SCMP_LISTENER_WHY "SCMP_ACT_NOTIFY listeners are not implemented"

static const struct spec_field seccomp_fields[] = {
	SPEC_FLD("defaultAction", h_scmp_action, struct hrun_seccomp, default_action, SPEC_REQ),
	SPEC_FLD("defaultErrnoRet", spec_h_uint, struct hrun_seccomp, default_errno_ret,
		 SPEC_ERRNO_RET, SPEC_HAS(struct hrun_seccomp, has_default_errno_ret)),
	SPEC_FLD("architectures", h_scmp_arches, struct hrun_seccomp, architectures),
	SPEC_FLD("flags", h_scmp_flags, struct hrun_seccomp, flags),
	SPEC_OBJARR("syscalls", struct hrun_seccomp, syscalls, n_syscalls, scmp_rule_fields,
		    struct hrun_seccomp_rule),
	SPEC_UNSUP("listenerPath", SCMP_LISTENER_WHY),
	SPEC_UNSUP("listenerMetadata", SCMP_LISTENER_WHY),
};

static int h_seccomp(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		     const struct spec_field *f)
{
	struct hrun_seccomp **s = SPEC_AT(base, f->off);

	*s = calloc(1, sizeof(**s));
	if (!*s)
		return spec_oom(c);
	return spec_parse_object(c, path, v, seccomp_fields, ARRAY_SIZE(seccomp_fields), *s);
}

static void seccomp_free(struct hrun_seccomp *s)
{
	if (!s)
		return;
	strv_free(s->architectures);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		strv_free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s);
}

/* ------------------------------------------------------------------ */
/* the rest of "linux"                                                 */

static const struct spec_name_value personality_values[] = {
	{ "LINUX", PER_LINUX },
	{ "LINUX32", PER_LINUX32 },
};
static const struct spec_names personality_names = {
	personality_values, ARRAY_SIZE(personality_values), "personality domain"
};

static int h_personality(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			 const struct spec_field *f)
{
	int value;
	int r = spec_lookup(c, path, v, &personality_names, &value);

	if (r < 0)
		return r;
	*(unsigned long *)SPEC_AT(base, f->off) = (unsigned long)value;
	return 0;
}

static const struct spec_field personality_fields[] = {
	SPEC_FLD("domain", h_personality, struct hrun_linux, personality, SPEC_REQ),
	SPEC_FLD("flags", spec_h_personality_flags, struct hrun_linux, personality),
};

/* "" is read as "not given" (Go generators write the zero value) */
static int h_rootfs_propagation(const struct spec_ctx *c, const char *path, json_t *v,
				void *base, const struct spec_field *f)
{
	if (json_is_string(v) && json_string_length(v) == 0)
		return 0;
	return spec_lookup(c, path, v, &propagation_names, SPEC_AT(base, f->off));
}

#define NSEC_RANGE SPEC_RANGE(0, 999999999)
static const struct spec_field boottime_fields[] = {
	SPEC_FLD("secs", spec_h_i64, struct hrun_linux, boottime_secs, SPEC_I64),
	SPEC_FLD("nanosecs", spec_h_u32, struct hrun_linux, boottime_nanosecs, NSEC_RANGE),
};
static const struct spec_field monotonic_fields[] = {
	SPEC_FLD("secs", spec_h_i64, struct hrun_linux, monotonic_secs, SPEC_I64),
	SPEC_FLD("nanosecs", spec_h_u32, struct hrun_linux, monotonic_nanosecs, NSEC_RANGE),
};
static const struct spec_field time_offsets_fields[] = {
	SPEC_FLAT("boottime", boottime_fields),
	SPEC_FLAT("monotonic", monotonic_fields),
};

#define LNX struct hrun_linux
static const struct spec_field linux_fields[] = {
	SPEC_FLD("namespaces", h_namespaces, LNX, namespaces),
	SPEC_IDMAPS("uidMappings", LNX, uid_mappings, n_uid_mappings),
	SPEC_IDMAPS("gidMappings", LNX, gid_mappings, n_gid_mappings),
	SPEC_OBJARR("devices", LNX, devices, n_devices, device_fields, struct hrun_device,
		    .init = init_device, .check = check_device),
	SPEC_FLD("cgroupsPath", spec_h_str, LNX, cgroups_path),
	SPEC_OBJ("resources", LNX, resources, resources_fields, SPEC_HAS(LNX, has_resources)),
	SPEC_FLD("sysctl", spec_h_kv, LNX, sysctl, .cnt = offsetof(LNX, n_sysctl),
		 .valid_key = valid_sysctl, .what = "sysctl"),
	SPEC_FLD("seccomp", h_seccomp, LNX, seccomp),
	SPEC_FLD("rootfsPropagation", h_rootfs_propagation, LNX, rootfs_propagation),
	SPEC_FLD("maskedPaths", spec_h_strv_abs, LNX, masked_paths),
	SPEC_FLD("readonlyPaths", spec_h_strv_abs, LNX, readonly_paths),
	SPEC_FLD("mountLabel", spec_h_label, LNX, mount_label),
	SPEC_FLAT("personality", personality_fields, SPEC_HAS(LNX, has_personality)),
	SPEC_FLAT("timeOffsets", time_offsets_fields, SPEC_HAS(LNX, has_time_offsets)),
	SPEC_UNSUP("intelRdt", "Intel RDT is not implemented"),
	SPEC_FLD("memoryPolicy", spec_h_memory_policy, LNX, memory_policy),
	SPEC_FLD("netDevices", spec_h_net_devices, LNX, net_devices,
		 .cnt = offsetof(LNX, n_net_devices)),
};

int spec_h_linux(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		 const struct spec_field *f)
{
	return spec_parse_object(c, path, v, linux_fields, ARRAY_SIZE(linux_fields),
				 SPEC_AT(base, f->off));
}

/* ------------------------------------------------------------------ */
/* freeing                                                             */

void spec_resources_clear(struct hrun_resources *r)
{
	if (!r)
		return;
	free(r->devices);
	free(r->cpu_cpus);
	free(r->cpu_mems);
	free(r->blkio_weight_device);
	free(r->blkio_read_bps);
	free(r->blkio_write_bps);
	free(r->blkio_read_iops);
	free(r->blkio_write_iops);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	spec_kv_free(r->unified, r->n_unified);
	*r = (struct hrun_resources){ 0 };
}

void spec_linux_clear(struct hrun_linux *l)
{
	for (size_t i = 0; i < HRUN_NS_COUNT; i++)
		free(l->namespaces[i].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	spec_resources_clear(&l->resources);
	spec_kv_free(l->sysctl, l->n_sysctl);
	seccomp_free(l->seccomp);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free(l->memory_policy.nodes);
	free(l->mount_label);
	spec_net_devices_free(l->net_devices, l->n_net_devices);
	*l = (struct hrun_linux){ 0 };
}
