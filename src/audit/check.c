/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "hrun check": audit a config.json against the hardening checklist.
 *
 * Works on the parsed model (struct hrun_spec, see check.h): the config
 * `run` would start, with the bind sources as the runtime resolved them. Every rule has a stable id; the
 * findings are sorted by rule-table order, then by JSON path (digits
 * compared numerically), then by message, so two runs over the same input
 * print byte-identical reports.
 *
 * This file holds the rules and check_config(); the score, the text/JSON
 * rendering, check_load_json() and the `hrun check` command are in
 * check_cli.c.
 */
#define _GNU_SOURCE
#include "hrun/check.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"

#include <errno.h>
#include <linux/mount.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/types.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum rule_id {
	R_USER_ROOT,
	R_CAP_DANGEROUS,
	R_CAP_ADD,
	R_CAP_UNSET,
	R_NO_NEW_PRIVS,
	R_SECCOMP_NONE,
	R_SECCOMP_ALLOW,
	R_ROOT_WRITABLE,
	R_NS_PID,
	R_NS_NET,
	R_NS_IPC,
	R_NS_UTS,
	R_NS_MOUNT,
	R_NS_CGROUP,
	R_MOUNT_ENGINE_SOCKET,
	R_MOUNT_HOST_PATH,
	R_MOUNT_SYSFS_RW,
	R_MOUNT_CGROUP_RW,
	R_MOUNT_PROPAGATION,
	R_MOUNT_TMPFS,
	R_MOUNT_IDMAP,
	R_DEVICES_ALLOW_ALL,
	R_DEVICES_NO_DENY,
	R_DEVICE_HOST,
	R_NET_DEVICE,
	R_SYSCTL_HOST,
	R_NO_MEMORY_LIMIT,
	R_NO_CPU_LIMIT,
	R_NO_PIDS_LIMIT,
	R_SCHED_REALTIME,
	R_MASKED_PATHS,
	R_READONLY_PATHS,
	R_HOOKS,
	R_LSM_NONE,
	R_COUNT,
};

struct rule {
	const char *id;
	const char *title;
	const char *fix;
};

static const struct rule rules[R_COUNT] = {
	[R_USER_ROOT] = { "HR-USER-ROOT", "process runs as root",
			  "set process.user.uid/gid to an unprivileged id (e.g. 1000) or remap root with a user namespace" },
	[R_CAP_DANGEROUS] = { "HR-CAP-DANGEROUS", "dangerous capability granted",
			      "remove the capability from every set in process.capabilities" },
	[R_CAP_ADD] = { "HR-CAP-ADD", "capability beyond the allowed set",
			"keep process.capabilities empty except for the capabilities the workload needs" },
	[R_CAP_UNSET] = { "HR-CAP-UNSET", "capabilities not specified",
			  "list process.capabilities explicitly (empty arrays drop everything)" },
	[R_NO_NEW_PRIVS] = { "HR-NO-NEW-PRIVS", "no_new_privs not set",
			     "set process.noNewPrivileges to true" },
	[R_SECCOMP_NONE] = { "HR-SECCOMP-NONE", "no seccomp filter",
			     "add linux.seccomp (e.g. the profile `hrun spec` inlines)" },
	[R_SECCOMP_ALLOW] = { "HR-SECCOMP-ALLOW", "seccomp allows by default",
			      "use a default-deny profile (defaultAction SCMP_ACT_ERRNO) with an allow list" },
	[R_ROOT_WRITABLE] = { "HR-ROOT-WRITABLE", "writable root filesystem",
			      "set root.readonly to true and mount tmpfs where the workload writes" },
	[R_NS_PID] = { "HR-NS-PID", "host pid namespace", "add {\"type\": \"pid\"} without a path to linux.namespaces" },
	[R_NS_NET] = { "HR-NS-NET", "host network namespace",
		       "add {\"type\": \"network\"} without a path to linux.namespaces" },
	[R_NS_IPC] = { "HR-NS-IPC", "host ipc namespace", "add {\"type\": \"ipc\"} without a path to linux.namespaces" },
	[R_NS_UTS] = { "HR-NS-UTS", "host uts namespace", "add {\"type\": \"uts\"} without a path to linux.namespaces" },
	[R_NS_MOUNT] = { "HR-NS-MOUNT", "host mount namespace",
			 "add {\"type\": \"mount\"} without a path to linux.namespaces" },
	[R_NS_CGROUP] = { "HR-NS-CGROUP", "host cgroup namespace",
			  "add {\"type\": \"cgroup\"} without a path to linux.namespaces" },
	[R_MOUNT_ENGINE_SOCKET] = { "HR-MOUNT-ENGINE-SOCKET", "container engine socket mounted",
				    "remove the bind mount: the engine API gives full control of the host" },
	[R_MOUNT_HOST_PATH] = { "HR-MOUNT-HOST-PATH", "sensitive host path bind-mounted",
				"bind-mount only the specific files the workload needs, read-only" },
	[R_MOUNT_SYSFS_RW] = { "HR-MOUNT-SYSFS-RW", "sysfs mounted read-write", "add \"ro\" to the sysfs mount options" },
	[R_MOUNT_CGROUP_RW] = { "HR-MOUNT-CGROUP-RW", "cgroup filesystem mounted read-write",
				"add \"ro\" to the cgroup mount options" },
	[R_MOUNT_PROPAGATION] = { "HR-MOUNT-PROPAGATION", "shared mount propagation",
				  "use private or slave propagation (rprivate, rslave)" },
	[R_MOUNT_TMPFS] = { "HR-MOUNT-TMPFS", "tmpfs without nosuid/nodev",
			    "add \"nosuid\" and \"nodev\" (and \"noexec\" where possible) to the tmpfs options" },
	[R_MOUNT_IDMAP] = { "HR-MOUNT-IDMAP", "host path idmapped to container ids",
			    "idmap only directories the container should own, and map no container id onto files of host root (on-disk id 0)" },
	[R_DEVICES_ALLOW_ALL] = { "HR-DEVICES-ALLOW-ALL", "device cgroup allows every device",
				  "start linux.resources.devices with {\"allow\": false, \"access\": \"rwm\"} and allow only specific devices" },
	[R_DEVICES_NO_DENY] = { "HR-DEVICES-NO-DENY", "device cgroup does not deny by default",
				"start linux.resources.devices with {\"allow\": false, \"access\": \"rwm\"}" },
	[R_DEVICE_HOST] = { "HR-DEVICE-HOST", "host device node exposed",
			    "remove the entry from linux.devices" },
	[R_NET_DEVICE] = { "HR-NET-DEVICE", "host network device moved into the container",
			   "give the container an interface made for it (a veth or macvlan from CNI), not one of the host's" },
	[R_SYSCTL_HOST] = { "HR-SYSCTL-HOST", "sysctl reaches the host",
			    "remove the sysctl, or give the container the private namespace it belongs to" },
	[R_NO_MEMORY_LIMIT] = { "HR-NO-MEMORY-LIMIT", "no memory limit",
				"set linux.resources.memory.limit (bytes)" },
	[R_NO_CPU_LIMIT] = { "HR-NO-CPU-LIMIT", "no CPU limit",
			     "set linux.resources.cpu.quota and period (e.g. 50000/100000)" },
	[R_NO_PIDS_LIMIT] = { "HR-NO-PIDS-LIMIT", "no pids limit", "set linux.resources.pids.limit (e.g. 256)" },
	[R_SCHED_REALTIME] = { "HR-SCHED-REALTIME", "realtime CPU or I/O scheduling",
			       "use SCHED_OTHER/BATCH/IDLE and the BE or IDLE I/O class: a realtime process can starve the host" },
	[R_MASKED_PATHS] = { "HR-MASKED-PATHS", "standard masked paths missing",
			     "add the standard entries to linux.maskedPaths (see `hrun spec`)" },
	[R_READONLY_PATHS] = { "HR-READONLY-PATHS", "standard read-only paths missing",
			       "add the standard entries to linux.readonlyPaths (see `hrun spec`)" },
	[R_HOOKS] = { "HR-HOOKS", "hook runs with runtime privileges",
		      "make sure the hook binary is trusted, root-owned and not writable by others" },
	[R_LSM_NONE] = { "HR-LSM-NONE", "no LSM confinement",
			 "set process.apparmorProfile or process.selinuxLabel to a confining profile" },
};

