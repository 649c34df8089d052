/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup_stats() (see include/hrun/cgroup.h): the statistics of a cgroup v2
 * directory, in the shape of the data part of `runc events --stats`. Missing
 * controller files are not errors: their section is left out.
 */
#define _GNU_SOURCE
#include "hrun/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-internal.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"

static void set_u64(json_t *o, const char *key, uint64_t v)
{
	/* jansson integers are signed 64-bit: "unlimited" saturates */
	json_object_set_new(o, key, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
}

/* A number or "max" from DIR/NAME; false when the file is missing. */
static bool read_u64(const char *dir, const char *name, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;

	if (cgroup_read_path(dir, name, &s) < 0)
		return false;
	*ret = strncmp(s, "max", 3) == 0 ? UINT64_MAX : strtoull(s, NULL, 10);
	return true;
}

static bool read_kv(const char *dir, const char *name, const char *key, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;

	return cgroup_read_path(dir, name, &s) == 0 && cgroup_kv_get(s, key, ret);
}

static json_t *stats_cpu(const char *path)
{
	_cleanup_free_ char *st = NULL;
	json_t *cpu, *usage, *thr;
	uint64_t v;

	if (cgroup_read_path(path, "cpu.stat", &st) < 0)
		return NULL;
	cpu = json_object();
	usage = json_object();
	thr = json_object();
	if (cgroup_kv_get(st, "usage_usec", &v))
		set_u64(usage, "total", v * 1000);
	set_u64(usage, "kernel", cgroup_kv_get(st, "system_usec", &v) ? v * 1000 : 0);
	set_u64(usage, "user", cgroup_kv_get(st, "user_usec", &v) ? v * 1000 : 0);
	if (cgroup_kv_get(st, "nr_periods", &v))
		set_u64(thr, "periods", v);
	if (cgroup_kv_get(st, "nr_throttled", &v))
		set_u64(thr, "throttledPeriods", v);
	if (cgroup_kv_get(st, "throttled_usec", &v))
		set_u64(thr, "throttledTime", v * 1000);
	json_object_set_new(cpu, "usage", usage);
	json_object_set_new(cpu, "throttling", thr);
	return cpu;
}

static json_t *stats_memory(const char *path)
{
	_cleanup_free_ char *st = NULL;
	uint64_t cur, lim = UINT64_MAX, v, scur, slim;
	json_t *mem, *usage, *raw;

	if (!read_u64(path, "memory.current", &cur))
		return NULL;
	mem = json_object();
	usage = json_object();
	(void)read_u64(path, "memory.max", &lim);
	set_u64(usage, "usage", cur);
	set_u64(usage, "limit", lim);
	if (read_u64(path, "memory.peak", &v))
		set_u64(usage, "max", v);
	set_u64(usage, "failcnt", read_kv(path, "memory.events", "max", &v) ? v : 0);
	json_object_set_new(mem, "usage", usage);
	if (read_u64(path, "memory.swap.current", &scur) && read_u64(path, "memory.swap.max", &slim)) {
		json_t *swap = json_object();

		/* v1 reported memory+swap: keep that meaning, as runc does */
		set_u64(swap, "usage", scur + cur);
		set_u64(swap, "limit", slim == UINT64_MAX || lim == UINT64_MAX ? UINT64_MAX : slim + lim);
		set_u64(swap, "failcnt", 0);
		json_object_set_new(mem, "swap", swap);
	}
	if (cgroup_read_path(path, "memory.stat", &st) == 0) {
		raw = json_object();
		for (char *line = st, *nl; line && *line; line = nl) {
			char *sp = strchr(line, ' ');

			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			if (!sp)
				continue;
			*sp = '\0';
			set_u64(raw, line, strtoull(sp + 1, NULL, 10));
			if (strcmp(line, "file") == 0)
				set_u64(mem, "cache", strtoull(sp + 1, NULL, 10));
		}
		json_object_set_new(mem, "raw", raw);
	}
	return mem;
}

static json_t *stats_pids(const char *path)
{
	uint64_t cur, max;
	json_t *pids;

	if (!read_u64(path, "pids.current", &cur))
		return NULL;
	pids = json_object();
	set_u64(pids, "current", cur);
	if (read_u64(path, "pids.max", &max) && max != UINT64_MAX)
		set_u64(pids, "limit", max); /* runc: 0 (omitted) = unlimited */
	return pids;
}

static void blkio_entry(json_t *arr, unsigned maj, unsigned min, const char *op, const char *line,
			const char *key)
{
	char pat[16];
	const char *p;
	json_t *e;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	if (!p)
		return;
	e = json_object();
	set_u64(e, "major", maj);
	set_u64(e, "minor", min);
	json_object_set_new(e, "op", json_string(op));
	set_u64(e, "value", strtoull(p + strlen(pat), NULL, 10));
	json_array_append_new(arr, e);
}

static json_t *stats_blkio(const char *path)
{
	_cleanup_free_ char *st = NULL;
	json_t *blkio, *bytes, *ios;

	if (cgroup_read_path(path, "io.stat", &st) < 0)
		return NULL;
	blkio = json_object();
	bytes = json_array();
	ios = json_array();
	for (char *line = st, *nl; line && *line; line = nl) {
		unsigned maj, min;

		nl = strchr(line, '\n');
		if (nl)
			*nl++ = '\0';
		if (sscanf(line, "%u:%u", &maj, &min) != 2)
			continue;
		blkio_entry(bytes, maj, min, "Read", line, "rbytes");
		blkio_entry(bytes, maj, min, "Write", line, "wbytes");
		blkio_entry(ios, maj, min, "Read", line, "rios");
		blkio_entry(ios, maj, min, "Write", line, "wios");
	}
	json_object_set_new(blkio, "ioServiceBytesRecursive", bytes);
	json_object_set_new(blkio, "ioServicedRecursive", ios);
	return blkio;
}

static json_t *stats_hugetlb(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	json_t *h;

	if (!d)
		return NULL;
	h = json_object();
	while ((de = readdir(d))) {
		char size[32], name[64];
		uint64_t v;
		json_t *e;

		/* hugetlb.<size>.current, not hugetlb.<size>.rsvd.current */
		if (sscanf(de->d_name, "hugetlb.%31[^.].current", size) != 1 ||
		    strlen(de->d_name) != strlen("hugetlb..current") + strlen(size))
			continue;
		e = json_object();
		if (read_u64(path, de->d_name, &v))
			set_u64(e, "usage", v);
		snprintf(name, sizeof(name), "hugetlb.%s.events", size);
		set_u64(e, "failcnt", read_kv(path, name, "max", &v) ? v : 0);
		json_object_set_new(h, size, e);
	}
	closedir(d);
	if (json_object_size(h) == 0) {
		json_decref(h);
		return NULL;
	}
	return h;
}

int cgroup_stats(const char *path, json_t **ret_data)
{
	json_t *data, *v;
	struct stat st;

	if (stat(path, &st) < 0)
		return hrun_syserr(errno, "cgroup `%s`", path);
	data = json_object();
	if (!data)
		return hrun_err(ENOMEM, "out of memory");
	if ((v = stats_cpu(path)))
		json_object_set_new(data, "cpu", v);
	if ((v = stats_memory(path)))
		json_object_set_new(data, "memory", v);
	if ((v = stats_pids(path)))
		json_object_set_new(data, "pids", v);
	if ((v = stats_blkio(path)))
		json_object_set_new(data, "blkio", v);
	if ((v = stats_hugetlb(path)))
		json_object_set_new(data, "hugetlb", v);
	*ret_data = data;
	return 0;
}
