/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources -> the cgroup v2 files (memory, cpu, pids, io, hugetlb,
 * unified), for `cgroup_create()` and `cgroup_apply()` (`hrun update`) in
 * cgroup.c, which have validated the values and enabled the controllers.
 *
 * Decisions worth knowing:
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
#include <unistd.h>

#include "cgroup-internal.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"

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

	ret = cgroup_read_at(dfd, path, "memory.current", &cur);
	if (ret < 0)
		return ret;
	usage = strtoull(cur, NULL, 10);
	if (cgroup_read_at(dfd, path, "memory.swap.current", &swap) == 0)
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
		ret = cgroup_write_at(dfd, path, "memory.max", buf);
		if (ret < 0)
			return ret;
	}
	if (r->has_mem_reservation) {
		fmt_max(buf, sizeof(buf), r->mem_reservation);
		ret = cgroup_write_at(dfd, path, "memory.low", buf);
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
		ret = cgroup_read_at(dfd, path, "cpu.max", &cur);
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
		ret = cgroup_write_at(dfd, path, "cpu.weight", buf);
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
		ret = cgroup_write_at(dfd, path, "cpu.max.burst", buf);
		if (ret < 0)
			return ret;
	}
	if (r->has_cpu_idle) {
		snprintf(buf, sizeof(buf), "%" PRId64, r->cpu_idle);
		ret = cgroup_write_at(dfd, path, "cpu.idle", buf);
		if (ret < 0)
			return ret;
	}
	/* "" = not set (it would mean "inherit", which a new cgroup does) */
	if (r->cpu_cpus && *r->cpu_cpus) {
		ret = cgroup_write_at(dfd, path, "cpuset.cpus", r->cpu_cpus);
		if (ret < 0)
			return ret;
	}
	if (r->cpu_mems && *r->cpu_mems)
		return cgroup_write_at(dfd, path, "cpuset.mems", r->cpu_mems);
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
	return cgroup_write_at(dfd, path, "pids.max", buf);
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
	return cgroup_write_at(dfd, path, "io.weight", buf);
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
		ret = cgroup_write_at(dfd, path, "io.max", buf);
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

int cgroup_apply_resources(int dfd, const char *path, const struct hrun_resources *r)
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
