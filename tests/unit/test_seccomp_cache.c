/* SPDX-License-Identifier: Apache-2.0 */
/* The compiled-seccomp cache: a hit returns the very program a compile
 * gives; a corrupt file or a file for another filter (same name, different
 * key: a hash collision) is never loaded. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
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

/* ---- trust: only an entry hrun itself could have written is loaded ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = malloc(1 << 20);

	cr_assert_not_null(f);
	*len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	return buf;
}

/* Cache A, then rewrite A's entry so that it keeps A's key but carries B's
 * program: a forged entry that would be a hit. Returns A's entry path. */
static void forge(const struct hrun_spec *a, const struct hrun_bpf *pb, char *path, size_t size)
{
	struct hrun_bpf pa = {0};
	size_t len, head;
	char *data;
	uint32_t klen, n = pb->prog.len, flags = pb->flags;
	FILE *f;

	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &pa), 0);
	seccomp_bpf_clear(&pa);
	cache_file(path, size);
	data = slurp(path, &len);
	memcpy(&klen, data + 8, 4);
	head = 8 + 4 + klen;
	cr_assert_lt(head, len);
	f = fopen(path, "we");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, head, f), head);
	cr_assert_eq(fwrite(&flags, 4, 1, f), 1);
	cr_assert_eq(fwrite(&n, 4, 1, f), 1);
	cr_assert_eq(fwrite(pb->prog.filter, sizeof(struct sock_filter), n, f), n);
	cr_assert_eq(fclose(f), 0);
	free(data);
}

enum plant { PLANT_NONE, PLANT_GROUP_W, PLANT_OTHER_W, PLANT_OWNER, PLANT_SYMLINK,
	     PLANT_HARDLINK, PLANT_TRUNCATED, PLANT_FIFO };

/* Forge an entry, damage its trust as KIND says, compile A through the
 * cache: true if the forged program (B's) came back. */
static bool forged_entry_loaded(enum plant kind)
{
	struct hrun_spec *a = parse(DENY_GETCWD), *b = parse(DENY_UNAME);
	struct hrun_bpf pa = {0}, pb = {0}, got = {0};
	char path[512], other[600];
	bool loaded;

	cr_assert_eq(seccomp_compile(a->linux_cfg.seccomp, &pa), 0);
	cr_assert_eq(seccomp_compile(b->linux_cfg.seccomp, &pb), 0);
	forge(a, &pb, path, sizeof(path));
	(void)snprintf(other, sizeof(other), "%s.elsewhere", dir);
	switch (kind) {
	case PLANT_NONE: break;
	case PLANT_GROUP_W: cr_assert_eq(chmod(path, 0620), 0); break;
	case PLANT_OTHER_W: cr_assert_eq(chmod(path, 0602), 0); break;
	case PLANT_OWNER: cr_assert_eq(chown(path, 4242, 4242), 0); break;
	case PLANT_SYMLINK:
		cr_assert_eq(rename(path, other), 0);
		cr_assert_eq(symlink(other, path), 0);
		break;
	case PLANT_HARDLINK: cr_assert_eq(link(path, other), 0); break;
	case PLANT_TRUNCATED: cr_assert_eq(truncate(path, 30), 0); break;
	case PLANT_FIFO:
		cr_assert_eq(unlink(path), 0);
		cr_assert_eq(mkfifo(path, 0600), 0);
		break;
	}
	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &got), 0, "%s", hrun_errmsg());
	loaded = same(&got, &pb);
	if (!loaded)
		cr_expect(same(&got, &pa), "a refused entry is recompiled");
	(void)unlink(other);
	seccomp_bpf_clear(&pa);
	seccomp_bpf_clear(&pb);
	seccomp_bpf_clear(&got);
	spec_free(a);
	spec_free(b);
	return loaded;
}

Test(seccomp_cache, forged_entry_with_good_owner_and_mode_is_a_hit, .init = setup, .fini = teardown)
{
	/* the control: the forgery itself works, so the cases below can fail */
	cr_expect(forged_entry_loaded(PLANT_NONE));
}

Test(seccomp_cache, group_writable_entry_ignored, .init = setup, .fini = teardown)
{
	cr_expect(!forged_entry_loaded(PLANT_GROUP_W));
}

Test(seccomp_cache, other_writable_entry_ignored, .init = setup, .fini = teardown)
{
	cr_expect(!forged_entry_loaded(PLANT_OTHER_W));
}

