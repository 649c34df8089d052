/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> struct hrun_spec: the tables of the top level, process
 * and hooks, the checks that need several fields, the entry points
 * (spec_parse, spec_parse_process, spec_parse_resources, spec_load) and
 * the free functions.
 *
 * The machinery the tables run on (the walker, the handlers, the error
 * line "FILE: json.path: problem") is in spec_handlers.c; the "linux"
 * object and mounts are in spec_linux.c, scheduling in spec_sched.c.
 */
#define _GNU_SOURCE
#include "spec-internal.h"

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* process                                                             */

#define CAP(x) { "CAP_" #x, CAP_##x }
static const struct spec_name_value cap_values[] = {
	CAP(CHOWN),	       CAP(DAC_OVERRIDE),  CAP(DAC_READ_SEARCH), CAP(FOWNER),
	CAP(FSETID),	       CAP(KILL),	   CAP(SETGID),		 CAP(SETUID),
	CAP(SETPCAP),	       CAP(LINUX_IMMUTABLE), CAP(NET_BIND_SERVICE), CAP(NET_BROADCAST),
	CAP(NET_ADMIN),	       CAP(NET_RAW),	   CAP(IPC_LOCK),	 CAP(IPC_OWNER),
	CAP(SYS_MODULE),       CAP(SYS_RAWIO),	   CAP(SYS_CHROOT),	 CAP(SYS_PTRACE),
	CAP(SYS_PACCT),	       CAP(SYS_ADMIN),	   CAP(SYS_BOOT),	 CAP(SYS_NICE),
	CAP(SYS_RESOURCE),     CAP(SYS_TIME),	   CAP(SYS_TTY_CONFIG),	 CAP(MKNOD),
	CAP(LEASE),	       CAP(AUDIT_WRITE),   CAP(AUDIT_CONTROL),	 CAP(SETFCAP),
	CAP(MAC_OVERRIDE),     CAP(MAC_ADMIN),	   CAP(SYSLOG),		 CAP(WAKE_ALARM),
	CAP(BLOCK_SUSPEND),    CAP(AUDIT_READ),	   CAP(PERFMON),	 CAP(BPF),
	CAP(CHECKPOINT_RESTORE),
};
static const struct spec_names cap_names = { cap_values, ARRAY_SIZE(cap_values), "capability" };

struct cap_set {
	struct hrun_caps *caps;
	uint64_t *mask;
	size_t set; /* index into first_index, HRUN_CAP_SETS: none */
};

static void add_cap(size_t i, int cap, void *arg)
{
	struct cap_set *s = arg;

	if (!(*s->mask & (UINT64_C(1) << cap)) && s->set < HRUN_CAP_SETS)
		s->caps->first_index[s->set][cap] = i;
	*s->mask |= UINT64_C(1) << cap;
}

/* array of "CAP_*" names -> bit mask */
static int h_caps(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	/* bounding..ambient are consecutive uint64_t: which set is this? */
	struct cap_set s = {
		.caps = base,
		.mask = SPEC_AT(base, f->off),
		.set = (f->off - offsetof(struct hrun_caps, bounding)) / sizeof(uint64_t),
	};

	return spec_each_name(c, path, v, &cap_names, add_cap, &s);
}

static const struct spec_field caps_fields[] = {
	SPEC_FLD("bounding", h_caps, struct hrun_caps, bounding),
	SPEC_FLD("effective", h_caps, struct hrun_caps, effective),
	SPEC_FLD("permitted", h_caps, struct hrun_caps, permitted),
	SPEC_FLD("inheritable", h_caps, struct hrun_caps, inheritable),
	SPEC_FLD("ambient", h_caps, struct hrun_caps, ambient),
};

#define RL(x) { "RLIMIT_" #x, RLIMIT_##x }
static const struct spec_name_value rlimit_values[] = {
	RL(AS),	     RL(CORE),	 RL(CPU),    RL(DATA),	 RL(FSIZE),  RL(LOCKS),
	RL(MEMLOCK), RL(MSGQUEUE), RL(NICE), RL(NOFILE), RL(NPROC),  RL(RSS),
	RL(RTPRIO),  RL(RTTIME), RL(SIGPENDING), RL(STACK),
};
static const struct spec_names rlimit_names = { rlimit_values, ARRAY_SIZE(rlimit_values),
						"rlimit" };

