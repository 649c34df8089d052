/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup v2 driver (see include/hrun/cgroup.h).
 *
 * Decisions worth knowing:
 *   - Placement: absolute linux.cgroupsPath = under the cgroup2 mount;
 *     relative = under hrun's own cgroup ("0::" line of /proc/self/cgroup,
 *     with a trailing "/init.scope" dropped as runc does); empty =
 *     ROOT/hrun/ID. ".." components are rejected, "." and "//" ignored.
 *   - Delegation: on the way down, every controller listed in a parent's
 *     cgroup.controllers is enabled in its cgroup.subtree_control (as crun
 *     does, so stats and later `hrun update` work). A failure is fatal only
 *     for a controller the requested resources need; the error names the
 *     field and, for EBUSY, the "no internal processes" rule (a relative
 *     cgroupsPath under a cgroup that holds processes, hrun's own one for
 *     instance). Controllers enabled in ancestors stay enabled on failure
 *     and on destroy: other cgroups may use them.
 *   - Before creating anything, every requested limit is checked against
 *     the controllers of the hierarchy root: on a hybrid host (memory, cpu,
 *     pids, io bound to v1) a requested limit fails with one line naming
 *     the field and the controller. Nothing is dropped silently.
 *   - v1-only settings fail on v2 (as crun): memory.swappiness,
 *     disableOOMKiller=true, useHierarchy=false, cpu.realtime*, leafWeight.
 * The writers of the resource files (memory, cpu, pids, io, hugetlb,
 * unified) live in cgroup_resources.c, cgroup_stats() in cgroup_stats.c,
 * the process-level operations (enter, freeze, kill, pids, destroy) in
 * cgroup_procs.c; the file helpers they share are declared in
 * cgroup-internal.h.
 */
#define _GNU_SOURCE
#include "hrun/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

enum ctrl { C_CPU, C_CPUSET, C_IO, C_MEMORY, C_PIDS, C_HUGETLB, C_RDMA, C_MISC, N_CTRL };
static const char *const ctrl_names[N_CTRL] = { "cpu", "cpuset", "io", "memory",
						"pids", "hugetlb", "rdma", "misc" };

/* For each controller the requested resources need: the first field that
 * needs it (for error messages); "" = not needed. */
struct needs {
	char field[N_CTRL][160];
};

/* ------------------------------------------------------------------ */
/* small file helpers                                                  */

static int ctrl_index(const char *name, size_t len)
{
	for (int i = 0; i < N_CTRL; i++)
		if (strlen(ctrl_names[i]) == len && strncmp(ctrl_names[i], name, len) == 0)
			return i;
	return -1;
}

/* Is TOK one of the whitespace-separated words of LIST? */
static bool has_word(const char *list, const char *tok)
{
	size_t len = strlen(tok);

	for (const char *p = list; *p;) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == len && strncmp(p, tok, n) == 0)
			return true;
		p += n;
	}
	return false;
}

/* Open NAME in DIRFD, or DIR/NAME when DIRFD is AT_FDCWD. */
static int open_in(int dirfd, const char *dir, const char *name, int flags)
{
	char p[PATH_MAX];

	if (dirfd != AT_FDCWD)
		return openat(dirfd, name, flags | O_CLOEXEC);
	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(p, flags | O_CLOEXEC);
}

/* Read DIR/NAME (NUL-terminated) into *ret. Errors are recorded. */
int cgroup_read_at(int dirfd, const char *dir, const char *name, char **ret)
{
	_cleanup_close_ int fd = open_in(dirfd, dir, name, O_RDONLY);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return hrun_syserr(errno, "open `%s/%s`", dir, name);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 8192);

			if (!nb)
				return hrun_err(ENOMEM, "out of memory");
			buf = nb;
			cap += 8192;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrun_syserr(errno, "read `%s/%s`", dir, name);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int cgroup_read_path(const char *dir, const char *name, char **ret)
{
	return cgroup_read_at(AT_FDCWD, dir, name, ret);
}