Test(seccomp_cache, foreign_owner_entry_ignored, .init = setup, .fini = teardown)
{
	cr_expect(!forged_entry_loaded(PLANT_OWNER));
}

Test(seccomp_cache, symlinked_entry_ignored, .init = setup, .fini = teardown)
{
	cr_expect(!forged_entry_loaded(PLANT_SYMLINK));
}

Test(seccomp_cache, hardlinked_entry_ignored, .init = setup, .fini = teardown)
{
	cr_expect(!forged_entry_loaded(PLANT_HARDLINK));
}

Test(seccomp_cache, truncated_entry_ignored, .init = setup, .fini = teardown)
{
	cr_expect(!forged_entry_loaded(PLANT_TRUNCATED));
}

Test(seccomp_cache, fifo_entry_ignored_without_blocking, .init = setup, .fini = teardown, .timeout = 10)
{
	cr_expect(!forged_entry_loaded(PLANT_FIFO));
}

/* ---- trust: the directory ---- */

static int count_entries(const char *d)
{
	DIR *dd = opendir(d);
	struct dirent *de;
	int n = 0;

	if (!dd)
		return -1;
	while ((de = readdir(dd)))
		n += strstr(de->d_name, ".bpf") != NULL;
	closedir(dd);
	return n;
}

/* Compile through cache directory D: the program equals a plain compile. */
static void compile_via(const char *d)
{
	struct hrun_spec *a = parse(DENY_GETCWD);
	struct hrun_bpf pa = {0}, got = {0};

	cr_assert_eq(seccomp_compile(a->linux_cfg.seccomp, &pa), 0);
	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, d, &got), 0, "%s", hrun_errmsg());
	cr_expect(same(&got, &pa));
	seccomp_bpf_clear(&pa);
	seccomp_bpf_clear(&got);
	spec_free(a);
}

Test(seccomp_cache, missing_dir_is_created_0700, .init = setup, .fini = teardown)
{
	char d[128];
	struct stat st;
	mode_t old = umask(0);

	(void)snprintf(d, sizeof(d), "%s/@seccomp", dir);
	compile_via(d);
	umask(old);
	cr_assert_eq(lstat(d, &st), 0);
	cr_expect(S_ISDIR(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0700, "mode %o", st.st_mode & 07777);
	cr_expect_eq(st.st_uid, geteuid());
	cr_expect_eq(count_entries(d), 1, "the entry is written");
}

Test(seccomp_cache, loose_dir_is_not_used, .init = setup, .fini = teardown)
{
	char d[128];

	(void)snprintf(d, sizeof(d), "%s/@seccomp", dir);
	cr_assert_eq(mkdir(d, 0700), 0);
	cr_assert_eq(chmod(d, 0755), 0);
	compile_via(d);
	cr_expect_eq(count_entries(d), 0, "nothing written to a 0755 directory");
	cr_assert_eq(chmod(d, 0700), 0);
	cr_assert_eq(chown(d, 4242, 4242), 0);
	compile_via(d);
	cr_expect_eq(count_entries(d), 0, "nothing written to another uid's directory");
}

Test(seccomp_cache, symlinked_dir_is_not_used, .init = setup, .fini = teardown)
{
	char d[128], real[128];

	(void)snprintf(real, sizeof(real), "%s/real", dir);
	(void)snprintf(d, sizeof(d), "%s/@seccomp", dir);
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink(real, d), 0);
	compile_via(d);
	cr_expect_eq(count_entries(real), 0, "nothing written through a symlinked directory");
}

Test(seccomp_cache, key_names_hrun_version_and_format, .init = setup, .fini = teardown)
{
	struct hrun_spec *a = parse(DENY_GETCWD);
	struct hrun_bpf got = {0};
	char path[512], want[128];
	size_t len;
	char *data;

	cr_assert_eq(seccomp_compile_cached(a->linux_cfg.seccomp, dir, &got), 0);
	cache_file(path, sizeof(path));
	data = slurp(path, &len);
	(void)snprintf(want, sizeof(want), "hrun %s cache-format ", HRUN_VERSION);
	cr_expect(memmem(data, len, want, strlen(want)) != NULL, "the key names `%s`", want);
	free(data);
	seccomp_bpf_clear(&got);
	spec_free(a);
}