static const struct spec_field rlimit_fields[] = {
	SPEC_FLD("type", spec_h_enum, struct hrun_rlimit, resource, .names = &rlimit_names,
		 SPEC_REQ),
	SPEC_FLD("soft", spec_h_u64_or_max, struct hrun_rlimit, soft, SPEC_U64, SPEC_REQ),
	SPEC_FLD("hard", spec_h_u64_or_max, struct hrun_rlimit, hard, SPEC_U64, SPEC_REQ),
};

static int check_rlimit(const struct spec_ctx *c, const char *path, void *elem)
{
	const struct hrun_rlimit *l = elem;

	if (l->soft > l->hard)
		return spec_fail(c, path, "soft limit %" PRIu64 " exceeds hard limit %" PRIu64,
				 l->soft, l->hard);
	return 0;
}

static int h_rlimits(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		     const struct spec_field *f)
{
	const struct hrun_process *proc = base;
	char p[SPEC_PATH_LEN], q[SPEC_PATH_LEN];
	int r = spec_h_obj_array(c, path, v, base, f);

	if (r < 0)
		return r;
	/* the spec: "a runtime MUST generate an error for any values which
	 * cannot be mapped to a relevant kernel interface", and one type
	 * twice would make the later silently win */
	for (size_t i = 1; i < proc->n_rlimits; i++)
		for (size_t j = 0; j < i; j++)
			if (proc->rlimits[i].resource == proc->rlimits[j].resource) {
				spec_path_idx(q, path, i);
				spec_path_key(p, q, "type");
				return spec_fail(c, p, "duplicate rlimit %s",
						 spec_describe(json_object_get(
								       json_array_get(v, i), "type"))
							 .s);
			}
	return 0;
}

static const struct spec_field console_fields[] = {
	SPEC_FLD("height", spec_h_uint, struct hrun_process, console_height,
		 SPEC_RANGE(0, UINT16_MAX), SPEC_REQ),
	SPEC_FLD("width", spec_h_uint, struct hrun_process, console_width,
		 SPEC_RANGE(0, UINT16_MAX), SPEC_REQ),
};

static int h_gids(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	struct hrun_user *u = base;
	char p[SPEC_PATH_LEN];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	if (json_array_size(v) == 0)
		return 0;
	u->additional_gids = calloc(json_array_size(v), sizeof(gid_t));
	if (!u->additional_gids)
		return spec_oom(c);
	json_array_foreach(v, i, e) {
		int64_t n;
		int r;

		spec_path_idx(p, path, i);
		r = spec_get_int(c, p, e, 0, UINT32_MAX - 1, &n);
		if (r < 0)
			return r;
		u->additional_gids[u->n_additional_gids++] = (gid_t)n;
	}
	return 0;
}

static const struct spec_field user_fields[] = {
	/* (uid_t)-1 means "unchanged" to setresuid(): never a valid id */
	SPEC_FLD("uid", spec_h_u32, struct hrun_user, uid, SPEC_ID, SPEC_REQ),
	SPEC_FLD("gid", spec_h_u32, struct hrun_user, gid, SPEC_ID, SPEC_REQ),
	SPEC_FLD("umask", spec_h_mode, struct hrun_user, umask, SPEC_RANGE(0, 0777),
		 SPEC_HAS(struct hrun_user, has_umask)),
	SPEC_FLD("additionalGids", h_gids, struct hrun_user, additional_gids),
	SPEC_UNSUP("username", "a Windows-only field; use uid/gid"),
};

