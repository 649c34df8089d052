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
 *   - memory.swap is memory+swap: memory.swap.max = swap - limit (0 and -1
 *     are passed as 0 and "max"); a missing memory.swap.max (kernel without
 *     swap accounting) is ignored like crun does: Docker always sends swap.
 *   - cpu.shares -> cpu.weight with the log-quadratic mapping of crun >= 1.23
 *     and runc >= 1.3.2 (2 -> 1, 1024 -> 100, 262144 -> 10000).
 *   - blockIO.weight goes to io.bfq.weight when present (same 10..1000
 *     scale), else to io.weight ("default N", N mapped linearly from
 *     [10,1000] to [1,10000] as crun does); a throttle rate of 0 is "max"
 *     (0 removed the rule on v1).
 *   - unified keys must be plain file names of the cgroup (no '/', no
 *     ".."), not one of the cgroup.* files that move/kill/freeze processes.
 *     Each line of a value is one write(2).
 *
 * cgroup_stats() lives in cgroup_stats.c, the process-level operations
 * (enter, freeze, kill, pids, destroy) in cgroup_procs.c; the file helpers
 * they share are declared in cgroup-internal.h.
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
static int read_at(int dirfd, const char *dir, const char *name, char **ret)
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
	return read_at(AT_FDCWD, dir, name, ret);
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
static int write_at(int dirfd, const char *dir, const char *name, const char *val)
{
	int r = cgroup_write_raw(dirfd, dir, name, val);

	if (r < 0)
		return hrun_syserr(-r, "write `%s` to `%s/%s`", val, dir, name);
	return 0;
}

