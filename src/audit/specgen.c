/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "hrun spec": write a config.json that passes every hrun check rule:
 * unprivileged user, no capabilities, no_new_privs, the default seccomp
 * profile inlined, read-only root, private namespaces, resource limits,
 * deny-all device cgroup, standard masked/read-only /proc paths.
 */
#define _GNU_SOURCE
#include "hrun/specgen.h"
#include "hrun/check.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/lsm.h"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPECGEN_OOM() hrun_err(ENOMEM, "spec: out of memory")

int specgen_seccomp_path(char **ret)
{
	const char *env = getenv("HRUN_PROFILES");
	const char *dirs[] = { HRUN_DATADIR, HRUN_SOURCE_PROFILES };
	char *p;

	if (env && *env) {
		if (asprintf(&p, "%s/seccomp/default.json", env) < 0)
			return SPECGEN_OOM();
		*ret = p;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (asprintf(&p, "%s/seccomp/default.json", dirs[i]) < 0)
			return SPECGEN_OOM();
		if (access(p, R_OK) == 0) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	return hrun_err(ENOENT, "spec: default seccomp profile not found in %s/seccomp or %s/seccomp",
			HRUN_DATADIR, HRUN_SOURCE_PROFILES);
}

/* Load the profile and keep only the linux.seccomp members of the OCI
 * spec, so comments or metadata in the profile file never leak into
 * config.json. */
static int specgen_seccomp(const char *path_arg, json_t **ret)
{
	static const char *const keys[] = {
		"defaultAction", "defaultErrnoRet", "architectures", "flags", "syscalls",
	};
	_cleanup_free_ char *path = NULL;
	json_t *prof, *out;
	int r;

	if (!path_arg && (r = specgen_seccomp_path(&path)) < 0)
		return r;
	if ((r = check_load_json(path_arg ? path_arg : path, &prof)) < 0)
		return hrun_err_prefix(r, "spec: seccomp profile");
	if (!json_is_string(json_object_get(prof, "defaultAction"))) {
		json_decref(prof);
		return hrun_err(EINVAL, "spec: seccomp profile `%s` has no defaultAction",
				path_arg ? path_arg : path);
	}
	out = json_object();
	for (size_t i = 0; out && i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(prof, keys[i]);
		if (v && json_object_set(out, keys[i], v) < 0) {
			json_decref(out);
			out = NULL;
		}
	}
	json_decref(prof);
	if (!out)
		return SPECGEN_OOM();
	*ret = out;
	return 0;
}

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();

	for (; a && v && *v; v++) {
		if (json_array_append_new(a, json_string(*v)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *specgen_mount(const char *dst, const char *type, const char *src, const char *const *opts)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type, "source", src, "options",
			 strv_json(opts));
}

static json_t *specgen_mounts(bool rootless)
{
	static const char *const proc[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	/* gid=5 (tty) cannot be mapped in a single-id user namespace */
	static const char *const pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
	static const char *const pts_rootless[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL };
	static const char *const shm[] = { "nosuid", "nodev", "noexec", "mode=1777", "size=65536k", NULL };
	static const char *const mqueue[] = { "nosuid", "nodev", "noexec", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
	static const char *const tmp[] = { "nosuid", "nodev", "noexec", "mode=1777", "size=64m", NULL };
	static const char *const run[] = { "nosuid", "nodev", "noexec", "mode=755", "size=16m", NULL };

	return json_pack("[o, o, o, o, o, o, o, o, o]", specgen_mount("/proc", "proc", "proc", proc),
			 specgen_mount("/dev", "tmpfs", "tmpfs", dev),
			 specgen_mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts),
			 specgen_mount("/dev/shm", "tmpfs", "shm", shm),
			 specgen_mount("/dev/mqueue", "mqueue", "mqueue", mqueue),
			 specgen_mount("/sys", "sysfs", "sysfs", sys),
			 specgen_mount("/sys/fs/cgroup", "cgroup", "cgroup", cgroup),
			 specgen_mount("/tmp", "tmpfs", "tmpfs", tmp), specgen_mount("/run", "tmpfs", "tmpfs", run));
}

static json_t *specgen_process(const struct specgen_options *o)
{
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL,
	};
	static const char *const default_args[] = { "sh", NULL };

	json_t *p = json_pack("{s:b, s:{s:I, s:I}, s:o, s:o, s:s,"
			 " s:{s:[], s:[], s:[], s:[], s:[]},"
			 " s:[{s:s, s:i, s:i}], s:b}",
			 "terminal", 0, "user", "uid", (json_int_t)o->uid, "gid", (json_int_t)o->gid, "args",
			 strv_json(o->args ? o->args : default_args), "env", strv_json(env), "cwd", "/",
			 "capabilities", "bounding", "effective", "inheritable", "permitted", "ambient",
			 "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024, "noNewPrivileges", 1);
	/* the shipped profile (profiles/apparmor/hrun-default), only where
	 * AppArmor can apply it: elsewhere run would refuse the config */
	if (p && lsm_apparmor_enabled() &&
	    json_object_set_new(p, "apparmorProfile", json_string("hrun-default")) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static json_t *specgen_namespaces(const struct specgen_options *o)
{
	json_t *ns = json_pack("[{s:s}, {s:s}, {s:s}, {s:s}, {s:s}, {s:s}]", "type", "pid", "type", "network",
			       "type", "ipc", "type", "uts", "type", "mount", "type", "cgroup");

	if (ns && o->rootless && json_array_append_new(ns, json_pack("{s:s}", "type", "user")) < 0) {
		json_decref(ns);
		return NULL;
	}
	return ns;
}

static json_t *specgen_resources(const struct specgen_options *o)
{
	json_t *res = json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm");

	if (!res || o->no_limits)
		return res;
	if (json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t)536870912)) < 0 ||
	    json_object_set_new(res, "cpu", json_pack("{s:I, s:I}", "quota", (json_int_t)50000, "period",
						      (json_int_t)100000)) < 0 ||
	    json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)256)) < 0) {
		json_decref(res);
		return NULL;
	}
	return res;
}