static const struct spec_field process_fields[] = {
	SPEC_FLD("terminal", spec_h_bool, struct hrun_process, terminal),
	SPEC_FLAT("consoleSize", console_fields,
		  SPEC_HAS(struct hrun_process, has_console_size)),
	SPEC_OBJ("user", struct hrun_process, user, user_fields, SPEC_REQ),
	SPEC_FLD("args", spec_h_strv, struct hrun_process, args, SPEC_RANGE(1, 0), SPEC_REQ),
	SPEC_FLD("env", spec_h_env, struct hrun_process, env),
	SPEC_FLD("cwd", spec_h_abs, struct hrun_process, cwd, SPEC_REQ),
	SPEC_OBJ("capabilities", struct hrun_process, caps, caps_fields,
		 SPEC_HAS(struct hrun_process, has_caps)),
	SPEC_OBJARR_FN("rlimits", h_rlimits, struct hrun_process, rlimits, n_rlimits,
		       rlimit_fields, struct hrun_rlimit, .check = check_rlimit),
	SPEC_FLD("noNewPrivileges", spec_h_bool, struct hrun_process, no_new_privileges),
	SPEC_FLD("oomScoreAdj", spec_h_int, struct hrun_process, oom_score_adj,
		 SPEC_RANGE(-1000, 1000), SPEC_HAS(struct hrun_process, has_oom_score_adj)),
	SPEC_FLD("apparmorProfile", spec_h_label, struct hrun_process, apparmor_profile),
	SPEC_FLD("selinuxLabel", spec_h_label, struct hrun_process, selinux_label),
	SPEC_FLD("ioPriority", spec_h_io_priority, struct hrun_process, io_priority),
	SPEC_FLD("scheduler", spec_h_scheduler, struct hrun_process, scheduler),
	SPEC_FLD("execCPUAffinity", spec_h_cpu_affinity, struct hrun_process, cpus_initial),
};

/* ------------------------------------------------------------------ */
/* hooks                                                               */

static const struct spec_field hook_fields[] = {
	SPEC_FLD("path", spec_h_abs, struct hrun_hook, path, SPEC_REQ),
	SPEC_FLD("args", spec_h_strv, struct hrun_hook, args),
	SPEC_FLD("env", spec_h_env, struct hrun_hook, env),
	SPEC_FLD("timeout", spec_h_i64, struct hrun_hook, timeout, SPEC_RANGE(1, INT64_MAX),
		 SPEC_HAS(struct hrun_hook, has_timeout)),
};

#define HOOKS(name, kind)                                                                          \
	SPEC_OBJARR(name, struct hrun_spec, hooks[kind].hooks, hooks[kind].n, hook_fields,         \
		    struct hrun_hook)

static const struct spec_field hooks_fields[] = {
	HOOKS("prestart", HRUN_HOOK_PRESTART),
	HOOKS("createRuntime", HRUN_HOOK_CREATE_RUNTIME),
	HOOKS("createContainer", HRUN_HOOK_CREATE_CONTAINER),
	HOOKS("startContainer", HRUN_HOOK_START_CONTAINER),
	HOOKS("poststart", HRUN_HOOK_POSTSTART),
	HOOKS("poststop", HRUN_HOOK_POSTSTOP),
};

/* ------------------------------------------------------------------ */
/* top level                                                           */

/* "1.x.y" of any minor/patch: the spec keeps compatibility within a
 * major version, and hrun ignores fields it does not know. */
static int h_oci_version(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			 const struct spec_field *f)
{
	const char *s;
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	s = json_string_value(v);
	if (strncmp(s, "1.", 2) != 0 || s[2] < '0' || s[2] > '9')
		return spec_fail(c, path, "unsupported version %s (hrun supports 1.x)",
				 spec_describe(v).s);
	return spec_h_str(c, path, v, base, f);
}

/* sethostname()/setdomainname() refuse more than 64 bytes: say so now */
static int h_hostname(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		      const struct spec_field *f)
{
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	if (json_string_length(v) > 64)
		return spec_fail(c, path, "longer than 64 characters");
	return spec_h_str(c, path, v, base, f);
}

static const struct spec_field root_fields[] = {
	SPEC_FLD("path", spec_h_str, struct hrun_spec, root_path, SPEC_REQ),
	SPEC_FLD("readonly", spec_h_bool, struct hrun_spec, root_readonly),
};