int cgroup_write_path(const char *dir, const char *name, const char *val)
{
	return write_at(AT_FDCWD, dir, name, val);
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

/* ------------------------------------------------------------------ */
/* resources                                                           */

static void fmt_max(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}

static int check_memory_before_update(int dfd, const char *path, const struct hrun_resources *r)
{
	_cleanup_free_ char *cur = NULL, *swap = NULL;
	uint64_t usage, limit = 0;
	int ret;

	ret = read_at(dfd, path, "memory.current", &cur);
	if (ret < 0)
		return ret;
	usage = strtoull(cur, NULL, 10);
	if (read_at(dfd, path, "memory.swap.current", &swap) == 0)
		usage += strtoull(swap, NULL, 10);
	if (!(r->has_mem_limit && r->mem_limit >= 0))
		return 0; /* no new memory limit: nothing to compare */
	limit = (uint64_t)r->mem_limit;
	if (r->has_mem_swap && r->mem_swap > 0)
		limit = (uint64_t)r->mem_swap;
	if (limit <= usage)
		return hrun_err(EBUSY, "linux.resources.memory: the new limit %" PRIu64 " is not above "
				       "the current usage %" PRIu64, limit, usage);
	return 0;
}

static int apply_memory(int dfd, const char *path, const struct hrun_resources *r)
{
	char buf[32];
	int ret;

	if (r->has_mem_check_before_update && r->mem_check_before_update) {
		ret = check_memory_before_update(dfd, path, r);
		if (ret < 0)
			return ret;
	}
	if (r->has_mem_limit) {
		fmt_max(buf, sizeof(buf), r->mem_limit);
		ret = write_at(dfd, path, "memory.max", buf);
		if (ret < 0)
			return ret;
	}
	if (r->has_mem_reservation) {
		fmt_max(buf, sizeof(buf), r->mem_reservation);
		ret = write_at(dfd, path, "memory.low", buf);
		if (ret < 0)
			return ret;
	}
	if (r->has_mem_swap) {
		/* OCI swap is memory+swap; v2 limits swap alone (validated:
		 * swap > 0 implies limit >= 0 and swap >= limit). */
		fmt_max(buf, sizeof(buf), r->mem_swap > 0 ? r->mem_swap - r->mem_limit : r->mem_swap);
		ret = cgroup_write_raw(dfd, path, "memory.swap.max", buf);
		if (ret < 0 && ret != -ENOENT) /* ENOENT: no swap accounting */
			return hrun_syserr(-ret, "write `%s` to `%s/memory.swap.max`", buf, path);
	}
	return 0;
}

/* e^y for 0 <= y < ~40, and ln(x) for x > 0, in long double: enough for an
 * exact ceil() below without pulling in libm. */
static long double exp_ld(long double y)
{
	long double res = 1, term = 1, e = 2.718281828459045235360287471352662498L;
	int n = (int)y;

	y -= n;
	for (int i = 1; i < 40; i++) {
		term *= y / i;
		res += term;
	}
	while (n-- > 0)
		res *= e;
	return res;
}

static long double ln_ld(long double x)
{
	long double t, t2, sum = 0, pow_t;
	int k = 0;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	t = (x - 1) / (x + 1); /* ln x = 2 atanh t, |t| <= 1/3 */
	t2 = t * t;
	pow_t = t;
	for (int i = 0; i < 60; i++) {
		sum += pow_t / (2 * i + 1);
		pow_t *= t2;
	}
	return 2 * sum + k * 0.693147180559945309417232121458176568L;
}

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	long double l, e, v;
	uint64_t w;

	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	/* weight = ceil(10^((l^2 + 125 l) / 612 - 7/34)), l = log2(shares):
	 * the quadratic in log space through (2,1), (1024,100), (262144,10000)
	 * used by crun >= 1.23 and runc >= 1.3.2. */
	l = ln_ld((long double)shares) / 0.693147180559945309417232121458176568L;
	e = (l * l + 125 * l) / 612.0L - 7.0L / 34.0L;
	v = exp_ld(e * 2.302585092994045684017991454684364208L);
	w = (uint64_t)v;
	if (v - (long double)w > 1e-9L) /* tolerance: 1024 must give exactly 100 */
		w++;
	return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

static int apply_cpu_max(int dfd, const char *path, const struct hrun_resources *r)
{
	_cleanup_free_ char *cur = NULL;
	char buf[64], quota[32];
	int ret;

	if (r->has_cpu_quota)
		fmt_max(quota, sizeof(quota), r->cpu_quota > 0 ? r->cpu_quota : -1);
	if (r->has_cpu_period && !r->has_cpu_quota) {
		/* keep the current quota: cpu.max takes "QUOTA [PERIOD]" */
		ret = read_at(dfd, path, "cpu.max", &cur);
		if (ret < 0)
			return ret;
		snprintf(quota, sizeof(quota), "%.*s", (int)strcspn(cur, " \n"), cur);
	}
	if (r->has_cpu_period)
		snprintf(buf, sizeof(buf), "%s %" PRIu64, quota, r->cpu_period);
	else
		snprintf(buf, sizeof(buf), "%s", quota); /* the kernel keeps the period */
	ret = cgroup_write_raw(dfd, path, "cpu.max", buf);
	if (ret == -EINVAL && r->has_cpu_burst) {
		/* a burst above the new quota is refused: lower it first */
		snprintf(quota, sizeof(quota), "%" PRIu64, r->cpu_burst);
		if (cgroup_write_raw(dfd, path, "cpu.max.burst", quota) == 0)
			ret = cgroup_write_raw(dfd, path, "cpu.max", buf);
	}
	if (ret < 0)
		return hrun_syserr(-ret, "write `%s` to `%s/cpu.max`", buf, path);
	return 0;
}

static int apply_cpu(int dfd, const char *path, const struct hrun_resources *r)
{
	char buf[32];
	int ret;

	if (r->has_cpu_shares && r->cpu_shares &&
	    !(r->cpu_shares == 1024 && faccessat(dfd, "cpu.weight", F_OK, 0) < 0)) {
		snprintf(buf, sizeof(buf), "%" PRIu64, cgroup_shares_to_weight(r->cpu_shares));
		ret = write_at(dfd, path, "cpu.weight", buf);
		if (ret < 0)
			return ret;
	}
	if (r->has_cpu_quota || r->has_cpu_period) {
		ret = apply_cpu_max(dfd, path, r);
		if (ret < 0)
			return ret;
	}
	if (r->has_cpu_burst) {
		snprintf(buf, sizeof(buf), "%" PRIu64, r->cpu_burst);
		ret = write_at(dfd, path, "cpu.max.burst", buf);
		if (ret < 0)
			return ret;
	}
	if (r->has_cpu_idle) {
		snprintf(buf, sizeof(buf), "%" PRId64, r->cpu_idle);
		ret = write_at(dfd, path, "cpu.idle", buf);
		if (ret < 0)
			return ret;
	}
	/* "" = not set (it would mean "inherit", which a new cgroup does) */
	if (r->cpu_cpus && *r->cpu_cpus) {
		ret = write_at(dfd, path, "cpuset.cpus", r->cpu_cpus);
		if (ret < 0)
			return ret;
	}
	if (r->cpu_mems && *r->cpu_mems)
		return write_at(dfd, path, "cpuset.mems", r->cpu_mems);
	return 0;
}

static int apply_pids(int dfd, const char *path, const struct hrun_resources *r)
{
	char buf[32];

	if (!r->has_pids_limit)
		return 0;
	if (r->pids_limit <= 0) {
		/* "no limit" needs no pids controller (see the requirements) */
		int e = cgroup_write_raw(dfd, path, "pids.max", "max");

		if (e < 0 && e != -ENOENT)
			return hrun_syserr(-e, "write `max` to `%s/pids.max`", path);
		return 0;
	}
	fmt_max(buf, sizeof(buf), r->pids_limit);
	return write_at(dfd, path, "pids.max", buf);
}

/* blockIO weights: io.bfq.weight takes the OCI scale (10..1000) as is;
 * io.weight is 1..10000, mapped linearly from [10,1000] as crun does. */
static int write_io_weight(int dfd, const char *path, const char *dev, uint16_t w)
{
	char buf[64];
	uint32_t v = w < 10 ? 1 : 1 + ((uint32_t)w - 10) * 9999 / 990;
	int ret;

	snprintf(buf, sizeof(buf), "%s%s%u", dev ? dev : "", dev ? " " : "", w);
	ret = cgroup_write_raw(dfd, path, "io.bfq.weight", buf);
	if (ret != -ENOENT) {
		if (ret < 0)
			return hrun_syserr(-ret, "write `%s` to `%s/io.bfq.weight`", buf, path);
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s %u", dev ? dev : "default", v > 10000 ? 10000 : v);
	return write_at(dfd, path, "io.weight", buf);
}

static int write_throttles(int dfd, const char *path, const char *key,
			   const struct hrun_throttle *t, size_t n)
{
	char buf[96];

	for (size_t i = 0; i < n; i++) {
		int ret;

		if (t[i].rate == 0) /* 0 removed the limit on v1 */
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=max", t[i].major,
				 t[i].minor, key);
		else
			snprintf(buf, sizeof(buf), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, t[i].major,
				 t[i].minor, key, t[i].rate);
		ret = write_at(dfd, path, "io.max", buf);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int apply_io(int dfd, const char *path, const struct hrun_resources *r)
{
	int ret = 0;

	if (r->has_blkio_weight && r->blkio_weight)
		ret = write_io_weight(dfd, path, NULL, r->blkio_weight);
	for (size_t i = 0; ret == 0 && i < r->n_blkio_weight_device; i++) {
		const struct hrun_weight_device *d = &r->blkio_weight_device[i];
		char dev[48];

		if (!d->has_weight)
			continue;
		snprintf(dev, sizeof(dev), "%" PRId64 ":%" PRId64, d->major, d->minor);
		ret = write_io_weight(dfd, path, dev, d->weight);
	}
	if (ret == 0)
		ret = write_throttles(dfd, path, "rbps", r->blkio_read_bps, r->n_blkio_read_bps);
	if (ret == 0)
		ret = write_throttles(dfd, path, "wbps", r->blkio_write_bps, r->n_blkio_write_bps);
	if (ret == 0)
		ret = write_throttles(dfd, path, "riops", r->blkio_read_iops, r->n_blkio_read_iops);
	if (ret == 0)
		ret = write_throttles(dfd, path, "wiops", r->blkio_write_iops, r->n_blkio_write_iops);
	return ret;
}

/* "2MB", "2M", "2MiB", "2048kB" -> the kernel's file name part "2MB". */
static int hugetlb_size_name(const char *in, char *out, size_t size)
{
	char *end;
	unsigned long long n, bytes;
	int shift;

	errno = 0;
	n = strtoull(in, &end, 10);
	if (errno || end == in || n == 0)
		goto bad;
	switch (*end == '\0' ? 0 : (*end | 0x20)) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	default: goto bad;
	}
	end++;
	if (strcasecmp(end, "b") != 0 && strcasecmp(end, "ib") != 0 && *end != '\0')
		goto bad;
	if (n > (1ULL << (63 - shift)))
		goto bad;
	bytes = n << shift;
	if (bytes >= 1ULL << 30)
		snprintf(out, size, "%lluGB", bytes >> 30);
	else if (bytes >= 1ULL << 20)
		snprintf(out, size, "%lluMB", bytes >> 20);
	else
		snprintf(out, size, "%lluKB", bytes >> 10);
	return 0;
bad:
	return hrun_err(EINVAL, "linux.resources.hugepageLimits: page size `%s` is not of the form "
				"<number><KB|MB|GB>", in);
}

static int apply_hugetlb(int dfd, const char *path, const struct hrun_resources *r)
{
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		char sz[32], name[64], val[32];
		int ret = hugetlb_size_name(r->hugepage_limits[i].page_size, sz, sizeof(sz));

		if (ret < 0)
			return ret;
		snprintf(val, sizeof(val), "%" PRIu64, r->hugepage_limits[i].limit);
		snprintf(name, sizeof(name), "hugetlb.%s.max", sz);
		ret = cgroup_write_raw(dfd, path, name, val);
		if (ret == -ENOENT)
			return hrun_err(ENOTSUP, "linux.resources.hugepageLimits: page size `%s` is not "
						 "supported by this kernel (no `%s` in `%s`)",
					r->hugepage_limits[i].page_size, name, path);
		if (ret < 0)
			return hrun_syserr(-ret, "write `%s` to `%s/%s`", val, path, name);
		/* Also limit reservations (kernel >= 5.7), as runc does: else
		 * a mapping can reserve pages it is then not allowed to fault. */
		snprintf(name, sizeof(name), "hugetlb.%s.rsvd.max", sz);
		ret = cgroup_write_raw(dfd, path, name, val);
		if (ret < 0 && ret != -ENOENT)
			return hrun_syserr(-ret, "write `%s` to `%s/%s`", val, path, name);
	}
	return 0;
}

static int apply_unified(int dfd, const char *path, const struct hrun_resources *r)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key, *v = r->unified[i].value;
		_cleanup_close_ int fd = -1;

		if (!v || !*v)
			continue; /* empty value: nothing to write (as crun) */
		fd = openat(dfd, k, O_WRONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			return hrun_syserr(ENOENT, "linux.resources.unified: `%s` is not a file of the "
						   "cgroup `%s`", k, path);
		if (fd < 0)
			return hrun_syserr(errno, "linux.resources.unified: open `%s/%s`", path, k);
		/* one write(2) per line: the kernel parses each write alone */
		for (const char *p = v; p && *p;) {
			size_t len = strcspn(p, "\n");
			ssize_t n = len ? write(fd, p, len) : 0;

			if (n < 0)
				return hrun_syserr(errno, "linux.resources.unified: write `%.*s` to `%s/%s`",
						   (int)len, p, path, k);
			p += len;
			p += *p == '\n';
		}
	}
	return 0;
}

static int apply_all(int dfd, const char *path, const struct hrun_resources *r)
{
	int ret = apply_memory(dfd, path, r);

	if (ret == 0)
		ret = apply_cpu(dfd, path, r);
	if (ret == 0)
		ret = apply_pids(dfd, path, r);
	if (ret == 0)
		ret = apply_io(dfd, path, r);
	if (ret == 0)
		ret = apply_hugetlb(dfd, path, r);
	if (ret == 0)
		ret = apply_unified(dfd, path, r); /* last: may refine the above */
	return ret;
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
		r = apply_all(dfd, path, res);
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
	r = apply_all(dfd, path, res);
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
