/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SPEC_H
#define HRUN_SPEC_H

/*
 * config.json as typed C structs. spec.c is the only jansson user that
 * reads config.json; everything after parsing works on these structs.
 * Every field the runtime-spec defines for Linux is either represented
 * here or rejected by the parser with a one-line error (never ignored).
 *
 * Conventions:
 *   - strings are NUL-terminated and owned by the spec; NULL = absent;
 *   - string lists are NULL-terminated arrays (char **), NULL = absent;
 *   - counted arrays are (ptr, n_*) pairs;
 *   - has_* flags mark optional scalars that were present.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#define HRUN_OCI_VERSION "1.2.0"

/* config.json (and exec's process.json) larger than this is refused: a
 * bundle pointing config.json at a huge file must not eat memory. */
#define HRUN_SPEC_MAX_SIZE ((size_t)16 << 20)

struct hrun_kv {
	char *key;
	char *value;
};

struct hrun_id_map {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

enum hrun_propagation {
	HRUN_PROP_NONE = 0, /* not given */
	HRUN_PROP_PRIVATE,
	HRUN_PROP_RPRIVATE,
	HRUN_PROP_SHARED,
	HRUN_PROP_RSHARED,
	HRUN_PROP_SLAVE,
	HRUN_PROP_RSLAVE,
	HRUN_PROP_UNBINDABLE,
	HRUN_PROP_RUNBINDABLE,
};

enum hrun_idmap {
	HRUN_IDMAP_NONE = 0,
	HRUN_IDMAP_TOP,       /* "idmap": the mount itself */
	HRUN_IDMAP_RECURSIVE, /* "ridmap": every mount of the (rbind) tree */
};

struct hrun_mount {
	char *destination; /* absolute path inside the container */
	char *type;        /* NULL: "none"/bind */
	char *source;      /* NULL allowed for some types */
	unsigned long flags;       /* MS_* set by options (MS_RDONLY, MS_NOSUID, MS_BIND, MS_REC, ...) */
	unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, dev, exec, ...) */
	enum hrun_propagation propagation;
	char *data;    /* remaining fs-specific options joined by ',' (e.g. "size=64m,mode=1777"); NULL if none */
	/* the recursive options (rro, rnosuid, ratime, ...): MOUNT_ATTR_*
	 * bits set and cleared with mount_setattr(AT_RECURSIVE) after the
	 * mount and its own options; an atime option clears MOUNT_ATTR__ATIME
	 * and sets its mode (MOUNT_ATTR_RELATIME is 0) */
	unsigned rec_attr_set;
	unsigned rec_attr_clr;
	bool tmpcopyup;    /* "tmpcopyup" (runc/crun): a tmpfs starts with the
			    * content of the directory it covers */
	enum hrun_idmap idmap; /* "idmap" / "ridmap" (bind mounts only) */
	/* uidMappings/gidMappings: the id mapping of an idmapped mount; none
	 * given: the container's (linux.uidMappings/gidMappings) */
	struct hrun_id_map *uid_mappings;
	size_t n_uid_mappings;
	struct hrun_id_map *gid_mappings;
	size_t n_gid_mappings;
};

/* capability sets as bit masks of CAP_* numbers (bit n = capability n) */
#define HRUN_CAP_SETS 5
struct hrun_caps {
	uint64_t bounding; /* bounding..ambient: consecutive, in this order */
	uint64_t effective;
	uint64_t permitted;
	uint64_t inheritable;
	uint64_t ambient;
	/* where capability n first appears in each set as written (bounding,
	 * effective, permitted, inheritable, ambient), valid where its bit is
	 * set: `hrun check` names process.capabilities.bounding[3] */
	size_t first_index[HRUN_CAP_SETS][64];
};

struct hrun_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

struct hrun_user {
	uint32_t uid;
	uint32_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* "username" (Windows-only in the spec): must be absent on Linux */
};

/* process.ioPriority, process.scheduler, process.execCPUAffinity,
 * linux.memoryPolicy: parsed in spec_sched.c, applied by sched.c */