const char *const check_default_allowed_caps[] = { "CAP_NET_BIND_SERVICE", NULL };

/* Capability numbers, linux/capability.h order. */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

static const struct {
	const char *name;
	enum check_severity sev;
	const char *why;
} dangerous_caps[] = {
	{ "CAP_SYS_ADMIN", CHECK_SEV_CRITICAL, "mount, namespace and most kernel administration operations (the usual escape route)" },
	{ "CAP_SYS_MODULE", CHECK_SEV_CRITICAL, "loading kernel modules, i.e. arbitrary code in the host kernel" },
	{ "CAP_SYS_RAWIO", CHECK_SEV_CRITICAL, "raw I/O port and memory access" },
	{ "CAP_DAC_READ_SEARCH", CHECK_SEV_HIGH, "open_by_handle_at(2), which reads any host file" },
	{ "CAP_SYS_PTRACE", CHECK_SEV_HIGH, "tracing and injecting code into other processes" },
	{ "CAP_NET_ADMIN", CHECK_SEV_HIGH, "reconfiguring interfaces, routes and firewall rules" },
	{ "CAP_BPF", CHECK_SEV_HIGH, "loading BPF programs into the kernel" },
	{ "CAP_SYS_BOOT", CHECK_SEV_HIGH, "reboot(2) and kexec_load(2)" },
	{ "CAP_SYS_TIME", CHECK_SEV_HIGH, "setting the host clock" },
	{ "CAP_MAC_ADMIN", CHECK_SEV_HIGH, "changing the LSM policy" },
	{ "CAP_MAC_OVERRIDE", CHECK_SEV_HIGH, "bypassing the LSM policy" },
};

static const char *const cap_set_names[] = { "bounding", "effective", "permitted", "inheritable", "ambient" };

/* check's namespace order (for the namespace rules) in spec.h terms */
static const enum hrun_ns_type ns_checked[] = {
	HRUN_NS_PID, HRUN_NS_NET, HRUN_NS_IPC, HRUN_NS_UTS, HRUN_NS_MOUNT, HRUN_NS_CGROUP,
};

struct ctx {
	const struct hrun_spec *s;
	const struct hrun_process *process; /* NULL when absent */
	const struct hrun_linux *l;
	const struct hrun_bind_sources *binds; /* NULL: sources judged as written */
	const char *const *allowed;
	enum check_lsm_mode lsm;
	struct check_report *rep;
	size_t alloc;
	int err;
	bool ns_host[HRUN_NS_COUNT]; /* joins a host namespace through its path */
	bool extra_caps; /* capabilities beyond the allow list (or unspecified) */
};

/* ---- small helpers ---------------------------------------------------- */

