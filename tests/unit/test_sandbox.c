/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hrun sandbox`'s config (src/audit/sandbox_spec.c): built in memory from
 * specgen's hardened defaults plus the options, then parsed by the very
 * parser config.json goes through; the parsed model is what is checked.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <errno.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/mount.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hrun/error.h"
#include "hrun/sandbox.h"
#include "hrun/spec.h"

#include "config.h"

__attribute__((constructor)) static void default_profiles(void)
{
	(void)setenv("HRUN_PROFILES", HRUN_SOURCE_PROFILES, 0);
}

static char *cmd_args[] = { "sh", "-c", "true", NULL };

static struct hrun_spec *build(const struct sandbox_opts *o, const struct sandbox_target *t)
{
	struct hrun_spec *spec = NULL;
	json_t *cfg = NULL;
	char *text;
	int r = sandbox_spec_build(o, t, &cfg);

	cr_assert_eq(r, 0, "sandbox_spec_build: %s", hrun_errmsg());
	text = json_dumps(cfg, JSON_COMPACT);
	json_decref(cfg);
	cr_assert_not_null(text);
	r = spec_parse("sandbox config", text, strlen(text), &spec);
	free(text);
	cr_assert_eq(r, 0, "the parser refused the sandbox config: %s", hrun_errmsg());
	cr_assert_eq(spec_validate_run(spec), 0, "%s", hrun_errmsg());
	return spec;
}

static const struct hrun_mount *find_mount(const struct hrun_spec *s, const char *dst)
{
	for (size_t i = 0; i < s->n_mounts; i++)
		if (strcmp(s->mounts[i].destination, dst) == 0)
			return &s->mounts[i];
	return NULL;
}

Test(sandbox, defaults_are_specs_hardened_ones)
{
	struct sandbox_opts o = { .args = cmd_args };
	struct sandbox_target t = { .rootfs = "/tmp/sbx-root", .uid = 65534, .gid = 65534 };
	struct hrun_spec *s = build(&o, &t);
	const struct hrun_mount *usr = find_mount(s, "/usr");

	cr_expect_eq(s->process.user.uid, 65534);
	cr_expect(s->process.no_new_privileges);
	cr_expect(s->process.has_caps);
	cr_expect_eq(s->process.caps.bounding | s->process.caps.effective | s->process.caps.ambient,
		     0);
	cr_expect(s->root_readonly);
	cr_expect_not_null(s->linux_cfg.seccomp, "the default seccomp profile");
	for (int t2 = HRUN_NS_MOUNT; t2 <= HRUN_NS_CGROUP; t2++)
		cr_expect(s->linux_cfg.namespaces[t2].enabled && !s->linux_cfg.namespaces[t2].path,
			  "namespace %s", spec_ns_name((enum hrun_ns_type)t2));
	cr_expect(!s->linux_cfg.namespaces[HRUN_NS_USER].enabled, "root: no user namespace");
	cr_expect_not_null(s->linux_cfg.masked_paths);
	cr_expect(!s->linux_cfg.resources.has_mem_limit && !s->linux_cfg.resources.has_pids_limit &&
			  !s->linux_cfg.resources.has_cpu_quota,
		  "no limit unless asked for");
	cr_assert_not_null(usr, "host /usr bound");
	cr_expect(usr->flags & MS_RDONLY && usr->flags & MS_NOSUID && usr->flags & MS_NODEV);
	cr_expect_null(find_mount(s, "/sys"), "no sysfs");
	cr_expect_not_null(find_mount(s, "/tmp"));
	cr_expect_not_null(find_mount(s, "/proc"));
	cr_expect_str_eq(s->process.cwd, "/");
	cr_expect_str_eq(s->root_path, "/tmp/sbx-root");
	spec_free(s);
}

Test(sandbox, options_reach_the_parsed_model)
{
	struct sandbox_bind binds[] = {
		{ .source = "/srv/in", .destination = "/in", .rw = false },
		{ .source = "/srv/out", .destination = "/out", .rw = true },
	};
	char *env[] = { "FOO=1", "FOO=2", "PATH=/bin", NULL };
	struct sandbox_opts o = {
		.args = cmd_args,
		.binds = binds,
		.n_binds = 2,
		.workdir = "/srv/work",
		.env = env,
		.caps = 1ULL << CAP_NET_BIND_SERVICE,
		.memory = 64 << 20,
		.cpu_quota = 50000,
		.pids = 32,
		.tty = true,
		.rootfs = "/srv/root",
	};
	struct sandbox_target t = {
		.rootfs = "/srv/root", .rootless = true, .uid = 1000, .gid = 1000
	};
	struct hrun_spec *s = build(&o, &t);
	const struct hrun_mount *in = find_mount(s, "/in"), *out = find_mount(s, "/out");
	const struct hrun_mount *wd = find_mount(s, "/srv/work");
	size_t foo = 0;
	bool path = false;

	cr_assert(in && out && wd);
	cr_expect(in->flags & MS_RDONLY && in->rec_attr_set & MOUNT_ATTR_RDONLY,
		  "--bind: read-only all the way down");
	cr_expect(!(out->flags & MS_RDONLY) && !(wd->flags & MS_RDONLY), "rw binds");
	cr_expect((out->rec_attr_set & (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) ==
			  (MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV),
		  "rw binds: no setuid or devices below either");
	cr_expect_null(find_mount(s, "/usr"), "--rootfs: no host dirs");
	cr_expect_str_eq(s->process.cwd, "/srv/work");
	cr_expect(s->process.terminal);
	cr_expect_eq(s->process.caps.ambient, 1ULL << CAP_NET_BIND_SERVICE);
	cr_expect_eq(s->process.caps.bounding, 1ULL << CAP_NET_BIND_SERVICE);
	cr_expect(s->linux_cfg.resources.has_mem_limit &&
		  s->linux_cfg.resources.mem_limit == 64 << 20);
	cr_expect(s->linux_cfg.resources.has_cpu_quota &&
		  s->linux_cfg.resources.cpu_quota == 50000);
	cr_expect(s->linux_cfg.resources.has_pids_limit && s->linux_cfg.resources.pids_limit == 32);
	cr_expect(s->linux_cfg.namespaces[HRUN_NS_USER].enabled, "rootless: a user namespace");
	cr_expect_eq(s->linux_cfg.n_uid_mappings, 1);
	for (char **e = s->process.env; e && *e; e++) {
		foo += strncmp(*e, "FOO=", 4) == 0;
		cr_expect(strncmp(*e, "FOO=", 4) != 0 || strcmp(*e, "FOO=2") == 0,
			  "the last --env counts: %s", *e);
		path |= strcmp(*e, "PATH=/bin") == 0;
		cr_expect(strncmp(*e, "PATH=", 5) != 0 || strcmp(*e, "PATH=/bin") == 0,
			  "--env PATH replaces: %s", *e);
		cr_expect_eq(strncmp(*e, "HOME=", 5) != 0 || strcmp(*e, "HOME=/srv/work") == 0, 1);
	}
	cr_expect_eq(foo, 1);
	cr_expect(path);
	spec_free(s);
}

Test(sandbox, default_user_is_never_root)
{
	struct sandbox_opts o = { .args = cmd_args };
	uid_t uid;
	gid_t gid;

	sandbox_default_user(&o, &uid, &gid);
	cr_expect_neq(uid, 0);
	cr_expect_neq(gid, 0);
	o.workdir = "/"; /* owned by root: not taken over */
	sandbox_default_user(&o, &uid, &gid);
	cr_expect_neq(uid, 0);
	o.has_user = true; /* unless asked for */
	o.uid = 0;
	o.gid = 0;
	sandbox_default_user(&o, &uid, &gid);
	cr_expect_eq(uid, 0);
}

Test(sandbox, exit_status_mapping)
{
	struct sandbox_result r = { .status = 7 << 8 };

	cr_expect_eq(sandbox_exit_status(&r), 7);
	r.status = SIGSEGV; /* killed by SIGSEGV */
	cr_expect_eq(sandbox_exit_status(&r), 128 + SIGSEGV);
	r.interrupted = SIGTERM;
	cr_expect_eq(sandbox_exit_status(&r), 128 + SIGTERM);
	r.timed_out = true;
	cr_expect_eq(sandbox_exit_status(&r), SANDBOX_EXIT_TIMEOUT);
	hrun_err(ENOENT, "exec: `x`: executable file not found in $PATH");
	cr_expect_eq(sandbox_error_status(-ENOENT), SANDBOX_EXIT_NOTFOUND);
	hrun_err(EACCES, "exec: `x`: Permission denied");
	cr_expect_eq(sandbox_error_status(-EACCES), SANDBOX_EXIT_NOEXEC);
	hrun_err(ENOENT, "mount `/x`: No such file or directory");
	cr_expect_eq(sandbox_error_status(-ENOENT), SANDBOX_EXIT_SETUP);
}