static const struct spec_field spec_fields[] = {
	SPEC_FLD("ociVersion", h_oci_version, struct hrun_spec, oci_version, SPEC_REQ),
	SPEC_FLAT("root", root_fields, SPEC_REQ),
	SPEC_FLD("mounts", spec_h_mounts, struct hrun_spec, mounts,
		 .cnt = offsetof(struct hrun_spec, n_mounts)),
	SPEC_OBJ("process", struct hrun_spec, process, process_fields,
		 SPEC_HAS(struct hrun_spec, has_process)),
	SPEC_FLD("hostname", h_hostname, struct hrun_spec, hostname),
	SPEC_FLD("domainname", h_hostname, struct hrun_spec, domainname),
	SPEC_FLD("annotations", spec_h_kv, struct hrun_spec, annotations,
		 .cnt = offsetof(struct hrun_spec, n_annotations)),
	SPEC_FLAT("hooks", hooks_fields),
	SPEC_FLD("linux", spec_h_linux, struct hrun_spec, linux_cfg),
};

static bool ns_new(const struct hrun_spec *s, enum hrun_ns_type t)
{
	return s->linux_cfg.namespaces[t].enabled && !s->linux_cfg.namespaces[t].path;
}

/* Checks that need more than one field. */
/* Without a mount namespace the container shares the runtime's (the
 * runtime-spec: an unlisted type is inherited); hrun then only chroots into
 * the rootfs and never mounts into the runtime's namespace, so every field
 * that needs a mount is refused (never silently dropped). A mount namespace
 * joined by path is shared the same way: mounts, a pivot_root or a
 * propagation change there would reach its other processes. */
static int check_no_mount_ns(const struct hrun_spec *s)
{
	const struct hrun_linux *l = &s->linux_cfg;
	const char *field = NULL;

	if (ns_new(s, HRUN_NS_MOUNT))
		return 0;
	/* a new user namespace owns nothing yet: a mount namespace of another
	 * user namespace can never be joined from it */
	if (l->namespaces[HRUN_NS_MOUNT].path && ns_new(s, HRUN_NS_USER))
		return hrun_err(EINVAL, "config.json: linux.namespaces: mount `%s`: cannot be "
				"joined from a new user namespace (it belongs to another one: "
				"give the user namespace by path too)",
				l->namespaces[HRUN_NS_MOUNT].path);
	if (s->n_mounts)
		field = "mounts";
	else if (s->root_readonly)
		field = "root.readonly";
	else if (l->masked_paths && l->masked_paths[0])
		field = "linux.maskedPaths";
	else if (l->readonly_paths && l->readonly_paths[0])
		field = "linux.readonlyPaths";
	else if (l->n_devices)
		field = "linux.devices";
	else if (l->rootfs_propagation)
		field = "linux.rootfsPropagation";
	else if (l->n_sysctl)
		field = "linux.sysctl";
	else if (s->has_process && s->process.terminal)
		field = "process.terminal";
	if (!field)
		return 0;
	if (l->namespaces[HRUN_NS_MOUNT].path)
		return hrun_err(EINVAL, "config.json: %s: requires a new mount namespace in "
				"linux.namespaces (hrun never mounts into the joined mount namespace "
				"`%s`, whose other processes would see it)",
				field, l->namespaces[HRUN_NS_MOUNT].path);
	return hrun_err(EINVAL, "config.json: %s: requires a mount namespace in linux.namespaces "
			"(without one the container shares the runtime's, which hrun never mounts "
			"into)", field);
}

static int check_spec(const struct spec_ctx *c, const struct hrun_spec *s)
{
	const struct hrun_linux *l = &s->linux_cfg;
	int r;

	if ((l->n_uid_mappings || l->n_gid_mappings) && !ns_new(s, HRUN_NS_USER))
		return spec_fail(c, l->n_uid_mappings ? "linux.uidMappings" : "linux.gidMappings",
				 "requires a new user namespace in linux.namespaces");
	/* as runc: a new user namespace without mappings would leave every
	 * id unmapped (overflow id), which is never what was meant */
	if (ns_new(s, HRUN_NS_USER) && !l->n_uid_mappings)
		return spec_fail(c, "linux.uidMappings",
				 "required when a new user namespace is requested");
	if (ns_new(s, HRUN_NS_USER) && !l->n_gid_mappings)
		return spec_fail(c, "linux.gidMappings",
				 "required when a new user namespace is requested");
	if (l->has_time_offsets && !ns_new(s, HRUN_NS_TIME))
		return spec_fail(c, "linux.timeOffsets",
				 "requires a new time namespace in linux.namespaces");
	/* without a private UTS namespace this would rename the host */
	if (s->hostname && s->hostname[0] && !l->namespaces[HRUN_NS_UTS].enabled)
		return spec_fail(c, "hostname", "requires a UTS namespace in linux.namespaces");
	if (s->domainname && s->domainname[0] && !l->namespaces[HRUN_NS_UTS].enabled)
		return spec_fail(c, "domainname", "requires a UTS namespace in linux.namespaces");
	r = spec_check_mounts(c, s);
	if (r < 0)
		return r;
	return spec_check_net_devices(c, l) ?: spec_check_sysctl(c, l);
}