/* Write VAL with one write(2); returns 0 or -errno, records nothing. */
int cgroup_write_raw(int dirfd, const char *dir, const char *name, const char *val)
{
	_cleanup_close_ int fd = open_in(dirfd, dir, name, O_WRONLY);
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO; /* the caller records */
}

/* Write VAL to DIR/NAME, recording "write `VAL` to `DIR/NAME`: ...". */
int cgroup_write_at(int dirfd, const char *dir, const char *name, const char *val)
{
	int r = cgroup_write_raw(dirfd, dir, name, val);

	if (r < 0)
		return hrun_syserr(-r, "write `%s` to `%s/%s`", val, dir, name);
	return 0;
}

int cgroup_write_path(const char *dir, const char *name, const char *val)
{
	return cgroup_write_at(AT_FDCWD, dir, name, val);
}

/* Value of "KEY N" in a flat-keyed file (cgroup.events, cpu.stat, ...). */
bool cgroup_kv_get(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
			*ret = strtoull(p + klen + 1, NULL, 10);
			return true;
		}
	return false;
}

/* ------------------------------------------------------------------ */
/* root and path resolution                                            */

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && (unsigned long)sf.f_type == CGROUP2_SUPER_MAGIC;
}

const char *cgroup_root(void)
{
	static const char *root;
	static bool probed;

	if (!probed) {
		if (is_cgroup2("/sys/fs/cgroup"))
			root = "/sys/fs/cgroup";
		else if (is_cgroup2("/sys/fs/cgroup/unified"))
			root = "/sys/fs/cgroup/unified";
		probed = true;
	}
	return root;
}

/* Append the components of REL to OUT (which has room for PATH_MAX):
 * "." and empty ones are skipped, ".." is rejected. */
static int append_clean(char *out, const char *rel, const char *what)
{
	size_t len = strlen(out);

	for (const char *p = rel; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 2 && strncmp(p, "..", 2) == 0)
			return hrun_err(EINVAL, "%s: `..` is not allowed in a cgroup path", what);
		if (n > 0 && !(n == 1 && *p == '.')) {
			if (len + 1 + n >= PATH_MAX)
				return hrun_err(ENAMETOOLONG, "%s: path too long", what);
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
			out[len] = '\0';
		}
		p += n;
		p += strspn(p, "/");
	}
	return 0;
}

/* hrun's own cgroup: the path of the "0::" line of /proc/self/cgroup. */
static int own_cgroup(char **ret)
{
	_cleanup_free_ char *text = NULL;
	char *line, *nl, *scope;
	int r = cgroup_read_path("/proc/self", "cgroup", &text);

	if (r < 0)
		return r;
	for (line = text; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "0::", 3) != 0)
			continue;
		/* systemd puts PID 1 of a system container into init.scope,
		 * which must stay a leaf: use its parent (as runc does). */
		scope = strrchr(line + 3, '/');
		if (scope && strcmp(scope, "/init.scope") == 0)
			*scope = '\0';
		*ret = strdup(line + 3);
		return *ret ? 0 : hrun_err(ENOMEM, "out of memory");
	}
	return hrun_err(ENOENT, "linux.cgroupsPath: a relative path needs hrun's own cgroup v2 "
				"cgroup, but /proc/self/cgroup has no `0::` line");
}

/* "slice:prefix:name", the form of the systemd cgroup driver. */
static bool is_systemd_style(const char *p)
{
	const char *c1 = strchr(p, ':');

	return !strchr(p, '/') && c1 && strchr(c1 + 1, ':') && !strchr(strchr(c1 + 1, ':') + 1, ':');
}

/* "a-b.slice:prefix:name" -> "/a.slice/a-b.slice/prefix-name.scope" (the
 * layout of systemd's slice units); an empty slice means system.slice. */