struct hrun_io_priority {
	int ioclass; /* IOPRIO_CLASS_RT/BE/IDLE */
	int priority; /* 0..7 */
};

struct hrun_scheduler {
	int policy; /* SCHED_* */
	int nice;
	int priority;
	uint64_t flags; /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

struct hrun_memory_policy {
	int mode;    /* MPOL_* */
	int flags;   /* MPOL_F_* */
	char *nodes; /* "0-1,3"; NULL: none */
};

/* the name tables `hrun features` lists */
enum spec_names_table {
	SPEC_NAMES_IOPRIO_CLASS,
	SPEC_NAMES_SCHED_POLICY,
	SPEC_NAMES_SCHED_FLAG,
	SPEC_NAMES_MPOL_MODE,
	SPEC_NAMES_MPOL_FLAG,
};
size_t spec_known_names(enum spec_names_table t, const char **out, size_t max);

struct hrun_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height;
	unsigned console_width;
	struct hrun_user user;
	char **args; /* required, at least one element */
	char **env;  /* may be NULL */
	char *cwd;   /* required, absolute */
	bool has_caps;
	struct hrun_caps caps;
	struct hrun_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile; /* NULL: none ("" is read as none) */
	char *selinux_label;    /* NULL: none */
	bool has_io_priority;
	struct hrun_io_priority io_priority;
	bool has_scheduler;
	struct hrun_scheduler scheduler;
	char *cpus_initial; /* execCPUAffinity.initial: "0-3,7"; NULL: unchanged */
	char *cpus_final;   /* execCPUAffinity.final */
};

enum hrun_ns_type {
	HRUN_NS_USER = 0, /* order matters: user first */
	HRUN_NS_MOUNT,
	HRUN_NS_PID,
	HRUN_NS_NET,
	HRUN_NS_IPC,
	HRUN_NS_UTS,
	HRUN_NS_CGROUP,
	HRUN_NS_TIME,
	HRUN_NS_COUNT,
};

struct hrun_namespace {
	bool enabled; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating; NULL = new */
	size_t index; /* its position in linux.namespaces (messages, check) */
};

struct hrun_device {
	char *path; /* absolute path in the container */
	char type;  /* 'c', 'b', 'u' or 'p' */
	int64_t major;
	int64_t minor;
	bool has_file_mode;
	mode_t file_mode;
	bool has_uid;
	uint32_t uid;
	bool has_gid;
	uint32_t gid;
};

struct hrun_dev_rule {
	bool allow;
	char type;     /* 'a', 'c' or 'b' ('a' when absent) */
	int64_t major; /* -1 = any */
	int64_t minor; /* -1 = any */
	char access[4]; /* subset of "rwm", "rwm" when absent */
};

struct hrun_throttle {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct hrun_weight_device {
	int64_t major;
	int64_t minor;
	bool has_weight;
	uint16_t weight;
	bool has_leaf_weight;
	uint16_t leaf_weight;
};

struct hrun_hugepage_limit {
	char *page_size; /* e.g. "2MB" */
	uint64_t limit;
};

struct hrun_resources {
	struct hrun_dev_rule *devices;
	size_t n_devices;

	/* memory (bytes; -1 = unlimited where the spec allows it) */
	bool has_mem_limit;
	int64_t mem_limit;
	bool has_mem_reservation;
	int64_t mem_reservation;
	bool has_mem_swap;
	int64_t mem_swap;
	bool has_mem_swappiness;
	uint64_t mem_swappiness;
	bool has_mem_disable_oom_killer;
	bool mem_disable_oom_killer;
	bool has_mem_use_hierarchy;
	bool mem_use_hierarchy;
	bool has_mem_check_before_update;
	bool mem_check_before_update;
	/* kernel, kernelTCP: deprecated; parser rejects non-zero values */