#define U64_MAX_TEXT "18446744073709551615"
#define I64_MIN_TEXT "-9223372036854775808" /* the same length */

static bool number_char(char ch)
{
	return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' ||
	       ch == 'E';
}

/*
 * jansson (2.14) decodes integers into json_int_t only up to INT64_MAX and
 * refuses the rest ("too big integer"), but engines send RLIM_INFINITY
 * (18446744073709551615) for an unlimited rlimit. Outside strings, that
 * exact number token is rewritten in place to INT64_MIN, which has the
 * same length (error positions stay right) and which no OCI field can
 * use: a literal INT64_MIN in the input is refused, so INT64_MIN after
 * parsing always means UINT64_MAX (spec_h_u64_or_max accepts it, every other
 * integer field refuses it naming 18446744073709551615). Other values
 * above INT64_MAX stay errors. Sets *RET_COPY (NULL if nothing changed).
 */
static int prescan_u64max(const struct spec_ctx *c, const char *text, size_t len,
			  char **ret_copy)
{
	const size_t tl = sizeof(U64_MAX_TEXT) - 1;
	bool in_str = false;

	*ret_copy = NULL;
	for (size_t i = 0; i < len; i++) {
		size_t j = i;

		if (in_str) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_str = false;
			continue;
		}
		if (text[i] == '"') {
			in_str = true;
			continue;
		}
		if (!number_char(text[i]))
			continue;
		while (j < len && number_char(text[j]))
			j++;
		if (j - i == tl && memcmp(text + i, I64_MIN_TEXT, tl) == 0) {
			free(*ret_copy);
			*ret_copy = NULL; /* the caller frees it too */
			return hrun_err(EINVAL, "%s: the number " I64_MIN_TEXT " is out of range",
					c->file);
		}
		if (j - i == tl && memcmp(text + i, U64_MAX_TEXT, tl) == 0) {
			if (!*ret_copy) {
				*ret_copy = malloc(len + 1);
				if (!*ret_copy)
					return spec_oom(c);
				memcpy(*ret_copy, text, len);
				(*ret_copy)[len] = '\0';
			}
			memcpy(*ret_copy + i, I64_MIN_TEXT, tl);
		}
		i = j - 1;
	}
	return 0;
}

static int load_json(const struct spec_ctx *c, const char *text, size_t len, json_t **ret)
{
	_cleanup_free_ char *copy = NULL;
	json_error_t jerr;
	json_t *root;
	int r = prescan_u64max(c, text, len, &copy);

	if (r < 0)
		return r;
	/* duplicate keys are ambiguous (which one wins?): refuse them */
	root = json_loadb(copy ? copy : text, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!root) {
		util_scrub_control(jerr.text);
		return hrun_err(EINVAL, "%s: invalid JSON at line %d column %d: %s", c->file,
				jerr.line, jerr.column, jerr.text);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		return spec_fail(c, NULL, "expected a JSON object at the top level");
	}
	*ret = root;
	return 0;
}

/* What one entry point parses: the name of the file in messages (when the
 * caller gives none), the parse of the top-level object into OUT, and the
 * clear of a partially filled OUT on failure. */
struct spec_entry {
	const char *file;
	int (*parse)(const struct spec_ctx *c, json_t *root, void *out);
	void (*clear)(void *out);
};

static int parse_text(const struct spec_entry *e, const char *filename, const char *text,
		      size_t len, void *out)
{
	struct spec_ctx c = { .file = filename ? filename : e->file };
	json_t *root;
	int r = load_json(&c, text, len, &root);

	if (r >= 0) {
		r = e->parse(&c, root, out);
		json_decref(root);
	}
	if (r < 0)
		e->clear(out);
	return r;
}

