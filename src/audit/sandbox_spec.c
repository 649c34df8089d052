/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config of `hrun sandbox`, built in memory: `hrun spec`'s hardened
 * defaults (specgen_build: unprivileged user, no capabilities,
 * no_new_privs, the default seccomp profile, every namespace new,
 * read-only root, masked and read-only /proc paths, deny-all devices),
 * then the sandbox's options. The result goes through the same parser and
 * policy as any config.json (src/runtime/sandbox.c).
 */
#define _GNU_SOURCE
#include "hrun/sandbox.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/specgen.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SBX_OOM() hrun_err(ENOMEM, "sandbox: out of memory")

const char *const sandbox_host_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", NULL,
};

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void sandbox_default_user(const struct sandbox_opts *o, uid_t *ret_uid, gid_t *ret_gid)
{
	struct stat st;

	if (o->has_user) {
		*ret_uid = o->uid;
		*ret_gid = o->gid;
	} else if (geteuid() != 0) {
		*ret_uid = getuid();
		*ret_gid = getgid();
	} else if (o->workdir && stat(o->workdir, &st) == 0 && st.st_uid != 0) {
		/* what it writes there belongs to the directory's owner */
		*ret_uid = st.st_uid;
		*ret_gid = st.st_gid;
	} else {
		*ret_uid = 65534; /* nobody:nogroup */
		*ret_gid = 65534;
	}
}

static int env_add(json_t *env, const char *key, const char *value)
{
	char *kv;
	int r;

	if (asprintf(&kv, "%s=%s", key, value) < 0)
		return SBX_OOM();
	r = json_array_append_new(env, json_string(kv));
	free(kv);
	return r < 0 ? SBX_OOM() : 0;
}

/* E (K=V) is given again further on (the last one counts) */
static bool env_given_later(char **e)
{
	size_t klen = strcspn(*e, "=");

	for (char **l = e + 1; *l; l++)
		if (strncmp(*l, *e, klen + 1) == 0)
			return true;
	return false;
}

/* PATH, LANG and TERM from the caller (PATH and TERM have defaults), HOME
 * the workdir or /tmp (the caller's home is not in the sandbox), then
 * every --env, a later one replacing an earlier one of the same name. */
static json_t *sandbox_env(const struct sandbox_opts *o)
{
	static const char *const keep[] = { "PATH", "LANG", "TERM" };
	static const char *const fallback[] = { DEFAULT_PATH, NULL, "xterm" };
	json_t *env = json_array();
	int r = env ? 0 : SBX_OOM();

	for (size_t i = 0; r == 0 && i < 3; i++) {
		const char *v = getenv(keep[i]);
		bool overridden = false;

		for (char **e = o->env; e && *e; e++)
			overridden |= strncmp(*e, keep[i], strlen(keep[i])) == 0 &&
				      (*e)[strlen(keep[i])] == '=';
		if (!overridden && ((v && *v) || fallback[i]))
			r = env_add(env, keep[i], v && *v ? v : fallback[i]);
	}
	if (r == 0)
		r = env_add(env, "HOME", o->workdir ? o->workdir : "/tmp");
	for (char **e = o->env; r == 0 && e && *e; e++)
		if (!env_given_later(e))
			r = json_array_append_new(env, json_string(*e)) < 0 ? SBX_OOM() : 0;
	if (r < 0) {
		json_decref(env);
		return NULL;
	}
	return env;
}

/* --cap-add: each capability in every set (ambient too: the user is not
 * root, so only ambient capabilities survive the execve). */
static int sandbox_caps(json_t *process, uint64_t caps)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable",
					    "ambient" };
	json_t *c = json_object_get(process, "capabilities");

	for (int cap = 0; cap < 64; cap++) {
		const char *name = (caps & (1ULL << cap)) ? capng_capability_to_name((unsigned)cap)
							  : NULL;
		char buf[64];

		if (!name)
			continue;
		(void)snprintf(buf, sizeof(buf), "CAP_%s", name);
		for (char *p = buf; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
			if (json_array_append_new(json_object_get(c, sets[i]), json_string(buf)) <
			    0)
				return SBX_OOM();
	}
	return 0;
}

static int sandbox_process(json_t *cfg, const struct sandbox_opts *o)
{
	json_t *p = json_object_get(cfg, "process");
	json_t *env = sandbox_env(o);

	if (!env || json_object_set_new(p, "env", env) < 0 ||
	    json_object_set_new(p, "cwd", json_string(o->workdir ? o->workdir : "/")) < 0 ||
	    json_object_set_new(p, "terminal", json_boolean(o->tty)) < 0)
		return SBX_OOM();
	return sandbox_caps(p, o->caps);
}