	/* cpu */
	bool has_cpu_shares;
	uint64_t cpu_shares;
	bool has_cpu_quota;
	int64_t cpu_quota;
	bool has_cpu_burst;
	uint64_t cpu_burst;
	bool has_cpu_period;
	uint64_t cpu_period;
	bool has_cpu_rt_runtime;
	int64_t cpu_rt_runtime;
	bool has_cpu_rt_period;
	uint64_t cpu_rt_period;
	char *cpu_cpus;
	char *cpu_mems;
	bool has_cpu_idle;
	int64_t cpu_idle;

	/* pids */
	bool has_pids_limit;
	int64_t pids_limit; /* <= 0 = unlimited ("max") */

	/* blockIO */
	bool has_blkio_weight;
	uint16_t blkio_weight;
	bool has_blkio_leaf_weight;
	uint16_t blkio_leaf_weight;
	struct hrun_weight_device *blkio_weight_device;
	size_t n_blkio_weight_device;
	struct hrun_throttle *blkio_read_bps;
	size_t n_blkio_read_bps;
	struct hrun_throttle *blkio_write_bps;
	size_t n_blkio_write_bps;
	struct hrun_throttle *blkio_read_iops;
	size_t n_blkio_read_iops;
	struct hrun_throttle *blkio_write_iops;
	size_t n_blkio_write_iops;

	struct hrun_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;

	/* network (classID, priorities): cgroup v1 only; parser rejects */
	/* rdma: parser rejects unless empty */

	struct hrun_kv *unified;
	size_t n_unified;
};

enum hrun_seccomp_action {
	HRUN_SCMP_KILL = 0, /* SCMP_ACT_KILL / SCMP_ACT_KILL_THREAD */
	HRUN_SCMP_KILL_PROCESS,
	HRUN_SCMP_TRAP,
	HRUN_SCMP_ERRNO,
	HRUN_SCMP_TRACE,
	HRUN_SCMP_ALLOW,
	HRUN_SCMP_LOG,
	HRUN_SCMP_NOTIFY,
};

enum hrun_seccomp_op {
	HRUN_SCMP_CMP_NE = 0,
	HRUN_SCMP_CMP_LT,
	HRUN_SCMP_CMP_LE,
	HRUN_SCMP_CMP_EQ,
	HRUN_SCMP_CMP_GE,
	HRUN_SCMP_CMP_GT,
	HRUN_SCMP_CMP_MASKED_EQ,
};

struct hrun_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum hrun_seccomp_op op;
};

struct hrun_seccomp_rule {
	char **names; /* NULL-terminated, at least one */
	enum hrun_seccomp_action action;
	bool has_errno_ret;
	unsigned errno_ret;
	struct hrun_seccomp_arg *args;
	size_t n_args;
};

/* seccomp flags (linux.seccomp.flags) */
#define HRUN_SECCOMP_FLAG_LOG (1u << 0)
#define HRUN_SECCOMP_FLAG_SPEC_ALLOW (1u << 1)
#define HRUN_SECCOMP_FLAG_WAIT_KILLABLE_RECV (1u << 2)

struct hrun_seccomp {
	enum hrun_seccomp_action default_action;
	bool has_default_errno_ret;
	unsigned default_errno_ret;
	char **architectures; /* "SCMP_ARCH_X86_64", ... verbatim (validated) */
	unsigned flags;       /* HRUN_SECCOMP_FLAG_* */
	struct hrun_seccomp_rule *syscalls;
	size_t n_syscalls;
	/* listenerPath/listenerMetadata: rejected (no notify support) */
};

struct hrun_hook {
	char *path; /* absolute */
	char **args;
	char **env;
	bool has_timeout;
	int64_t timeout; /* seconds, > 0 */
};

enum hrun_hook_kind {
	HRUN_HOOK_PRESTART = 0,
	HRUN_HOOK_CREATE_RUNTIME,
	HRUN_HOOK_CREATE_CONTAINER,
	HRUN_HOOK_START_CONTAINER,
	HRUN_HOOK_POSTSTART,
	HRUN_HOOK_POSTSTOP,
	HRUN_HOOK_COUNT,
};

struct hrun_hook_list {
	struct hrun_hook *hooks;
	size_t n;
};

