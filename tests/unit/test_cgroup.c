/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 driver tests. They run as root against the real cgroup2
 * hierarchy (hybrid host: /sys/fs/cgroup/unified; pure v2: /sys/fs/cgroup)
 * and clean up every cgroup they create (checked by the tests themselves).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/error.h"

static char parent[512]; /* ROOT/hrun-test-PID: every test works below it */

static void setup(void)
{
	cr_assert_not_null(cgroup_root(), "no cgroup2 hierarchy on this host");
	snprintf(parent, sizeof(parent), "%s/hrun-test-%d", cgroup_root(), (int)getpid());
}

static void teardown(void)
{
	struct stat st;

	cr_expect_eq(cgroup_destroy(parent), 0, "%s", hrun_errmsg());
	cr_expect(stat(parent, &st) < 0 && errno == ENOENT, "`%s` left behind", parent);
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static char *sub(const char *name)
{
	static char buf[4][600];
	static int i;
	char *b = buf[i++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", parent, name);
	return b;
}

static char *slurp(const char *dir, const char *file)
{
	static char buf[4096];
	char p[1024];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0'; /* first line */
	return buf;
}

static bool root_has(const char *ctrl)
{
	char *c = slurp(cgroup_root(), "cgroup.controllers");
	char pat[64];

	snprintf(pat, sizeof(pat), " %s ", ctrl);
	if (!c)
		return false;
	char line[4096 + 2];
	snprintf(line, sizeof(line), " %s ", c);
	return strstr(line, pat) != NULL;
}

/* ---------------------------------------------------------------- */

Test(cgroup, shares_to_weight)
{
	/* expected values computed with crun's formula in Python (libm) */
	static const uint64_t cases[][2] = {
		{ 0, 0 },       { 1, 1 },        { 2, 1 },           { 3, 2 },      { 10, 4 },
		{ 100, 17 },    { 128, 21 },     { 512, 59 },        { 1000, 99 },  { 1024, 100 },
		{ 2000, 170 },  { 2048, 174 },   { 4096, 303 },      { 100000, 4340 },
		{ 262143, 10000 }, { 262144, 10000 }, { 1000000, 10000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(cgroup_shares_to_weight(cases[i][0]), cases[i][1], "shares %lu -> %lu, want %lu",
			     (unsigned long)cases[i][0], (unsigned long)cgroup_shares_to_weight(cases[i][0]),
			     (unsigned long)cases[i][1]);
}

Test(cgroup, resolve_path, .init = setup)
{
	const char *root = cgroup_root();
	char want[600], *p = NULL;

	cr_assert_eq(cgroup_resolve_path("/a/b", "id1", false, &p), 0, "%s", hrun_errmsg());
	snprintf(want, sizeof(want), "%s/a/b", root);
	cr_expect_str_eq(p, want);
	free(p);

	cr_assert_eq(cgroup_resolve_path("//a/./b//", "id1", false, &p), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(p, want);
	free(p);

	cr_assert_eq(cgroup_resolve_path(NULL, "id1", false, &p), 0, "%s", hrun_errmsg());
	snprintf(want, sizeof(want), "%s/hrun/id1", root);
	cr_expect_str_eq(p, want);
	free(p);
	cr_assert_eq(cgroup_resolve_path("", "id1", false, &p), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(p, want);
	free(p);

	/* relative: under our own cgroup (the "0::" line) */
	{
		char own[512] = "", line[600];
		FILE *f = fopen("/proc/self/cgroup", "re");

		cr_assert_not_null(f);
		while (fgets(line, sizeof(line), f))
			if (strncmp(line, "0::", 3) == 0)
				snprintf(own, sizeof(own), "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
		fclose(f);
		if (strcmp(own, "/") == 0)
			own[0] = '\0';
		cr_assert_eq(cgroup_resolve_path("x/y", "id1", false, &p), 0, "%s", hrun_errmsg());
		snprintf(want, sizeof(want), "%s%s/x/y", root, own);
		cr_expect_str_eq(p, want);
		free(p);
	}

	p = NULL;
	cr_expect_eq(cgroup_resolve_path("/a/../b", "id1", false, &p), -EINVAL);
	cr_expect(strstr(hrun_errmsg(), "..") != NULL, "%s", hrun_errmsg());
	cr_expect_eq(cgroup_resolve_path("..", "id1", false, &p), -EINVAL);
	cr_expect_eq(cgroup_resolve_path("/", "id1", false, &p), -EINVAL);
	/* systemd-style paths become the layout systemd's driver would make */
	cr_assert_eq(cgroup_resolve_path("machine-libpod.slice:libpod:abc", "id1", true, &p), 0,
		     "%s", hrun_errmsg());
	snprintf(want, sizeof(want), "%s/machine.slice/machine-libpod.slice/libpod-abc.scope",
		 cgroup_root());
	cr_expect_str_eq(p, want);
	free(p);
	cr_assert_eq(cgroup_resolve_path(":docker:abc", "id1", false, &p), 0, "%s", hrun_errmsg());
	snprintf(want, sizeof(want), "%s/system.slice/docker-abc.scope", cgroup_root());
	cr_expect_str_eq(p, want);
	free(p);
	p = NULL;
	cr_expect_eq(cgroup_resolve_path("notaslice:docker:abc", "id1", false, &p), -EINVAL);
	cr_expect_eq(cgroup_resolve_path(NULL, "../x", false, &p), -EINVAL);
	cr_expect_eq(cgroup_resolve_path(NULL, "a/b", false, &p), -EINVAL);
	cr_expect_null(p);
}

Test(cgroup, create_destroy, .init = setup, .fini = teardown)
{
	struct hrun_cgroup cg;
	const char *leaf = sub("mid/c1");

	cr_assert_eq(cgroup_create(leaf, NULL, &cg), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(cg.path, leaf);
	cr_expect_geq(cg.dirfd, 0);
	cr_expect(exists(leaf));
	cr_expect_eq(cgroup_is_frozen(leaf), 0);
	/* a second container in the same empty cgroup is fine, not in a busy one */
	cgroup_clear(&cg);
	cr_expect_eq(cg.dirfd, -1);
	cr_expect_null(cg.path);

	cr_expect_eq(cgroup_destroy(sub("mid")), 0, "%s", hrun_errmsg());
	cr_expect(!exists(sub("mid")));
	cr_expect_eq(cgroup_destroy(sub("mid")), 0, "missing must be success");
}

Test(cgroup, memory_limit_needs_controller, .init = setup, .fini = teardown)
{
	struct hrun_resources res = { .has_mem_limit = true, .mem_limit = 64 << 20 };
	struct hrun_cgroup cg;
	char want[512];
	int r = cgroup_create(sub("c1"), &res, &cg);

	if (root_has("memory")) { /* pure v2: the limit must be applied */
		cr_assert_eq(r, 0, "%s", hrun_errmsg());
		cr_expect_str_eq(slurp(sub("c1"), "memory.max"), "67108864");
		cgroup_clear(&cg);
		return;
	}
	cr_expect_eq(r, -ENOTSUP);
	snprintf(want, sizeof(want), "linux.resources.memory.limit: the memory controller is not "
		 "available in the cgroup v2 hierarchy at %s", cgroup_root());
	cr_expect_str_eq(hrun_errmsg(), want);
	cr_expect(!exists(parent), "nothing may be left behind");
	cr_expect_eq(cg.dirfd, -1);
}

Test(cgroup, unsupported_on_v2, .init = setup, .fini = teardown)
{
	struct hrun_resources res = { .has_mem_swappiness = true, .mem_swappiness = 10 };
	struct hrun_cgroup cg;

	cr_expect_eq(cgroup_create(sub("c1"), &res, &cg), -ENOTSUP);
	cr_expect(strstr(hrun_errmsg(), "swappiness") != NULL, "%s", hrun_errmsg());
	cr_expect(!exists(parent));
}

Test(cgroup, no_limits_runs, .init = setup, .fini = teardown)
{
	struct hrun_dev_rule rules[] = { { .allow = false, .type = 'a', .major = -1, .minor = -1,
					   .access = "rwm" } };
	struct hrun_resources res = { .devices = rules, .n_devices = 1 };
	struct hrun_cgroup cg;

	cr_assert_eq(cgroup_create(sub("c1"), &res, &cg), 0, "%s", hrun_errmsg());
	cgroup_clear(&cg);
}

static int create_with_unified(const char *key, const char *value)
{
	struct hrun_kv kv = { (char *)key, (char *)value };
	struct hrun_resources res = { .unified = &kv, .n_unified = 1 };
	struct hrun_cgroup cg;
	int r = cgroup_create(sub("c1"), &res, &cg);

	cgroup_clear(&cg);
	return r;
}

Test(cgroup, unified_keys, .init = setup, .fini = teardown)
{
	cr_expect_eq(create_with_unified("../x", "1"), -EINVAL);
	cr_expect_eq(create_with_unified("a/b", "1"), -EINVAL);
	cr_expect_eq(create_with_unified("..", "1"), -EINVAL);
	cr_expect_eq(create_with_unified("cgroup.procs", "1"), -EINVAL);
	cr_expect(!exists(parent), "validation happens before creation");

	cr_expect_lt(create_with_unified("memory.nonexistent", "1"), 0);
	cr_expect(strstr(hrun_errmsg(), "memory") != NULL, "%s", hrun_errmsg());
	cr_expect(!exists(parent), "a failed create leaves nothing behind");

	cr_expect_eq(create_with_unified("cgroup.nonexistent", "1"), -ENOENT);
	cr_expect(strstr(hrun_errmsg(), "`cgroup.nonexistent` is not a file") != NULL, "%s",
		  hrun_errmsg());
	cr_expect(!exists(parent));

	cr_assert_eq(create_with_unified("cgroup.max.descendants", "7"), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(slurp(sub("c1"), "cgroup.max.descendants"), "7");
}

static int create_with_hugetlb(const char *size, uint64_t limit)
{
	struct hrun_hugepage_limit h = { (char *)size, limit };
	struct hrun_resources res = { .hugepage_limits = &h, .n_hugepage_limits = 1 };
	struct hrun_cgroup cg;
	int r = cgroup_create(sub("c1"), &res, &cg);

	cgroup_clear(&cg);
	return r;
}

/* The test enables hugetlb at the cgroup2 root; undo that afterwards: on a
 * hybrid host an enabled controller makes crun refuse to run. */
static bool hugetlb_was_enabled = true;

static void teardown_hugetlb(void)
{
	char path[1024];
	int fd;

	teardown();
	if (hugetlb_was_enabled)
		return;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", cgroup_root());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		cr_expect(write(fd, "-hugetlb", 8) == 8, "restore %s", path);
		close(fd);
	}
}

static void setup_hugetlb(void)
{
	char *enabled = slurp(cgroup_root(), "cgroup.subtree_control");

	hugetlb_was_enabled = enabled && strstr(enabled, "hugetlb");
	setup();
}

Test(cgroup, hugetlb, .init = setup_hugetlb, .fini = teardown_hugetlb)
{
	if (!root_has("hugetlb") || access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) < 0)
		cr_skip_test("no hugetlb controller or no 2MB pages");
	cr_assert_eq(create_with_hugetlb("2MB", 4 << 21), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(slurp(sub("c1"), "hugetlb.2MB.max"), "8388608");
	if (exists(sub("c1/hugetlb.2MB.rsvd.max")))
		cr_expect_str_eq(slurp(sub("c1"), "hugetlb.2MB.rsvd.max"), "8388608");
	/* same cgroup again (empty): other spellings of the size */
	cr_assert_eq(create_with_hugetlb("2048kB", 2 << 21), 0, "%s", hrun_errmsg());
	cr_expect_str_eq(slurp(sub("c1"), "hugetlb.2MB.max"), "4194304");
	cr_assert_eq(cgroup_destroy(sub("c1")), 0);

	cr_expect_eq(create_with_hugetlb("3MB", 1), -ENOTSUP);
	cr_expect(strstr(hrun_errmsg(), "`3MB`") != NULL, "%s", hrun_errmsg());
	cr_expect(!exists(sub("c1")));
	cr_expect_eq(create_with_hugetlb("abc", 1), -EINVAL);
	cr_expect(!exists(sub("c1")));

	{
		json_t *st = NULL;

		cr_assert_eq(create_with_hugetlb("2MB", 4 << 21), 0, "%s", hrun_errmsg());
		cr_assert_eq(cgroup_stats(sub("c1"), &st), 0, "%s", hrun_errmsg());
		cr_expect_not_null(json_object_get(json_object_get(st, "hugetlb"), "2MB"));
		json_decref(st);
	}
}

/* ---------------------------------------------------------------- */
/* device filter: a child moves itself into the cgroup and tries opens */

struct dev_op {
	const char *what; /* "open" or "mknod" */
	const char *name; /* file in the temp dir */
	int flags;        /* open flags, or S_IFCHR/S_IFBLK for mknod */
	unsigned major, minor;
	int want_errno; /* 0 = must succeed */
};

static char tmpdir[64];

static int child_ops(const char *cg, const struct dev_op *ops, size_t n)
{
	char p[256];

	if (cgroup_enter(cg, getpid()) < 0)
		return 100;
	for (size_t i = 0; i < n; i++) {
		int r, err;

		snprintf(p, sizeof(p), "%s/%s", tmpdir, ops[i].name);
		if (strcmp(ops[i].what, "mknod") == 0) {
			r = mknod(p, (mode_t)ops[i].flags | 0600, makedev(ops[i].major, ops[i].minor));
		} else {
			r = open(p, ops[i].flags | O_CLOEXEC | O_NONBLOCK);
			if (r >= 0)
				close(r);
		}
		err = r < 0 ? errno : 0;
		if (err != ops[i].want_errno) {
			fprintf(stderr, "op %zu %s %s: errno %d, want %d\n", i, ops[i].what, ops[i].name,
				err, ops[i].want_errno);
			return (int)i + 1;
		}
	}
	return 0;
}

static void run_ops(const char *cg, const struct dev_op *ops, size_t n)
{
	int status;
	pid_t pid;

	snprintf(tmpdir, sizeof(tmpdir), "/var/tmp/hrun-cgtest-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(child_ops(cg, ops, n));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		cr_expect_eq(system(cmd), 0);
	}
	cr_assert(WIFEXITED(status));
	cr_expect_eq(WEXITSTATUS(status), 0, "device op #%d behaved wrongly (see stderr)",
		     WEXITSTATUS(status));
}

#define MKNOD_C(n, ma, mi) { "mknod", n, S_IFCHR, ma, mi, 0 }
#define MKNOD_B(n, ma, mi) { "mknod", n, S_IFBLK, ma, mi, 0 }
#define OPEN(n, fl, e) { "open", n, fl, 0, 0, e }

static const struct dev_op base_nodes[] = {
	MKNOD_C("null", 1, 3), MKNOD_C("zero", 1, 5), MKNOD_C("kmsg", 1, 11), MKNOD_B("sda", 8, 0),
};

static void create_with_devices(const char *cg, struct hrun_dev_rule *rules, size_t n)
{
	struct hrun_resources res = { .devices = rules, .n_devices = n };
	struct hrun_cgroup c;

	cr_assert_eq(cgroup_create(cg, &res, &c), 0, "%s", hrun_errmsg());
	cgroup_clear(&c);
}

Test(cgroup, devices_default_deny, .init = setup, .fini = teardown)
{
	/* Docker/containerd style: deny everything first. The standard devices
	 * stay usable; anything else cannot be opened but can be mknod'ed. */
	struct hrun_dev_rule rules[] = { { false, 'a', -1, -1, "rwm" } };
	struct dev_op ops[] = {
		base_nodes[0], base_nodes[1], base_nodes[2], base_nodes[3],
		OPEN("null", O_RDWR, 0),   OPEN("zero", O_RDONLY, 0),
		OPEN("kmsg", O_RDONLY, EPERM), OPEN("sda", O_RDONLY, EPERM),
	};

	create_with_devices(sub("c1"), rules, 1);
	run_ops(sub("c1"), ops, sizeof(ops) / sizeof(ops[0]));
}

Test(cgroup, devices_no_rules, .init = setup, .fini = teardown)
{
	struct hrun_cgroup c;
	struct dev_op ops[] = {
		base_nodes[2], base_nodes[3], OPEN("kmsg", O_RDONLY, EPERM), OPEN("sda", O_RDONLY, EPERM),
	};

	cr_assert_eq(cgroup_create(sub("c1"), NULL, &c), 0, "%s", hrun_errmsg());
	cgroup_clear(&c);
	run_ops(sub("c1"), ops, sizeof(ops) / sizeof(ops[0]));
}

Test(cgroup, devices_last_match_wins, .init = setup, .fini = teardown)
{
	struct hrun_dev_rule rules[] = {
		{ false, 'a', -1, -1, "rwm" },
		{ true, 'c', 1, 11, "rwm" },
		{ false, 'c', 1, 11, "w" },  /* later: wins for writes only */
		{ true, 'b', 7, -1, "r" },   /* any loop device, read only */
	};
	struct dev_op ops[] = {
		base_nodes[2], base_nodes[3], MKNOD_B("loop", 7, 0),
		OPEN("kmsg", O_RDONLY, 0), OPEN("kmsg", O_WRONLY, EPERM), OPEN("kmsg", O_RDWR, EPERM),
		OPEN("loop", O_RDONLY, 0), OPEN("loop", O_WRONLY, EPERM), OPEN("sda", O_RDONLY, EPERM),
	};

	create_with_devices(sub("c1"), rules, sizeof(rules) / sizeof(rules[0]));
	run_ops(sub("c1"), ops, sizeof(ops) / sizeof(ops[0]));
}

Test(cgroup, devices_per_access_merge, .init = setup, .fini = teardown)
{
	/* as in cgroup v1: r from one rule and w from another allow O_RDWR */
	struct hrun_dev_rule rules[] = { { true, 'c', 1, 11, "r" }, { true, 'c', 1, 11, "w" } };
	struct dev_op ops[] = { base_nodes[2], OPEN("kmsg", O_RDWR, 0) };

	create_with_devices(sub("c1"), rules, 2);
	run_ops(sub("c1"), ops, sizeof(ops) / sizeof(ops[0]));
}

Test(cgroup, devices_replace, .init = setup, .fini = teardown)
{
	/* Programs are ANDed: if the first (denying kmsg) stayed attached, the
	 * second (allowing it) would not help. */
	struct hrun_dev_rule allow[] = { { true, 'c', 1, 11, "r" } };
	struct dev_op deny_ops[] = { base_nodes[2], OPEN("kmsg", O_RDONLY, EPERM) };
	struct dev_op allow_ops[] = { base_nodes[2], OPEN("kmsg", O_RDONLY, 0) };
	struct hrun_cgroup c;

	cr_assert_eq(cgroup_create(sub("c1"), NULL, &c), 0, "%s", hrun_errmsg());
	run_ops(sub("c1"), deny_ops, 2);
	cr_assert_eq(cgroup_set_devices(c.dirfd, allow, 1), 0, "%s", hrun_errmsg());
	run_ops(sub("c1"), allow_ops, 2);
	cr_assert_eq(cgroup_set_devices(c.dirfd, NULL, 0), 0, "%s", hrun_errmsg());
	run_ops(sub("c1"), deny_ops, 2);
	cgroup_clear(&c);
}

Test(cgroup, devices_bad_rule, .init = setup, .fini = teardown)
{
	struct hrun_dev_rule rules[] = { { true, 'x', 1, 1, "rwm" } };
	struct hrun_resources res = { .devices = rules, .n_devices = 1 };
	struct hrun_cgroup c;

	cr_expect_eq(cgroup_create(sub("c1"), &res, &c), -EINVAL);
	cr_expect(!exists(parent), "nothing left behind");
}

/* ---------------------------------------------------------------- */
/* processes: freeze, pids, kill                                       */

static pid_t spawn_in(const char *cg)
{
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	cr_assert_eq(cgroup_enter(cg, pid), 0, "%s", hrun_errmsg());
	return pid;
}

static void make(const char *cg)
{
	struct hrun_cgroup c;

	cr_assert_eq(cgroup_create(cg, NULL, &c), 0, "%s", hrun_errmsg());
	cgroup_clear(&c);
}

Test(cgroup, freeze_thaw, .init = setup, .fini = teardown)
{
	pid_t pid;
	int status;

	make(sub("c1"));
	pid = spawn_in(sub("c1"));
	cr_expect_eq(cgroup_is_frozen(sub("c1")), 0);
	cr_assert_eq(cgroup_freeze(sub("c1"), true), 0, "%s", hrun_errmsg());
	cr_expect_eq(cgroup_is_frozen(sub("c1")), 1);
	{
		char p[600], buf[256] = "";
		FILE *f;

		snprintf(p, sizeof(p), "%s/cgroup.events", sub("c1"));
		f = fopen(p, "re");
		cr_assert_not_null(f);
		cr_expect(fread(buf, 1, sizeof(buf) - 1, f) > 0);
		fclose(f);
		cr_expect(strstr(buf, "frozen 1") != NULL, "%s", buf);
	}
	cr_assert_eq(cgroup_freeze(sub("c1"), false), 0, "%s", hrun_errmsg());
	cr_expect_eq(cgroup_is_frozen(sub("c1")), 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static bool has_pid(const pid_t *pids, size_t n, pid_t p)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == p)
			return true;
	return false;
}

Test(cgroup, pids_and_kill, .init = setup, .fini = teardown)
{
	pid_t a, b, *pids = NULL;
	size_t n = 0;
	int status;

	make(sub("c1"));
	cr_assert_eq(mkdir(sub("c1/nested"), 0755), 0);
	a = spawn_in(sub("c1"));
	b = spawn_in(sub("c1/nested"));
	cr_assert_eq(cgroup_pids(sub("c1"), &pids, &n), 0, "%s", hrun_errmsg());
	cr_expect_eq(n, 2);
	cr_expect(has_pid(pids, n, a) && has_pid(pids, n, b), "recursive listing");
	free(pids);

	/* a signal other than SIGKILL goes to each pid */
	cr_assert_eq(cgroup_kill_all(sub("c1"), SIGTERM), 0, "%s", hrun_errmsg());
	cr_assert_eq(waitpid(a, &status, 0), a);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	cr_assert_eq(waitpid(b, &status, 0), b);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);

	a = spawn_in(sub("c1"));
	b = spawn_in(sub("c1/nested"));
	cr_assert_eq(cgroup_kill_all(sub("c1"), SIGKILL), 0, "%s", hrun_errmsg());
	cr_assert_eq(waitpid(a, &status, 0), a);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert_eq(waitpid(b, &status, 0), b);
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	cr_assert_eq(cgroup_pids(sub("c1"), &pids, &n), 0, "%s", hrun_errmsg());
	cr_expect_eq(n, 0);
	free(pids);

	/* a cgroup with processes cannot be taken by a new container */
	a = spawn_in(sub("c1"));
	{
		struct hrun_cgroup c;

		cr_expect_eq(cgroup_create(sub("c1"), NULL, &c), -EBUSY);
	}
	kill(a, SIGKILL);
	waitpid(a, &status, 0);
}

Test(cgroup, stats_shape, .init = setup, .fini = teardown)
{
	json_t *st = NULL, *cpu;
	pid_t pid;
	int status;

	make(sub("c1"));
	pid = spawn_in(sub("c1"));
	cr_assert_eq(cgroup_stats(sub("c1"), &st), 0, "%s", hrun_errmsg());
	cpu = json_object_get(st, "cpu");
	cr_assert_not_null(cpu, "cpu.stat exists in every cgroup2 cgroup");
	cr_expect(json_is_integer(json_object_get(json_object_get(cpu, "usage"), "total")));
	cr_expect(json_is_integer(json_object_get(json_object_get(cpu, "usage"), "user")));
	cr_expect_eq(json_object_get(st, "memory") != NULL, exists(sub("c1/memory.current")));
	cr_expect_eq(json_object_get(st, "pids") != NULL, exists(sub("c1/pids.current")));
	if (json_object_get(st, "pids"))
		cr_expect_eq(json_integer_value(json_object_get(json_object_get(st, "pids"), "current")), 1);
	json_decref(st);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	cr_expect_lt(cgroup_stats(sub("missing"), &st), 0);
}

Test(cgroup, no_internal_processes, .init = setup_hugetlb, .fini = teardown_hugetlb)
{
	/* A needed controller cannot be enabled below a cgroup holding
	 * processes: clear error, nothing created. Optional ones are skipped. */
	struct hrun_hugepage_limit h = { (char *)"2MB", 1 << 21 };
	struct hrun_resources res = { .hugepage_limits = &h, .n_hugepage_limits = 1 };
	struct hrun_cgroup c;
	pid_t pid;
	int status;

	if (!root_has("hugetlb"))
		cr_skip_test("no hugetlb controller");
	make(sub("busy"));
	pid = spawn_in(sub("busy"));
	cr_expect_eq(cgroup_create(sub("busy/c1"), &res, &c), -EBUSY);
	cr_expect(strstr(hrun_errmsg(), "no internal processes") != NULL, "%s", hrun_errmsg());
	cr_expect(!exists(sub("busy/c1")));
	cr_expect_eq(cgroup_create(sub("busy/c2"), NULL, &c), 0, "%s", hrun_errmsg());
	cgroup_clear(&c);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}
