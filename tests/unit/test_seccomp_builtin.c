/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in program (seccomp_builtin.c): chosen for the shipped default
 * profile, and only for it. It equals the run-time compile byte for byte,
 * skips the cache, and any one difference in the profile (a rule, an
 * errno, a name, an architecture, a flag) takes the normal path. The
 * errnos it gives are checked in test_seccomp.c
 * (builtin_default_profile_behaviour). */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "hrun/error.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"

static char root[64];

static void setup(void)
{
	strcpy(root, "/tmp/hrun-sbuiltin.XXXXXX");
	cr_assert_not_null(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	cr_expect_eq(system(cmd), 0);
}

static json_t *load_default(void)
{
	const char *env = getenv("HRUN_PROFILES");
	char path[4096];
	json_error_t err;
	json_t *j;

	(void)snprintf(path, sizeof(path), "%s/seccomp/default.json", env ? env : HRUN_SOURCE_PROFILES);
	j = json_load_file(path, 0, &err);
	cr_assert_not_null(j, "%s: %s", path, err.text);
	return j;
}

/* PROFILE (stolen) as a config's linux.seccomp, parsed */
static struct hrun_spec *parse(json_t *profile)
{
	json_t *cfg = json_pack("{s:s, s:{s:s}, s:{s:o}}", "ociVersion", "1.0.2", "root", "path",
				"rootfs", "linux", "seccomp", profile);
	char *text = json_dumps(cfg, 0);
	struct hrun_spec *spec = NULL;

	cr_assert_not_null(text);
	cr_assert_eq(spec_parse("t.json", text, strlen(text), &spec), 0, "%s", hrun_errmsg());
	free(text);
	json_decref(cfg);
	return spec;
}

static bool same(const struct hrun_bpf *a, const struct hrun_bpf *b)
{
	return a->flags == b->flags && a->prog.len == b->prog.len &&
	       memcmp(a->prog.filter, b->prog.filter, a->prog.len * sizeof(struct sock_filter)) == 0;
}

static int cache_entries(void)
{
	char path[128];
	struct dirent *de;
	DIR *d;
	int n = 0;

	(void)snprintf(path, sizeof(path), "%s/@seccomp", root);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strstr(de->d_name, ".bpf") != NULL;
	closedir(d);
	return n;
}

Test(seccomp_builtin, default_profile_is_built_in_and_equals_the_compile, .init = setup,
     .fini = teardown)
{
	struct hrun_spec *spec = parse(load_default());
	char *key = seccomp_canonical_key(spec->linux_cfg.seccomp);
	struct hrun_bpf compiled = {0}, builtin = {0}, used = {0};

	cr_assert_not_null(key);
	cr_assert_eq(seccomp_builtin_find(key, &builtin), 1, "no built-in program for default.json");
	cr_assert_eq(seccomp_compile(spec->linux_cfg.seccomp, &compiled), 0, "%s", hrun_errmsg());
	cr_expect(same(&builtin, &compiled), "built-in (%u insns) differs from the compile (%u)",
		  builtin.prog.len, compiled.prog.len);
	cr_assert_eq(seccomp_compile_for_root(spec->linux_cfg.seccomp, root, &used), 0, "%s",
		     hrun_errmsg());
	cr_expect(same(&used, &compiled), "create/run/exec get the same program");
	cr_expect_eq(cache_entries(), -1, "the built-in program needs no cache (not even its directory)");
	seccomp_bpf_clear(&compiled);
	seccomp_bpf_clear(&builtin);
	seccomp_bpf_clear(&used);
	free(key);
	spec_free(spec);
}

/* One change each; every one must miss the built-in program. */
static void mutate(json_t *p, int which)
{
	json_t *rules = json_object_get(p, "syscalls");
	json_t *names = json_object_get(json_array_get(rules, 0), "names");

	switch (which) {
	case 0: /* one errno of one rule */
		for (size_t i = 0; i < json_array_size(rules); i++) {
			json_t *r = json_array_get(rules, i);
			json_t *e = json_object_get(r, "errnoRet");

			if (e) {
				cr_assert_eq(json_object_set_new(r, "errnoRet",
								 json_integer(json_integer_value(e) + 1)), 0);
				return;
			}
		}
		cr_assert_fail("no rule with an errnoRet in default.json");
		break;
	case 1: /* one syscall name less */
		cr_assert_eq(json_array_remove(names, json_array_size(names) - 1), 0);
		break;
	case 2: /* the default errno */
		cr_assert_eq(json_object_set_new(p, "defaultErrnoRet", json_integer(1)), 0);
		break;
	case 3: /* an architecture less (a foreign one: the same program, another filter) */
		cr_assert_eq(json_array_remove(json_object_get(p, "architectures"), 4), 0);
		break;
	case 4: /* a flag */
		cr_assert_eq(json_object_set_new(p, "flags", json_pack("[s]", "SECCOMP_FILTER_FLAG_LOG")), 0);
		break;
	case 5: /* a rule for a syscall no kernel has (skipped: the same program) */
		cr_assert_eq(json_array_append_new(rules, json_pack("{s:[s], s:s}", "names",
			"hrun_no_such_syscall", "action", "SCMP_ACT_ALLOW")), 0);
		break;
	}
}

Test(seccomp_builtin, one_difference_takes_the_normal_path, .init = setup, .fini = teardown)
{
	for (int which = 0; which < 6; which++) {
		json_t *p = load_default();
		struct hrun_spec *spec;
		struct hrun_bpf got = {0}, compiled = {0};
		char *key;

		mutate(p, which);
		spec = parse(p);
		key = seccomp_canonical_key(spec->linux_cfg.seccomp);
		cr_assert_not_null(key);
		cr_expect_eq(seccomp_builtin_find(key, &got), 0, "mutation %d got the built-in program", which);
		cr_assert_eq(seccomp_compile_for_root(spec->linux_cfg.seccomp, root, &got), 0,
			     "mutation %d: %s", which, hrun_errmsg());
		cr_expect_eq(cache_entries(), which + 1, "mutation %d: compiled and cached", which);
		cr_assert_eq(seccomp_compile(spec->linux_cfg.seccomp, &compiled), 0);
		cr_expect(same(&got, &compiled), "mutation %d: its own program", which);
		seccomp_bpf_clear(&got);
		seccomp_bpf_clear(&compiled);
		free(key);
		spec_free(spec);
	}
}

Test(seccomp_builtin, no_key_no_program)
{
	struct hrun_bpf got = {0};

	cr_expect_eq(seccomp_builtin_find(NULL, &got), 0);
	cr_expect_eq(seccomp_builtin_find("", &got), 0);
	cr_expect_null(got.prog.filter);
}