static int systemd_path_to_cgroupfs(const char *sd, char **ret)
{
	const char *c1 = strchr(sd, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	char slice[256], out[PATH_MAX];
	size_t len = 0;

	if (!c1 || !c2 || strchr(c2 + 1, ':') || strchr(sd, '/') || (size_t)(c1 - sd) >= sizeof(slice))
		return hrun_err(EINVAL, "linux.cgroupsPath `%s`: expected slice:prefix:name", sd);
	if (c1 == sd)
		strcpy(slice, "system.slice");
	else
		(void)snprintf(slice, sizeof(slice), "%.*s", (int)(c1 - sd), sd);
	if (strlen(slice) < 7 || strcmp(slice + strlen(slice) - 6, ".slice") != 0 ||
	    strstr(slice, ".."))
		return hrun_err(EINVAL, "linux.cgroupsPath `%s`: `%s` is not a slice", sd, slice);
	out[0] = '\0';
	/* every dash-separated prefix of the slice name is a parent slice */
	for (const char *d = strchr(slice, '-'); d; d = strchr(d + 1, '-'))
		len += (size_t)snprintf(out + len, sizeof(out) - len, "/%.*s.slice", (int)(d - slice), slice);
	(void)snprintf(out + len, sizeof(out) - len, "/%s/%.*s-%s.scope", slice, (int)(c2 - c1 - 1),
		       c1 + 1, c2 + 1);
	*ret = strdup(out);
	return *ret ? 0 : hrun_err(ENOMEM, "out of memory");
}

int cgroup_resolve_path(const char *cgroups_path, const char *id, bool systemd_cgroup, char **ret_path)
{
	const char *root = cgroup_root();
	_cleanup_free_ char *own = NULL;
	char buf[PATH_MAX];
	int r;

	if (!root)
		return hrun_err(ENOTSUP, "no cgroup v2 hierarchy is mounted (looked at /sys/fs/cgroup "
					 "and /sys/fs/cgroup/unified)");
	if (!id || !*id || strchr(id, '/') || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return hrun_err(EINVAL, "container id `%s` cannot name a cgroup", id ? id : "");
	(void)systemd_cgroup;
	if (cgroups_path && is_systemd_style(cgroups_path)) {
		/* no systemd driver: create the cgroup the systemd driver would
		 * (SLICE/PREFIX-NAME.scope), directly in cgroupfs */
		r = systemd_path_to_cgroupfs(cgroups_path, &own);
		if (r < 0)
			return r;
		cgroups_path = own;
	}
	snprintf(buf, sizeof(buf), "%s", root);
	if (!cgroups_path || !*cgroups_path) {
		r = append_clean(buf, "hrun", "linux.cgroupsPath");
		if (r == 0)
			r = append_clean(buf, id, "linux.cgroupsPath");
	} else {
		if (cgroups_path[0] != '/') {
			free(own);
			own = NULL;
			r = own_cgroup(&own);
			if (r < 0)
				return r;
			r = append_clean(buf, own, "linux.cgroupsPath");
			if (r < 0)
				return r;
		}
		r = append_clean(buf, cgroups_path, "linux.cgroupsPath");
		if (r == 0 && strcmp(buf, root) == 0)
			return hrun_err(EINVAL, "linux.cgroupsPath `%s`: refusing to use the cgroup root "
						"`%s` itself", cgroups_path, root);
	}
	if (r < 0)
		return r;
	*ret_path = strdup(buf);
	return *ret_path ? 0 : hrun_err(ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* validation and needed controllers                                   */

static void need(struct needs *n, enum ctrl c, bool cond, const char *field)
{
	if (cond && !n->field[c][0])
		snprintf(n->field[c], sizeof(n->field[c]), "linux.resources.%s", field);
}

/* v1-only settings and malformed values: fail before touching anything. */
static int validate(const struct hrun_resources *r)
{
	static const char *const forbidden[] = { "cgroup.procs", "cgroup.threads", "cgroup.kill",
						 "cgroup.freeze", "cgroup.subtree_control", "cgroup.type" };
	size_t i, j;

	if (r->has_mem_swappiness)
		return hrun_err(ENOTSUP, "linux.resources.memory.swappiness: not supported on cgroup v2");
	if (r->has_mem_disable_oom_killer && r->mem_disable_oom_killer)
		return hrun_err(ENOTSUP, "linux.resources.memory.disableOOMKiller: not supported on cgroup v2");
	if (r->has_mem_use_hierarchy && !r->mem_use_hierarchy)
		return hrun_err(ENOTSUP, "linux.resources.memory.useHierarchy: cgroup v2 is always "
					 "hierarchical");
	if (r->has_mem_swap && r->mem_swap > 0 &&
	    (!r->has_mem_limit || r->mem_limit < 0 || r->mem_swap < r->mem_limit))
		return hrun_err(EINVAL, "linux.resources.memory.swap: must be at least memory.limit "
					"(it is the memory+swap limit), and needs memory.limit");
	if ((r->has_cpu_rt_runtime && r->cpu_rt_runtime != 0) ||
	    (r->has_cpu_rt_period && r->cpu_rt_period != 0))
		return hrun_err(ENOTSUP, "linux.resources.cpu.realtimeRuntime/realtimePeriod: not "
					 "supported on cgroup v2");
	if (r->has_blkio_leaf_weight && r->blkio_leaf_weight)
		return hrun_err(ENOTSUP, "linux.resources.blockIO.leafWeight: not supported on cgroup v2");
	for (i = 0; i < r->n_blkio_weight_device; i++)
		if (r->blkio_weight_device[i].has_leaf_weight)
			return hrun_err(ENOTSUP, "linux.resources.blockIO.weightDevice[%zu].leafWeight: "
						 "not supported on cgroup v2", i);
	for (i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;

		if (!*k || strchr(k, '/') || strstr(k, "..") || strcmp(k, ".") == 0)
			return hrun_err(EINVAL, "linux.resources.unified: key `%s` must be a file name "
						"of the cgroup (no `/`, no `..`)", k);
		for (j = 0; j < ARRAY_SIZE(forbidden); j++)
			if (strcmp(k, forbidden[j]) == 0)
				return hrun_err(EINVAL, "linux.resources.unified: key `%s` is managed "
							"by the runtime", k);
	}
	return 0;
}

static bool any_throttle(const struct hrun_resources *r)
{
	return r->n_blkio_read_bps || r->n_blkio_write_bps || r->n_blkio_read_iops ||
	       r->n_blkio_write_iops;
}

static void compute_needs(const struct hrun_resources *r, struct needs *n)
{
	memset(n, 0, sizeof(*n));
	need(n, C_MEMORY, r->has_mem_limit, "memory.limit");
	need(n, C_MEMORY, r->has_mem_reservation, "memory.reservation");
	need(n, C_MEMORY, r->has_mem_swap, "memory.swap");
	need(n, C_MEMORY, r->has_mem_check_before_update && r->mem_check_before_update,
	     "memory.checkBeforeUpdate");
	/* 1024 shares is the kernel default (weight 100), which containerd
	 * always sends: without a cpu controller nothing is lost by not
	 * writing it, so it is not a requirement */
	need(n, C_CPU, r->has_cpu_shares && r->cpu_shares && r->cpu_shares != 1024, "cpu.shares");
	need(n, C_CPU, r->has_cpu_quota, "cpu.quota");
	need(n, C_CPU, r->has_cpu_period, "cpu.period");
	need(n, C_CPU, r->has_cpu_burst, "cpu.burst");
	need(n, C_CPU, r->has_cpu_idle, "cpu.idle");
	need(n, C_CPUSET, r->cpu_cpus && *r->cpu_cpus, "cpu.cpus");
	need(n, C_CPUSET, r->cpu_mems && *r->cpu_mems, "cpu.mems");
	/* 0 and -1 mean "no limit" (as runc and crun): nothing to enforce */
	need(n, C_PIDS, r->has_pids_limit && r->pids_limit > 0, "pids.limit");
	need(n, C_IO, r->has_blkio_weight && r->blkio_weight, "blockIO.weight");
	need(n, C_IO, r->n_blkio_weight_device > 0, "blockIO.weightDevice");
	need(n, C_IO, any_throttle(r), "blockIO.throttle*");
	need(n, C_HUGETLB, r->n_hugepage_limits > 0, "hugepageLimits");
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		int c = ctrl_index(k, strcspn(k, "."));

		if (c >= 0 && !n->field[c][0] && r->unified[i].value && *r->unified[i].value)
			snprintf(n->field[c], sizeof(n->field[c]), "linux.resources.unified `%s`", k);
	}
}

/* Every needed controller must exist in the hierarchy at all. */
static int check_available(const struct needs *n)
{
	const char *root = cgroup_root();
	_cleanup_free_ char *avail = NULL;
	int r;

	if (!root)
		return hrun_err(ENOTSUP, "no cgroup v2 hierarchy is mounted");
	r = cgroup_read_path(root, "cgroup.controllers", &avail);
	if (r < 0)
		return r;
	for (int c = 0; c < N_CTRL; c++)
		if (n->field[c][0] && !has_word(avail, ctrl_names[c]))
			return hrun_err(ENOTSUP, "%s: the %s controller is not available in the cgroup "
						 "v2 hierarchy at %s", n->field[c], ctrl_names[c], root);
	return 0;
}

/* ------------------------------------------------------------------ */
/* delegation                                                          */

/* Enable in DIR/cgroup.subtree_control every controller DIR has; failures
 * are errors only for controllers in N. On a hybrid host only the
 * controllers N needs are enabled: a controller enabled in the unified
 * hierarchy is a host change that makes other runtimes (crun) refuse to
 * work ("cgroups in hybrid mode not supported"). */
static int enable_controllers(const char *dir, const struct needs *n)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;
	const char *root = cgroup_root();
	bool hybrid = root && strcmp(root, "/sys/fs/cgroup") != 0;
	char tok[64], cmd[70];
	int r = cgroup_read_path(dir, "cgroup.controllers", &avail);

	if (r == 0)
		r = cgroup_read_path(dir, "cgroup.subtree_control", &enabled);
	if (r < 0)
		return r;
	for (const char *p = avail + strspn(avail, " \n"); *p; p += strspn(p, " \n")) {
		size_t len = strcspn(p, " \n");
		int c = ctrl_index(p, len);

		snprintf(tok, sizeof(tok), "%.*s", (int)len, p);
		p += len;
		if (has_word(enabled, tok))
			continue;
		if (hybrid && (c < 0 || !n->field[c][0]))
			continue;
		snprintf(cmd, sizeof(cmd), "+%s", tok);
		r = cgroup_write_raw(AT_FDCWD, dir, "cgroup.subtree_control", cmd);
		if (r == 0 || c < 0 || !n->field[c][0])
			continue; /* optional controller: best effort */
		if (r == -EBUSY)
			return hrun_err(EBUSY, "%s: cannot enable the %s controller in `%s`: that cgroup "
					       "holds processes (cgroup v2 \"no internal processes\" "
					       "rule); use an absolute linux.cgroupsPath outside it",
					n->field[c], tok, dir);
		return hrun_syserr(-r, "%s: enable the %s controller in `%s/cgroup.subtree_control`",
				   n->field[c], tok, dir);
	}
	for (int c = 0; c < N_CTRL; c++)
		if (n->field[c][0] && !has_word(avail, ctrl_names[c]))
			return hrun_err(ENOTSUP, "%s: the %s controller is not delegated to `%s`",
					n->field[c], ctrl_names[c], dir);
	return 0;
}

/* Enable the controllers along PATH (from the root down) and, with CREATE,
 * mkdir the missing directories. *created_len is set to the length of the
 * first directory created (0: none), *leaf_existed when PATH was there. */
static int walk(const char *path, const struct needs *n, bool create, size_t *created_len,
		bool *leaf_existed)
{
	const char *root = cgroup_root();
	size_t rlen = root ? strlen(root) : 0;
	char cur[PATH_MAX];
	const char *p;
	int r;

	if (!root || strncmp(path, root, rlen) != 0 || path[rlen] != '/' || strlen(path) >= PATH_MAX)
		return hrun_err(EINVAL, "cgroup `%s` is not under the cgroup v2 root `%s`", path,
				root ? root : "(none)");
	memcpy(cur, root, rlen + 1);
	for (p = path + rlen; *p;) {
		size_t len;

		p += strspn(p, "/");
		len = strcspn(p, "/");
		if (len == 0)
			break;
		r = enable_controllers(cur, n);
		if (r < 0)
			return r;
		snprintf(cur + strlen(cur), sizeof(cur) - strlen(cur), "/%.*s", (int)len, p);
		p += len;
		if (!create)
			continue;
		if (mkdir(cur, 0755) == 0) {
			if (*created_len == 0)
				*created_len = strlen(cur);
		} else if (errno == EEXIST) {
			if (p[strspn(p, "/")] == '\0')
				*leaf_existed = true;
		} else {
			return hrun_syserr(errno, "create cgroup `%s`", cur);
		}
	}
	return 0;
}

/* rmdir PATH and its ancestors down to the one of length CREATED_LEN. */
static void remove_created(const char *path, size_t created_len)
{
	char buf[PATH_MAX];

	if (created_len == 0)
		return;
	snprintf(buf, sizeof(buf), "%s", path);
	while (strlen(buf) >= created_len) {
		char *slash = strrchr(buf, '/');

		(void)rmdir(buf);
		if (!slash)
			break;
		*slash = '\0';
	}
}

static int prepare(const struct hrun_resources *res, struct needs *n)
{
	int r = 0;

	memset(n, 0, sizeof(*n));
	if (res) {
		r = validate(res);
		if (r == 0)
			compute_needs(res, n);
	}
	return r < 0 ? r : check_available(n);
}

static int count_procs(const char *path)
{
	_cleanup_free_ char *procs = NULL;
	int r = cgroup_read_path(path, "cgroup.procs", &procs);

	if (r < 0)
		return r;
	return procs[strspn(procs, " \n")] != '\0';
}

static int create_in(const char *path, const struct hrun_resources *res, const struct needs *n,
		     struct hrun_cgroup *ret, size_t *created_len)
{
	_cleanup_close_ int dfd = -1;
	bool existed = false;
	int r = walk(path, n, true, created_len, &existed);

	if (r < 0)
		return r;
	if (existed) {
		r = count_procs(path);
		if (r < 0)
			return r;
		if (r > 0)
			return hrun_err(EBUSY, "cgroup `%s` already exists and has processes", path);
	}
	/* O_RDONLY, not O_PATH: bpf(2) needs a real fd; clone3 takes either. */
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hrun_syserr(errno, "open cgroup `%s`", path);
	if (res) {
		r = cgroup_apply_resources(dfd, path, res);
		if (r < 0)
			return r;
	}
	r = cgroup_set_devices(dfd, res ? res->devices : NULL, res ? res->n_devices : 0);
	if (r < 0)
		return hrun_err_prefix(r, "cgroup `%s`", path);
	ret->path = strdup(path);
	if (!ret->path)
		return hrun_err(ENOMEM, "out of memory");
	ret->dirfd = TAKE_FD(dfd);
	return 0;
}

int cgroup_create(const char *path, const struct hrun_resources *res, struct hrun_cgroup *ret)
{
	size_t created_len = 0;
	struct needs n;
	int r = prepare(res, &n);

	ret->path = NULL;
	ret->dirfd = -1;
	if (r < 0)
		return r;
	r = create_in(path, res, &n, ret, &created_len);
	if (r < 0)
		remove_created(path, created_len); /* nothing left behind */
	return r;
}

int cgroup_apply(const char *path, const struct hrun_resources *res)
{
	_cleanup_close_ int dfd = -1;
	size_t unused = 0;
	bool existed = false;
	struct needs n;
	int r = prepare(res, &n);

	if (r < 0 || !res)
		return r;
	/* controllers needed now may not have been needed at create time */
	r = walk(path, &n, false, &unused, &existed);
	if (r < 0)
		return r;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hrun_syserr(errno, "open cgroup `%s`", path);
	r = cgroup_apply_resources(dfd, path, res);
	if (r == 0 && res->n_devices > 0)
		r = cgroup_set_devices(dfd, res->devices, res->n_devices);
	return r;
}

void cgroup_clear(struct hrun_cgroup *cg)
{
	if (!cg)
		return;
	free(cg->path);
	cg->path = NULL;
	if (cg->dirfd >= 0)
		(void)close(cg->dirfd);
	cg->dirfd = -1;
}
