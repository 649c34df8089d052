/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled-seccomp cache: a hit returns the very program a compile
 * gives; a corrupt file or a file for another filter (same name, different
 * key: a hash collision) is never loaded. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/error.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"

static char dir[64];

static struct hrun_spec *parse(const char *seccomp_json)
{
	struct hrun_spec *spec = NULL;
	char *text = NULL;

	cr_assert(asprintf(&text, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
				  "\"linux\":{\"seccomp\":%s}}", seccomp_json) > 0);
	cr_assert_eq(spec_parse("t.json", text, strlen(text), &spec), 0, "%s", hrun_errmsg());
	free(text);
	return spec;
}

static void setup(void)
{
	strcpy(dir, "/tmp/hrun-scache.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

/* The only cache file in dir. */
static void cache_file(char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".bpf") && !strstr(de->d_name, ".tmp")) {
			(void)snprintf(out, size, "%.63s/%.255s", dir, de->d_name);
			n++;
		}
	closedir(d);
	cr_assert_eq(n, 1, "expected one cache file, found %d", n);
}

static bool same(const struct hrun_bpf *a, const struct hrun_bpf *b)
{
	return a->flags == b->flags && a->prog.len == b->prog.len &&
	       memcmp(a->prog.filter, b->prog.filter, a->prog.len * sizeof(struct sock_filter)) == 0;
}

#define DENY_GETCWD "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}"
#define DENY_UNAME "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"uname\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":42}]}"

Test(seccomp_cache, hit_equals_compile, .init = setup, .fini = teardown)
{
	struct hrun_spec *spec = parse(DENY_GETCWD);
	struct hrun_bpf plain = {0}, first = {0}, second = {0};

	cr_assert_eq(seccomp_compile(spec->linux_cfg.seccomp, &plain), 0);
	cr_assert_eq(seccomp_compile_cached(spec->linux_cfg.seccomp, dir, &first), 0);
	cr_assert_eq(seccomp_compile_cached(spec->linux_cfg.seccomp, dir, &second), 0);
	cr_expect(same(&plain, &first), "a miss returns the compiled program");
	cr_expect(same(&plain, &second), "a hit returns the compiled program");
	seccomp_bpf_clear(&plain);
	seccomp_bpf_clear(&first);
	seccomp_bpf_clear(&second);
	spec_free(spec);
}

Test(seccomp_cache, other_key_same_name_is_not_loaded, .init = setup, .fini = teardown)
{
	struct hrun_spec *a = parse(DENY_GETCWD), *b = parse(DENY_UNAME);
	struct hrun_bpf pa = {0}, pb = {0}, got = {0};
	char fa[512], fb[512];

	/* cache B, then move its file to A's name: a forged "collision" */
	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &pa), 0);
	cache_file(fa, sizeof(fa));
	cr_assert_eq(unlink(fa), 0);
	cr_assert_eq(seccomp_compile_cached(b->linux_cfg.seccomp, dir, &pb), 0);
	cache_file(fb, sizeof(fb));
	cr_assert_eq(rename(fb, fa), 0);
	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &got), 0);
	cr_expect(same(&got, &pa), "A's filter, not B's, despite B's file under A's name");
	cr_expect(!same(&pa, &pb));
	seccomp_bpf_clear(&pa);
	seccomp_bpf_clear(&pb);
	seccomp_bpf_clear(&got);
	spec_free(a);
	spec_free(b);
}

Test(seccomp_cache, corrupt_file_is_recompiled, .init = setup, .fini = teardown)
{
	struct hrun_spec *a = parse(DENY_GETCWD);
	struct hrun_bpf pa = {0}, got = {0};
	char f[512];
	int fd;

	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &pa), 0);
	cache_file(f, sizeof(f));
	fd = open(f, O_WRONLY | O_TRUNC);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, "HRUNBPF1garbage", 15), 15);
	close(fd);
	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &got), 0);
	cr_expect(same(&got, &pa));
	seccomp_bpf_clear(&pa);
	seccomp_bpf_clear(&got);
	spec_free(a);
}