static int parse_config(const struct spec_ctx *c, json_t *root, void *out)
{
	int r = spec_parse_object(c, "", root, spec_fields, ARRAY_SIZE(spec_fields), out);

	return r < 0 ? r : check_spec(c, out);
}

static void free_config(void *out)
{
	spec_free(out);
}

int spec_parse(const char *filename, const char *text, size_t len, struct hrun_spec **ret_spec)
{
	static const struct spec_entry e = { "config.json", parse_config, free_config };
	struct hrun_spec *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return hrun_err(ENOMEM, "%s: out of memory", filename ? filename : e.file);
	r = parse_text(&e, filename, text, len, s);
	if (r < 0)
		return r;
	*ret_spec = s;
	return 0;
}

static int parse_process(const struct spec_ctx *c, json_t *root, void *out)
{
	return spec_parse_object(c, "", root, process_fields, ARRAY_SIZE(process_fields), out);
}

static void clear_process(void *out)
{
	spec_process_clear(out);
}

int spec_parse_process(const char *filename, const char *text, size_t len,
		       struct hrun_process *ret_process)
{
	static const struct spec_entry e = { "process.json", parse_process, clear_process };
	struct hrun_process p = { 0 };
	int r = parse_text(&e, filename, text, len, &p);

	if (r < 0)
		return r;
	*ret_process = p;
	return 0;
}

static int parse_resources(const struct spec_ctx *c, json_t *root, void *out)
{
	return spec_parse_resources_json(c, "", root, out);
}

static void clear_resources(void *out)
{
	spec_resources_clear(out);
}

int spec_parse_resources(const char *filename, const char *text, size_t len,
			 struct hrun_resources *ret_resources)
{
	static const struct spec_entry e = { "resources.json", parse_resources,
					     clear_resources };
	struct hrun_resources res = { 0 };
	int r = parse_text(&e, filename, text, len, &res);

	if (r < 0)
		return r;
	*ret_resources = res;
	return 0;
}

int spec_validate_run(const struct hrun_spec *spec)
{
	if (!spec->has_process)
		return hrun_err(EINVAL, "config.json: process: required to run a container");
	return check_no_mount_ns(spec);
}

int spec_load_text(const char *bundle_dir, struct hrun_spec **ret_spec, char **ret_text,
		   size_t *ret_len)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int r;

	if (asprintf(&path, "%s/config.json", bundle_dir ? bundle_dir : ".") < 0)
		return hrun_err(ENOMEM, "out of memory");
	/* the one open and read of config.json for this command */
	r = util_read_file(path, HRUN_SPEC_MAX_SIZE, &buf, &len);
	if (r < 0)
		return r;
	r = spec_parse("config.json", buf, len, ret_spec);
	if (r < 0)
		return r;
	if (ret_text) {
		*ret_text = TAKE_PTR(buf);
		*ret_len = len;
	}
	return 0;
}

int spec_load(const char *bundle_dir, struct hrun_spec **ret_spec)
{
	return spec_load_text(bundle_dir, ret_spec, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* freeing                                                             */

void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void spec_kv_free(struct hrun_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void spec_process_clear(struct hrun_process *p)
{
	if (!p)
		return;
	strv_free(p->args);
	strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
	free(p->user.additional_gids);
	free(p->user.username);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->cpus_initial);
	free(p->cpus_final);
	*p = (struct hrun_process){ 0 };
}

static void hooks_clear(struct hrun_hook_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->hooks[i].path);
		strv_free(l->hooks[i].args);
		strv_free(l->hooks[i].env);
	}
	free(l->hooks);
}

void spec_free(struct hrun_spec *spec)
{
	if (!spec)
		return;
	free(spec->oci_version);
	free(spec->root_path);
	for (size_t i = 0; i < spec->n_mounts; i++)
		spec_mount_clear(&spec->mounts[i]);
	free(spec->mounts);
	spec_process_clear(&spec->process);
	free(spec->hostname);
	free(spec->domainname);
	spec_kv_free(spec->annotations, spec->n_annotations);
	for (size_t i = 0; i < HRUN_HOOK_COUNT; i++)
		hooks_clear(&spec->hooks[i]);
	spec_linux_clear(&spec->linux_cfg);
	free(spec);
}