static bool path_under(const char *p, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(p, dir, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

static bool str_in(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

/* Lexically normalise an absolute path ("//a/./b/../c/" -> "/a/c") so that
 * spelling tricks do not hide a sensitive source. Returns false when IN is
 * not absolute or too long. */
static bool path_normalize(const char *in, char *out, size_t size)
{
	size_t len = 0;

	if (in[0] != '/' || strlen(in) >= size)
		return false;
	out[0] = '\0';
	while (*in) {
		while (*in == '/')
			in++;
		const char *end = strchrnul(in, '/');
		size_t n = (size_t)(end - in);
		if (n == 0 || (n == 1 && in[0] == '.')) {
			/* skip */
		} else if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (len > 0 && out[len] != '/')
				len--;
			out[len] = '\0';
		} else {
			out[len++] = '/';
			memcpy(out + len, in, n);
			len += n;
			out[len] = '\0';
		}
		in = end;
	}
	if (len == 0)
		(void)strcpy(out, "/");
	return true;
}

static void add_finding(struct ctx *c, enum rule_id rule, enum check_severity sev, const char *path,
			const char *detail, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add_finding(struct ctx *c, enum rule_id rule, enum check_severity sev, const char *path,
			const char *detail, const char *fmt, ...)
{
	struct check_report *r = c->rep;
	struct check_finding *f;
	va_list ap;

	if (c->err)
		return;
	if (r->n_findings == c->alloc) {
		size_t n = c->alloc ? c->alloc * 2 : 16;
		struct check_finding *p = realloc(r->findings, n * sizeof(*p));
		if (!p) {
			c->err = -ENOMEM;
			return;
		}
		r->findings = p;
		c->alloc = n;
	}
	f = &r->findings[r->n_findings];
	*f = (struct check_finding){ .rule = rules[rule].id, .rule_index = rule, .severity = sev,
				     .fix = rules[rule].fix };
	va_start(ap, fmt);
	int n = vasprintf(&f->message, fmt, ap);
	va_end(ap);
	if (n < 0)
		f->message = NULL;
	f->path = strdup(path);
	f->detail = detail ? strdup(detail) : NULL;
	if (n < 0 || !f->path || (detail && !f->detail)) {
		free(f->message);
		free(f->path);
		free(f->detail);
		c->err = -ENOMEM;
		return;
	}
	r->n_findings++;
	r->counts[sev]++;
}

/* ---- process ---------------------------------------------------------- */

static bool cap_allowed(const struct ctx *c, const char *name)
{
	for (const char *const *a = c->allowed; *a; a++)
		if (strcmp(*a, name) == 0)
			return true;
	return false;
}

static int cap_number(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcmp(cap_names[i], name) == 0)
			return (int)i;
	return -1;
}

bool check_cap_known(const char *name)
{
	return cap_number(name) >= 0;
}

static void check_one_cap(struct ctx *c, const char *name, const char *path)
{
	for (size_t i = 0; i < ARRAY_SIZE(dangerous_caps); i++) {
		if (strcmp(dangerous_caps[i].name, name) == 0) {
			add_finding(c, R_CAP_DANGEROUS, dangerous_caps[i].sev, path, name, "%s is granted, which allows %s",
				    name, dangerous_caps[i].why);
			return;
		}
	}
	add_finding(c, R_CAP_ADD, CHECK_SEV_MEDIUM, path, name, "%s is granted but is not in the allowed set", name);
}

/* Each capability is reported once, at its first occurrence in the order
 * bounding, effective, permitted, inheritable, ambient (the parser kept
 * each one's first index in each set). */
static void check_caps(struct ctx *c)
{
	const struct hrun_caps *k = &c->process->caps;
	const uint64_t sets[HRUN_CAP_SETS] = { k->bounding, k->effective, k->permitted, k->inheritable,
					       k->ambient };
	uint64_t seen = 0;
	char path[96];

	if (!c->process->has_caps) {
		add_finding(c, R_CAP_UNSET, CHECK_SEV_MEDIUM, "process.capabilities", NULL,
			    "process.capabilities is absent, so the capability set is left to the runtime's defaults");
		c->extra_caps = true;
		return;
	}
	for (size_t s = 0; s < HRUN_CAP_SETS; s++) {
		for (size_t nr = 0; nr < ARRAY_SIZE(cap_names); nr++) {
			uint64_t bit = UINT64_C(1) << nr;

			if (!(sets[s] & bit) || (seen & bit) || cap_allowed(c, cap_names[nr]))
				continue;
			seen |= bit;
			c->extra_caps = true;
			(void)snprintf(path, sizeof(path), "process.capabilities.%s[%zu]", cap_set_names[s],
				       k->first_index[s][nr]);
			check_one_cap(c, cap_names[nr], path);
		}
	}
}

/* Does the user namespace map container uid 0 to an unprivileged host uid? */
static bool userns_remaps_root(const struct ctx *c)
{
	const struct hrun_namespace *u = &c->l->namespaces[HRUN_NS_USER];

	if (!u->enabled)
		return false;
	if (u->path && !c->ns_host[HRUN_NS_USER])
		return true; /* joining a namespace someone else set up */
	if (c->ns_host[HRUN_NS_USER])
		return false;
	for (size_t i = 0; i < c->l->n_uid_mappings; i++) {
		const struct hrun_id_map *m = &c->l->uid_mappings[i];

		if (m->container_id == 0 && m->size > 0)
			return m->host_id != 0;
	}
	/* uid 0 unmapped: the container cannot even become host root */
	return c->l->n_uid_mappings > 0;
}

static void check_user(struct ctx *c)
{
	if (c->process->user.uid != 0)
		return;
	if (userns_remaps_root(c))
		add_finding(c, R_USER_ROOT, CHECK_SEV_LOW, "process.user.uid", NULL,
			    "process runs as uid 0, mapped to an unprivileged host user by the user namespace");
	else if (c->extra_caps)
		add_finding(c, R_USER_ROOT, CHECK_SEV_CRITICAL, "process.user.uid", NULL,
			    "process runs as root (uid 0) with capabilities beyond the allowed set");
	else
		add_finding(c, R_USER_ROOT, CHECK_SEV_HIGH, "process.user.uid", NULL, "process runs as root (uid 0)");
}

/* A process without the profile / label of the host's LSM. ("unconfined"
 * is AppArmor's name for no profile at all.) */
static void check_lsm(struct ctx *c)
{
	enum check_lsm_mode lsm = c->lsm;
	const char *aa = c->process ? c->process->apparmor_profile : NULL;
	const char *se = c->process ? c->process->selinux_label : NULL;

	if (lsm == CHECK_LSM_PROBE) {
		if (access("/sys/kernel/security/apparmor", F_OK) == 0)
			lsm = CHECK_LSM_APPARMOR;
		else if (access("/sys/fs/selinux", F_OK) == 0)
			lsm = CHECK_LSM_SELINUX;
		else
			lsm = CHECK_LSM_NONE;
	}
	if (lsm == CHECK_LSM_APPARMOR && (!aa || strcmp(aa, "unconfined") == 0))
		add_finding(c, R_LSM_NONE, CHECK_SEV_LOW, "process.apparmorProfile", NULL,
			    "AppArmor is enabled on this host but the process is not confined by a profile");
	else if (lsm == CHECK_LSM_SELINUX && !se)
		add_finding(c, R_LSM_NONE, CHECK_SEV_LOW, "process.selinuxLabel", NULL,
			    "SELinux is enabled on this host but the process has no label");
}

/* SCHED_FIFO (1), SCHED_RR (2), SCHED_DEADLINE (6) and IOPRIO_CLASS_RT (1)
 * run ahead of every ordinary task of the host */
static void check_sched(struct ctx *c)
{
	const struct hrun_process *p = c->process;
	int pol = p->scheduler.policy;

	if (p->has_scheduler && (pol == 1 || pol == 2 || pol == 6))
		add_finding(c, R_SCHED_REALTIME, CHECK_SEV_MEDIUM, "process.scheduler.policy", NULL,
			    "a realtime scheduler policy runs ahead of every ordinary process of the host");
	if (p->has_io_priority && p->io_priority.ioclass == 1)
		add_finding(c, R_SCHED_REALTIME, CHECK_SEV_MEDIUM, "process.ioPriority.class", NULL,
			    "the realtime I/O class is served ahead of every other disk user of the host");
}

static void check_process(struct ctx *c)
{
	if (!c->process)
		return;
	check_caps(c);
	check_user(c);
	if (!c->process->no_new_privileges)
		add_finding(c, R_NO_NEW_PRIVS, CHECK_SEV_MEDIUM, "process.noNewPrivileges", NULL,
			    "noNewPrivileges is not true, so setuid and file-capability binaries can gain privileges");
	check_lsm(c);
	check_sched(c);
}

/* ---- seccomp, root, namespaces ---------------------------------------- */

static bool action_allows(enum hrun_seccomp_action a)
{
	return a == HRUN_SCMP_ALLOW || a == HRUN_SCMP_LOG;
}

static void check_seccomp(struct ctx *c)
{
	const struct hrun_seccomp *sc = c->l->seccomp;
	const char *def;
	size_t denies = 0;

	if (!sc) {
		add_finding(c, R_SECCOMP_NONE, CHECK_SEV_HIGH, "linux.seccomp", NULL,
			    "no seccomp filter: every system call of the host kernel is reachable");
		return;
	}
	if (!action_allows(sc->default_action))
		return;
	def = sc->default_action == HRUN_SCMP_ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_LOG";
	for (size_t i = 0; i < sc->n_syscalls; i++)
		if (!action_allows(sc->syscalls[i].action))
			denies++;
	if (denies == 0)
		add_finding(c, R_SECCOMP_ALLOW, CHECK_SEV_HIGH, "linux.seccomp.defaultAction", def,
			    "seccomp defaultAction is %s and no rule denies anything: the filter is a no-op", def);
	else
		add_finding(c, R_SECCOMP_ALLOW, CHECK_SEV_MEDIUM, "linux.seccomp.defaultAction", def,
			    "seccomp defaultAction is %s: a deny list misses new and unusual system calls", def);
}

static void check_root(struct ctx *c)
{
	if (!c->s->root_readonly)
		add_finding(c, R_ROOT_WRITABLE, CHECK_SEV_MEDIUM, "root.readonly", NULL,
			    "the root filesystem is writable, so a compromised process can modify its binaries");
}

static void collect_namespaces(struct ctx *c)
{
	for (size_t k = 0; k < HRUN_NS_COUNT; k++) {
		const char *path = c->l->namespaces[k].path;
		char norm[4096];

		/* pid 1 and the runtime itself live in the host namespaces */
		c->ns_host[k] = path && path_normalize(path, norm, sizeof(norm)) &&
				(path_under(norm, "/proc/1/ns") || path_under(norm, "/proc/self/ns") ||
				 path_under(norm, "/proc/thread-self/ns"));
	}
}

static bool ns_private(const struct ctx *c, enum hrun_ns_type k)
{
	return c->l->namespaces[k].enabled && !c->ns_host[k];
}

static void check_namespaces(struct ctx *c)
{
	static const struct {
		enum rule_id rule;
		enum check_severity sev;
		const char *what;
	} checks[] = {
		{ R_NS_PID, CHECK_SEV_HIGH, "host processes are visible and can be signalled" },
		{ R_NS_NET, CHECK_SEV_HIGH, "the host network stack and its localhost services are shared" },
		{ R_NS_IPC, CHECK_SEV_HIGH, "host System V IPC and POSIX message queues are shared" },
		{ R_NS_UTS, CHECK_SEV_MEDIUM, "the container can change the host name" },
		{ R_NS_MOUNT, CHECK_SEV_CRITICAL, "the container shares the host mount namespace and sees its mounts" },
		{ R_NS_CGROUP, CHECK_SEV_LOW, "host cgroup paths are visible" },
	};
	char path[64];

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++) {
		enum hrun_ns_type t = ns_checked[i];
		const struct hrun_namespace *n = &c->l->namespaces[t];
		const char *name = spec_ns_name(t);

		if (ns_private(c, t))
			continue;
		if (n->enabled) {
			(void)snprintf(path, sizeof(path), "linux.namespaces[%zu].path", n->index);
			add_finding(c, checks[i].rule, checks[i].sev, path, name,
				    "joins the host %s namespace (`%s`): %s", name, n->path, checks[i].what);
		} else {
			add_finding(c, checks[i].rule, checks[i].sev, "linux.namespaces", name,
				    "no private %s namespace: %s", name, checks[i].what);
		}
	}
}

/* ---- mounts ----------------------------------------------------------- */

struct mount_opts {
	bool bind, ro, nosuid, nodev, shared;
};

static struct mount_opts mount_options(const struct hrun_mount *m)
{
	struct mount_opts o = { 0 };

	o.bind = (m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
	/* the parser applied "ro"/"rw" in order (the last one wins); the
	 * recursive "rro"/"rrw" come after them on the whole tree */
	o.ro = (m->rec_attr_set & MOUNT_ATTR_RDONLY) ||
	       ((m->flags & MS_RDONLY) && !(m->rec_attr_clr & MOUNT_ATTR_RDONLY));
	o.nosuid = m->flags & MS_NOSUID;
	o.nodev = m->flags & MS_NODEV;
	o.shared = m->propagation == HRUN_PROP_SHARED || m->propagation == HRUN_PROP_RSHARED;
	return o;
}

static bool is_engine_socket(const char *src)
{
	static const char *const socks[] = {
		"docker.sock", "containerd.sock", "podman.sock", "crio.sock",
		"cri-dockerd.sock", "dockershim.sock", "buildkitd.sock",
	};
	static const char *const dirs[] = {
		"/run/docker", "/var/run/docker", "/run/containerd", "/var/run/containerd",
		"/run/podman", "/var/run/podman", "/run/crio", "/var/run/crio",
		"/run/buildkit", "/var/lib/docker", "/var/lib/containerd",
	};
	const char *base = strrchr(src, '/') + 1;

	/* the whole of /run holds every engine's socket */
	if (strcmp(src, "/run") == 0 || strcmp(src, "/var/run") == 0)
		return true;
	if (str_in(base, socks, ARRAY_SIZE(socks)))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (path_under(src, dirs[i]))
			return true;
	return false;
}

static enum check_severity host_path_severity(const char *src, bool ro)
{
	static const char *const top[] = { "/", "/sys", "/dev" };
	static const char *const mem[] = { "/dev/mem", "/dev/kmem", "/dev/port" };
	static const char *const sensitive[] = {
		"/etc", "/boot", "/root", "/usr", "/lib", "/lib/modules", "/var",
		"/var/lib", "/var/lib/kubelet", "/var/log", "/home",
	};

	if (str_in(src, top, ARRAY_SIZE(top)) || path_under(src, "/proc"))
		return ro ? CHECK_SEV_HIGH : CHECK_SEV_CRITICAL;
	if (str_in(src, mem, ARRAY_SIZE(mem)))
		return CHECK_SEV_CRITICAL;
	if (path_under(src, "/sys/fs/cgroup"))
		return CHECK_SEV_NONE; /* HR-MOUNT-CGROUP-RW */
	if (path_under(src, "/sys") || str_in(src, sensitive, ARRAY_SIZE(sensitive)))
		return ro ? CHECK_SEV_MEDIUM : CHECK_SEV_HIGH;
	return CHECK_SEV_NONE;
}

/* The host path a bind of mounts[I] really uses: the canonical path the
 * runtime resolved (symlinks and ".." followed) when it did, else the
 * source as written, normalised. NULL: a source inside the bundle that was
 * not resolved (it cannot name a host path: escapes were refused). */
static const char *bind_host_path(const struct ctx *c, size_t i, const char *src, char *buf, size_t size)
{
	if (c->binds && i < c->binds->n && c->binds->v[i].path)
		return c->binds->v[i].path;
	return path_normalize(src, buf, size) ? buf : NULL;
}

static void check_bind(struct ctx *c, size_t i, const char *path, const char *src, const struct mount_opts *o)
{
	char buf[4096], norm[4096], shown[2 * 4096 + 8];
	const char *host = bind_host_path(c, i, src, buf, sizeof(buf));
	enum check_severity sev;

	if (!host)
		return;
	/* as written, unless it resolved elsewhere: `/srv/x -> /etc` */
	if (strcmp(host, src) == 0 || (path_normalize(src, norm, sizeof(norm)) && strcmp(norm, host) == 0))
		(void)snprintf(shown, sizeof(shown), "%s", src);
	else
		(void)snprintf(shown, sizeof(shown), "%s -> %s", src, host);
	if (is_engine_socket(host)) {
		add_finding(c, R_MOUNT_ENGINE_SOCKET, CHECK_SEV_CRITICAL, path, shown,
			    "host `%s` is bind-mounted: access to a container engine socket is root on the host",
			    shown);
		return;
	}
	sev = host_path_severity(host, o->ro);
	if (sev != CHECK_SEV_NONE)
		add_finding(c, R_MOUNT_HOST_PATH, sev, path, shown, "host `%s` is bind-mounted %s", shown,
			    o->ro ? "read-only" : "read-write");
	else if (path_under(host, "/sys/fs/cgroup") && !o->ro)
		add_finding(c, R_MOUNT_CGROUP_RW, CHECK_SEV_MEDIUM, path, shown,
			    "host `%s` is bind-mounted read-write", shown);
}

/* The host uid that files of host root (on-disk uid 0) show as through
 * the idmapped mounts[I]: its own mapping, else the container's. false:
 * they stay unmapped (a joined user namespace: unknown, say mapped). */
static bool idmap_maps_root(const struct ctx *c, const struct hrun_mount *m, uint32_t *ret_uid)
{
	const struct hrun_id_map *v = m->n_uid_mappings ? m->uid_mappings : c->l->uid_mappings;
	size_t n = m->n_uid_mappings ? m->n_uid_mappings : c->l->n_uid_mappings;

	if (!m->n_uid_mappings && c->l->namespaces[HRUN_NS_USER].path) {
		*ret_uid = UINT32_MAX;
		return true;
	}
	for (size_t j = 0; j < n; j++)
		if (v[j].container_id == 0) {
			*ret_uid = v[j].host_id;
			return true;
		}
	return false;
}

/* An idmapped bind hands the host files under it to container ids: worse
 * on a sensitive path, and worst when host root's files become writable
 * by an id the container has. */
static void check_idmap(struct ctx *c, size_t i, const char *path, const struct hrun_mount *m,
			const struct mount_opts *o)
{
	char buf[4096], who[48] = "";
	const char *host = bind_host_path(c, i, m->source, buf, sizeof(buf));
	enum check_severity sev;
	uint32_t uid = 0;
	bool root = idmap_maps_root(c, m, &uid);

	if (!host)
		return;
	sev = host_path_severity(host, o->ro);
	if (sev == CHECK_SEV_NONE && !root)
		return;
	if (sev == CHECK_SEV_NONE)
		sev = CHECK_SEV_LOW;
	if (root && !o->ro && sev < CHECK_SEV_CRITICAL)
		sev++;
	if (root && uid != UINT32_MAX)
		(void)snprintf(who, sizeof(who), " uid %u", uid);
	add_finding(c, R_MOUNT_IDMAP, sev, path, host,
		    "host `%s` is idmapped %s (%s)%s%s%s", host, o->ro ? "read-only" : "read-write",
		    m->idmap == HRUN_IDMAP_RECURSIVE ? "ridmap" : "idmap",
		    root ? ": files of host root appear owned by" : "",
		    root ? (uid == UINT32_MAX ? " the joined user namespace's root" : who) : "",
		    root && !o->ro ? ", who may write them" : "");
}

static void check_tmpfs(struct ctx *c, const char *path, const char *dst, const struct mount_opts *o)
{
	/* /dev must allow device nodes; nosuid is still expected there */
	bool want_nodev = strcmp(dst, "/dev") != 0;

	if (!o->nosuid)
		add_finding(c, R_MOUNT_TMPFS, CHECK_SEV_MEDIUM, path, dst, "tmpfs on `%s` lacks nosuid%s", dst,
			    want_nodev && !o->nodev ? " and nodev" : "");
	else if (want_nodev && !o->nodev)
		add_finding(c, R_MOUNT_TMPFS, CHECK_SEV_LOW, path, dst, "tmpfs on `%s` lacks nodev", dst);
}

static void check_mount(struct ctx *c, size_t i, const struct hrun_mount *m)
{
	const char *type = m->type, *dst = m->destination;
	struct mount_opts o = mount_options(m);
	char path[64];

	(void)snprintf(path, sizeof(path), "mounts[%zu]", i);
	if (o.bind && m->source)
		check_bind(c, i, path, m->source, &o);
	if (o.bind && m->source && m->idmap != HRUN_IDMAP_NONE)
		check_idmap(c, i, path, m, &o);
	if (type && strcmp(type, "sysfs") == 0 && !o.ro)
		add_finding(c, R_MOUNT_SYSFS_RW, CHECK_SEV_HIGH, path, dst, "sysfs is mounted read-write on `%s`", dst);
	if (type && (strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0) && !o.ro)
		add_finding(c, R_MOUNT_CGROUP_RW, CHECK_SEV_MEDIUM, path, dst,
			    "the cgroup filesystem is mounted read-write on `%s`", dst);
	if (type && strcmp(type, "tmpfs") == 0)
		check_tmpfs(c, path, dst, &o);
	if (o.shared)
		add_finding(c, R_MOUNT_PROPAGATION, CHECK_SEV_MEDIUM, path, dst,
			    "the mount on `%s` uses shared propagation: mounts cross between host and container", dst);
}

static void check_mounts(struct ctx *c)
{
	enum hrun_propagation p = c->l->rootfs_propagation;

	for (size_t i = 0; i < c->s->n_mounts; i++)
		check_mount(c, i, &c->s->mounts[i]);
	if (p == HRUN_PROP_SHARED || p == HRUN_PROP_RSHARED) {
		const char *prop = p == HRUN_PROP_SHARED ? "shared" : "rshared";

		add_finding(c, R_MOUNT_PROPAGATION, CHECK_SEV_MEDIUM, "linux.rootfsPropagation", prop,
			    "rootfsPropagation is %s: mounts cross between host and container", prop);
	}
}

/* ---- devices, sysctl, resources --------------------------------------- */

/* Does the rule cover every device (type a, or any major)? */
static bool dev_rule_wildcard(const struct hrun_dev_rule *d)
{
	return d->type == 'a' || d->major < 0;
}

static void check_device_rules(struct ctx *c)
{
	const struct hrun_resources *res = &c->l->resources;
	ssize_t allow_all = -1;
	bool denied = false;
	char path[80];

	/* Replay the rules in order: a later deny-all cancels an earlier allow-all. */
	for (size_t i = 0; i < res->n_devices; i++) {
		const struct hrun_dev_rule *d = &res->devices[i];
		bool rw = strpbrk(d->access, "rw") != NULL;

		if (!d->allow) {
			if (d->type == 'a') {
				denied = true;
				allow_all = -1;
			}
		} else if (dev_rule_wildcard(d) && rw) {
			allow_all = (ssize_t)i;
		}
	}
	if (allow_all >= 0) {
		char type = res->devices[allow_all].type;
		const char *what = type == 'a' ? "host" : type == 'b' ? "block" : "character";

		(void)snprintf(path, sizeof(path), "linux.resources.devices[%zd]", allow_all);
		add_finding(c, R_DEVICES_ALLOW_ALL, CHECK_SEV_CRITICAL, path, NULL,
			    "the device cgroup allows read/write access to every %s device (disks, /dev/mem)", what);
	} else if (!denied) {
		add_finding(c, R_DEVICES_NO_DENY, CHECK_SEV_LOW, "linux.resources.devices", NULL,
			    "the device cgroup rules do not start with deny-all; access depends on runtime defaults");
	}
}

static void check_devices(struct ctx *c)
{
	static const char *const mem[] = { "/dev/mem", "/dev/kmem", "/dev/port" };
	char path[64];

	for (size_t i = 0; i < c->l->n_devices; i++) {
		const struct hrun_device *d = &c->l->devices[i];
		long long major = d->major, minor = d->minor;

		(void)snprintf(path, sizeof(path), "linux.devices[%zu]", i);
		if (d->type == 'b')
			add_finding(c, R_DEVICE_HOST, CHECK_SEV_HIGH, path, d->path,
				    "block device `%s` (%lld:%lld) is exposed: raw access to host storage", d->path,
				    major, minor);
		else if (str_in(d->path, mem, ARRAY_SIZE(mem)) ||
			 (d->type == 'c' && major == 1 && (minor == 1 || minor == 2 || minor == 4)))
			add_finding(c, R_DEVICE_HOST, CHECK_SEV_HIGH, path, d->path,
				    "`%s` (%lld:%lld) exposes host memory or I/O ports", d->path, major, minor);
	}
}

/* linux.netDevices: the container gets one of the host's links to its
 * networks, outside the host's firewall and routing */
static void check_net_devices(struct ctx *c)
{
	char path[64];

	for (size_t i = 0; i < c->l->n_net_devices; i++) {
		const struct hrun_net_device *d = &c->l->net_devices[i];

		(void)snprintf(path, sizeof(path), "linux.netDevices.%s", d->host_name);
		add_finding(c, R_NET_DEVICE, CHECK_SEV_MEDIUM, path, d->host_name,
			    "host network device `%s` is moved into the container: it reaches that "
			    "device's network directly, past the host's firewall and routing",
			    d->host_name);
	}
}

/* The namespace a sysctl belongs to, or -1 when it is global to the host. */
static int sysctl_namespace(const char *key)
{
	char k[256];

	if (strlen(key) >= sizeof(k))
		return -1;
	(void)strcpy(k, key);
	for (char *p = k; *p; p++)
		if (*p == '/')
			*p = '.';
	if (strncmp(k, "kernel.shm", 10) == 0 || strncmp(k, "kernel.msg", 10) == 0 ||
	    strcmp(k, "kernel.sem") == 0 || strncmp(k, "fs.mqueue.", 10) == 0)
		return HRUN_NS_IPC;
	if (strncmp(k, "net.", 4) == 0)
		return HRUN_NS_NET;
	if (strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0)
		return HRUN_NS_UTS;
	return -1;
}

static void check_sysctl(struct ctx *c)
{
	char path[320];

	for (size_t i = 0; i < c->l->n_sysctl; i++) {
		const char *key = c->l->sysctl[i].key;
		int ns = sysctl_namespace(key);

		(void)snprintf(path, sizeof(path), "linux.sysctl[\"%s\"]", key);
		if (ns < 0)
			add_finding(c, R_SYSCTL_HOST, CHECK_SEV_HIGH, path, key,
				    "sysctl `%s` is not namespaced: setting it changes the host", key);
		else if (!ns_private(c, (enum hrun_ns_type)ns))
			add_finding(c, R_SYSCTL_HOST, CHECK_SEV_HIGH, path, key,
				    "sysctl `%s` belongs to the %s namespace, which is shared with the host", key,
				    spec_ns_name((enum hrun_ns_type)ns));
	}
}

static void check_resources(struct ctx *c)
{
	const struct hrun_resources *res = &c->l->resources;

	if (!(res->has_mem_limit && res->mem_limit > 0))
		add_finding(c, R_NO_MEMORY_LIMIT, CHECK_SEV_MEDIUM, "linux.resources.memory.limit", NULL,
			    "no memory limit: the container can exhaust host memory");
	if (!(res->has_cpu_quota && res->cpu_quota > 0))
		add_finding(c, R_NO_CPU_LIMIT, CHECK_SEV_MEDIUM, "linux.resources.cpu.quota", NULL,
			    "no CPU quota: the container can monopolise host CPUs");
	if (!(res->has_pids_limit && res->pids_limit > 0))
		add_finding(c, R_NO_PIDS_LIMIT, CHECK_SEV_MEDIUM, "linux.resources.pids.limit", NULL,
			    "no pids limit: a fork bomb can exhaust the host's process table");
}

/* ---- masked / read-only paths, hooks ---------------------------------- */

static bool list_covers(char *const *list, const char *p)
{
	for (; list && *list; list++)
		if (path_under(p, *list))
			return true;
	return false;
}

static void check_path_list(struct ctx *c, enum rule_id rule, const char *key, char *const *list,
			    const char *const *req, size_t n, bool masked_ok)
{
	char missing[512] = "", path[64];
	size_t len = 0, count = 0;

	for (size_t i = 0; i < n; i++) {
		if (list_covers(list, req[i]) || (masked_ok && list_covers(c->l->masked_paths, req[i])))
			continue;
		int w = snprintf(missing + len, sizeof(missing) - len, "%s%s", count ? ", " : "", req[i]);
		if (w > 0 && (size_t)w < sizeof(missing) - len)
			len += (size_t)w;
		count++;
	}
	if (count == 0)
		return;
	(void)snprintf(path, sizeof(path), "linux.%s", key);
	add_finding(c, rule, CHECK_SEV_MEDIUM, path, NULL, "linux.%s lacks %s", key, missing);
}

static void check_proc_paths(struct ctx *c)
{
	/* The entries every major runtime (runc, crun, Podman) masks. */
	static const char *const masked[] = {
		"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
		"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
	};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};

	check_path_list(c, R_MASKED_PATHS, "maskedPaths", c->l->masked_paths, masked, ARRAY_SIZE(masked), false);
	check_path_list(c, R_READONLY_PATHS, "readonlyPaths", c->l->readonly_paths, readonly, ARRAY_SIZE(readonly),
			true);
}

static void check_hooks(struct ctx *c)
{
	/* enum hrun_hook_kind order */
	static const char *const kinds[HRUN_HOOK_COUNT] = {
		"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
	};
	char path[64];

	for (size_t k = 0; k < HRUN_HOOK_COUNT; k++) {
		const struct hrun_hook_list *l = &c->s->hooks[k];

		for (size_t i = 0; i < l->n; i++) {
			const char *p = l->hooks[i].path;

			(void)snprintf(path, sizeof(path), "hooks.%s[%zu]", kinds[k], i);
			add_finding(c, R_HOOKS, CHECK_SEV_MEDIUM, path, p,
				    "%s hook `%s` runs with the runtime's root privileges", kinds[k], p);
		}
	}
}

/* ---- report ----------------------------------------------------------- */

/* strcmp, except that runs of digits compare by value ("[2]" < "[10]"). */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			char *ea, *eb;
			unsigned long long x = strtoull(a, &ea, 10), y = strtoull(b, &eb, 10);
			if (x != y)
				return x < y ? -1 : 1;
			a = ea;
			b = eb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

static int finding_cmp(const void *pa, const void *pb)
{
	const struct check_finding *a = pa, *b = pb;
	int r;

	if (a->rule_index != b->rule_index)
		return a->rule_index < b->rule_index ? -1 : 1;
	r = natural_cmp(a->path, b->path);
	return r ? r : strcmp(a->message, b->message);
}

int check_config(const struct hrun_spec *spec, const struct hrun_bind_sources *binds,
		 const struct check_options *opts, struct check_report *ret)
{
	struct check_report rep = { 0 };
	struct ctx c = {
		.s = spec,
		.binds = binds,
		.allowed = opts && opts->allowed_caps ? opts->allowed_caps : check_default_allowed_caps,
		.lsm = opts ? opts->lsm : CHECK_LSM_PROBE,
		.rep = &rep,
	};

	if (!spec)
		return hrun_err(EINVAL, "check: no parsed config");
	c.process = spec->has_process ? &spec->process : NULL;
	c.l = &spec->linux_cfg;
	collect_namespaces(&c);

	check_process(&c);
	check_seccomp(&c);
	check_root(&c);
	check_namespaces(&c);
	check_mounts(&c);
	check_device_rules(&c);
	check_devices(&c);
	check_net_devices(&c);
	check_sysctl(&c);
	check_resources(&c);
	check_proc_paths(&c);
	check_hooks(&c);
	if (c.err) {
		check_report_clear(&rep);
		return hrun_err(ENOMEM, "check: out of memory");
	}
	if (rep.n_findings)
		qsort(rep.findings, rep.n_findings, sizeof(*rep.findings), finding_cmp);
	*ret = rep;
	return 0;
}

void check_report_clear(struct check_report *r)
{
	for (size_t i = 0; i < r->n_findings; i++) {
		free(r->findings[i].path);
		free(r->findings[i].detail);
		free(r->findings[i].message);
	}
	free(r->findings);
	*r = (struct check_report){ 0 };
}

bool check_rule_known(const char *id)
{
	for (size_t i = 0; i < R_COUNT; i++)
		if (strcmp(rules[i].id, id) == 0)
			return true;
	return false;
}

size_t check_rule_count(void)
{
	return R_COUNT;
}

const char *check_rule_id(size_t i)
{
	return i < R_COUNT ? rules[i].id : NULL;
}

const char *check_rule_title(size_t i)
{
	return i < R_COUNT ? rules[i].title : NULL;
}