static json_t *specgen_linux(const struct specgen_options *o, json_t *seccomp)
{
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
		"/proc/scsi", "/sys/devices/virtual/powercap", NULL,
	};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
	};
	json_t *l = json_pack("{s:o, s:o, s:o, s:o, s:o}", "namespaces", specgen_namespaces(o), "resources",
			      specgen_resources(o), "maskedPaths", strv_json(masked), "readonlyPaths",
			      strv_json(readonly), "seccomp", seccomp);

	/* map the invoking user onto the container user: nothing else exists
	 * in the namespace, so container root is never host root */
	if (l && o->rootless &&
	    (json_object_set_new(l, "uidMappings", json_pack("[{s:I, s:I, s:i}]", "containerID", (json_int_t)o->uid,
							     "hostID", (json_int_t)getuid(), "size", 1)) < 0 ||
	     json_object_set_new(l, "gidMappings", json_pack("[{s:I, s:I, s:i}]", "containerID", (json_int_t)o->gid,
							     "hostID", (json_int_t)getgid(), "size", 1)) < 0)) {
		json_decref(l);
		return NULL;
	}
	return l;
}

int specgen_build(const struct specgen_options *o, json_t **ret)
{
	json_t *seccomp = NULL, *cfg;
	int r;

	if ((r = specgen_seccomp(o->seccomp_path, &seccomp)) < 0)
		return r;
	/* "o" steals every reference, even when json_pack fails */
	cfg = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", "1.2.0", "process",
			specgen_process(o), "root", "path", o->rootfs ? o->rootfs : "rootfs", "readonly", 1,
			"hostname", "hrun", "mounts", specgen_mounts(o->rootless), "linux", specgen_linux(o, seccomp));
	if (!cfg)
		return SPECGEN_OOM();
	*ret = cfg;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len, const char *path)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrun_syserr(errno, "write `%s`", path);
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int specgen_write(const char *dir, json_t *config)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (asprintf(&path, "%s/config.json", dir) < 0)
		return SPECGEN_OOM();
	if (!(text = json_dumps(config, JSON_INDENT(2))))
		return SPECGEN_OOM();
	/* O_EXCL: never clobber a config.json someone edited (runc does the same) */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno == EEXIST)
		return hrun_err(EEXIST, "File `%s` exists. Remove it first", path);
	if (fd < 0)
		return hrun_syserr(errno, "create `%s`", path);
	if ((r = write_all(fd, text, strlen(text), path)) < 0 || (r = write_all(fd, "\n", 1, path)) < 0 ||
	    (close(TAKE_FD(fd)) < 0 && (r = hrun_syserr(errno, "close `%s`", path)) < 0)) {
		(void)unlink(path);
		return r;
	}
	return 0;
}

int specgen_main(const struct specgen_options *opts, const char *bundle, bool to_stdout)
{
	json_t *cfg = NULL;
	int r = specgen_build(opts, &cfg);

	if (r < 0)
		return r;
	if (!to_stdout) {
		r = specgen_write(bundle ? bundle : ".", cfg);
	} else {
		_cleanup_free_ char *text = json_dumps(cfg, JSON_INDENT(2));
		if (!text)
			r = SPECGEN_OOM();
		else if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
			r = hrun_syserr(errno, "spec: write to stdout");
	}
	json_decref(cfg);
	return r;
}