/* linux.netDevices (config-linux.md "Network Devices"): a network device
 * of the runtime's network namespace that the runtime moves into the
 * container's (src/linux/netdev.c) */
struct hrun_net_device {
	char *host_name; /* the key: its name in the runtime's namespace */
	char *name;      /* its name in the container ("%d": the kernel picks
			  * a free number); NULL: host_name */
};

struct hrun_linux {
	struct hrun_namespace namespaces[HRUN_NS_COUNT];
	struct hrun_id_map *uid_mappings;
	size_t n_uid_mappings;
	struct hrun_id_map *gid_mappings;
	size_t n_gid_mappings;
	struct hrun_device *devices;
	size_t n_devices;
	char *cgroups_path;
	bool has_resources;
	struct hrun_resources resources;
	struct hrun_kv *sysctl;
	size_t n_sysctl;
	struct hrun_seccomp *seccomp; /* NULL: no filter */
	enum hrun_propagation rootfs_propagation;
	char **masked_paths;
	char **readonly_paths;
	char *mount_label; /* NULL: none ("" is read as none) */
	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 */
	/* time namespace offsets */
	bool has_time_offsets;
	int64_t boottime_secs;
	uint32_t boottime_nanosecs;
	int64_t monotonic_secs;
	uint32_t monotonic_nanosecs;
	bool has_memory_policy;
	struct hrun_memory_policy memory_policy;
	struct hrun_net_device *net_devices;
	size_t n_net_devices;
	/* intelRdt: rejected unless empty */
};

struct hrun_spec {
	char *oci_version;
	char *root_path; /* as written: relative to the bundle or absolute */
	bool root_readonly;
	struct hrun_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct hrun_process process;
	char *hostname;
	char *domainname;
	struct hrun_kv *annotations;
	size_t n_annotations;
	struct hrun_hook_list hooks[HRUN_HOOK_COUNT];
	struct hrun_linux linux_cfg;
};

/*
 * Parse config.json text. FILENAME is used only in error messages
 * ("config.json: process.user.uid: expected ..."). On failure returns a
 * negative errno with the message recorded (see error.h) and *ret_spec
 * untouched. Semantic checks done here: required fields, types, ranges,
 * absolute paths where the spec demands them, known names (namespaces,
 * capabilities, rlimits, seccomp actions/ops/architectures), unsupported
 * fields present with a non-empty value.
 */
int spec_parse(const char *filename, const char *text, size_t len, struct hrun_spec **ret_spec);

/* Read and parse BUNDLE/config.json (errors name "config.json"). */
int spec_load(const char *bundle_dir, struct hrun_spec **ret_spec);
/* spec_load, also returning the exact bytes parsed (the state snapshot). */
int spec_load_text(const char *bundle_dir, struct hrun_spec **ret_spec, char **ret_text,
		   size_t *ret_len);

/* The checks `run` (and `check`) make on a parsed config beyond the
 * parser's: a container needs `process`. */
int spec_validate_run(const struct hrun_spec *spec);

/* Parse a standalone OCI process object (hrun exec --process FILE). */
int spec_parse_process(const char *filename, const char *text, size_t len,
		       struct hrun_process *ret_process);

/* Parse a linux.resources object (hrun update --resources FILE). */
int spec_parse_resources(const char *filename, const char *text, size_t len,
			 struct hrun_resources *ret_resources);

void spec_free(struct hrun_spec *spec);
void spec_process_clear(struct hrun_process *p);
void spec_resources_clear(struct hrun_resources *r);

/* "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" */
const char *spec_ns_name(enum hrun_ns_type t);
/* CLONE_NEW* flag for a namespace type */
int spec_ns_clone_flag(enum hrun_ns_type t);

/* The namespace that isolates sysctl KEY, HRUN_NS_COUNT if none does. */
enum hrun_ns_type spec_sysctl_namespace(const char *key);

/* Names of the mount options hrun honours (for `hrun features`): fills up
 * to MAX entries of RET, returns the count. */
size_t spec_mount_options(const char **ret, size_t max);

/* Free a NULL-terminated string list. */
void strv_free(char **v);

#endif