static json_t *bind_mount(const char *src, const char *dst, bool rw, bool recursive)
{
	/* submounts included: read-only all the way down (rro) unless rw,
	 * never setuid or devices (rnosuid, rnodev) */
	if (rw)
		return json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s, s]}", "destination", dst,
				 "type", "bind", "source", src, "options", "rbind", "rw", "nosuid",
				 "nodev", "rnosuid", "rnodev");
	if (recursive)
		return json_pack("{s:s, s:s, s:s, s:[s, s, s, s, s, s, s]}", "destination", dst,
				 "type", "bind", "source", src, "options", "rbind", "ro", "rro",
				 "nosuid", "nodev", "rnosuid", "rnodev");
	return json_pack("{s:s, s:s, s:s, s:[s, s, s, s]}", "destination", dst, "type", "bind",
			 "source", src, "options", "bind", "ro", "nosuid", "nodev");
}

static int mounts_append(json_t *mounts, json_t *m)
{
	return json_array_append_new(mounts, m) < 0 ? SBX_OOM() : 0;
}

/* specgen's mounts minus /sys (nothing of the host's devices and cgroups
 * is needed to run a tool), then the host's directories (default root),
 * --bind in order, --workdir last. */
static int sandbox_mounts(json_t *cfg, const struct sandbox_opts *o)
{
	json_t *mounts = json_object_get(cfg, "mounts");
	int r = 0;

	for (size_t i = json_array_size(mounts); i-- > 0;) {
		const char *dst = json_string_value(
			json_object_get(json_array_get(mounts, i), "destination"));

		if (dst && (strcmp(dst, "/sys") == 0 || strncmp(dst, "/sys/", 5) == 0) &&
		    json_array_remove(mounts, i) < 0)
			return SBX_OOM();
	}
	for (size_t i = 0; !o->rootfs && r == 0 && sandbox_host_dirs[i]; i++) {
		struct stat st;

		/* a symlink (/bin -> usr/bin) is made in the root dir instead */
		if (lstat(sandbox_host_dirs[i], &st) == 0 && S_ISDIR(st.st_mode))
			r = mounts_append(mounts, bind_mount(sandbox_host_dirs[i],
							     sandbox_host_dirs[i], false, false));
	}
	for (size_t i = 0; r == 0 && i < o->n_binds; i++)
		r = mounts_append(mounts, bind_mount(o->binds[i].source, o->binds[i].destination,
						     o->binds[i].rw, true));
	if (r == 0 && o->workdir)
		r = mounts_append(mounts, bind_mount(o->workdir, o->workdir, true, true));
	return r;
}

static int sandbox_resources(json_t *cfg, const struct sandbox_opts *o)
{
	json_t *res = json_object_get(json_object_get(cfg, "linux"), "resources");

	if (o->memory &&
	    json_object_set_new(res, "memory", json_pack("{s:I}", "limit", (json_int_t)o->memory)) <
		    0)
		return SBX_OOM();
	if (o->cpu_quota &&
	    json_object_set_new(res, "cpu",
				json_pack("{s:I, s:I}", "quota", (json_int_t)o->cpu_quota, "period",
					  (json_int_t)SANDBOX_CPU_PERIOD)) < 0)
		return SBX_OOM();
	if (o->pids &&
	    json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)o->pids)) < 0)
		return SBX_OOM();
	return 0;
}

int sandbox_spec_build(const struct sandbox_opts *o, const struct sandbox_target *t, json_t **ret)
{
	const struct specgen_options so = {
		.rootless = t->rootless,
		.no_limits = true, /* only the limits asked for (sandbox_resources) */
		.uid = t->uid,
		.gid = t->gid,
		.rootfs = t->rootfs,
		.args = (const char *const *)o->args,
		.seccomp_path = o->seccomp,
	};
	json_t *cfg;
	int r;

	r = specgen_build(&so, &cfg);
	if (r < 0)
		return r;
	if (json_object_set_new(cfg, "hostname", json_string("sandbox")) < 0)
		r = SBX_OOM();
	if (r == 0)
		r = sandbox_process(cfg, o);
	if (r == 0)
		r = sandbox_mounts(cfg, o);
	if (r == 0)
		r = sandbox_resources(cfg, o);
	if (r < 0) {
		json_decref(cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}
