/* SPDX-License-Identifier: Apache-2.0 */
/* `hrun update` and `hrun events`: the cgroup-facing commands. */
#define _GNU_SOURCE
#include "cmd_cgroup.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/spec.h"
#include "hrun/state.h"
#include "hrun/util.h"

static int parse_i64(const char *flag, const char *s, int64_t *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return hrun_err(EINVAL, "%s: expected an integer, got `%s`", flag, s);
	*ret = v;
	return 0;
}

/* A size as runc's update takes it: "-1", "512m", "1.5g", "64MiB", "1024"
 * (binary units k, m, g, t, p; optional "i" and "b"). */
static int cmd_parse_bytes(const char *flag, const char *s, int64_t *ret)
{
	static const char units[] = "kmgtp";
	const char *u;
	char *end;
	double v;
	int shift = 0;

	if (strcmp(s, "-1") == 0) {
		*ret = -1;
		return 0;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0 || !(*s >= '0' && *s <= '9'))
		goto bad;
	if (*end == ' ')
		end++;
	if (*end && (u = strchr(units, tolower((unsigned char)*end)))) {
		shift = 10 * (int)(u - units + 1);
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		goto bad;
	v *= (double)(1ULL << shift);
	if (v >= 9223372036854775807.0)
		goto bad;
	*ret = (int64_t)v;
	return 0;
bad:
	return hrun_err(EINVAL, "%s: expected a size (e.g. 512m, 1g, -1), got `%s`", flag, s);
}

/* Read --resources FILE (or "-" for stdin) into RES. */
static int load_resources(const char *path, struct hrun_resources *res)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	bool in = strcmp(path, "-") == 0;
	/* stdin may be a pipe; a named FILE must be a regular file */
	int r = in ? util_read_fd(STDIN_FILENO, "stdin", 1 << 20, &text, &len)
		   : util_read_file(path, 1 << 20, &text, &len);

	if (r < 0)
		return hrun_err_prefix(r, "--resources");
	return spec_parse_resources(in ? "stdin" : path, text, len, res);
}

/* One runc update flag into RES. */
static int apply_flag(int opt, const char *flag, const char *arg, struct hrun_resources *res)
{
	int64_t v = 0;
	int r = 0;

	if (opt == 'M' || opt == 'R' || opt == 'S')
		r = cmd_parse_bytes(flag, arg, &v);
	else if (opt != 'c' && opt != 'm')
		r = parse_i64(flag, arg, &v);
	if (r < 0)
		return r;
	switch (opt) {
	case 'M': res->has_mem_limit = true; res->mem_limit = v; break;
	case 'R': res->has_mem_reservation = true; res->mem_reservation = v; break;
	case 'S': res->has_mem_swap = true; res->mem_swap = v; break;
	case 'P': res->has_pids_limit = true; res->pids_limit = v; break;
	case 'q': res->has_cpu_quota = true; res->cpu_quota = v; break;
	case 'p': res->has_cpu_period = true; res->cpu_period = (uint64_t)v; break;
	case 's': res->has_cpu_shares = true; res->cpu_shares = (uint64_t)v; break;
	case 'w':
		if (v < 10 || v > 1000)
			return hrun_err(EINVAL, "--blkio-weight: expected 10..1000, got `%s`", arg);
		res->has_blkio_weight = true;
		res->blkio_weight = (uint16_t)v;
		break;
	case 'c':
		free(res->cpu_cpus);
		res->cpu_cpus = strdup(arg);
		break;
	case 'm':
		free(res->cpu_mems);
		res->cpu_mems = strdup(arg);
		break;
	}
	return 0;
}

static int open_cgroup_of(const char *root, const char *id, struct hrun_state *st)
{
	_cleanup_close_ int dirfd = -1;
	int r = state_open(root, id, false, &dirfd);

	if (r < 0)
		return r;
	r = state_read(dirfd, st);
	if (r < 0)
		return r;
	if (!st->cgroup_path) {
		state_clear(st);
		return hrun_err(ENOTSUP, "container `%s` has no cgroup", id);
	}
	return 0;
}

int cmd_update(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{"resources", required_argument, NULL, 'r'},
		{"memory", required_argument, NULL, 'M'},
		{"memory-reservation", required_argument, NULL, 'R'},
		{"memory-swap", required_argument, NULL, 'S'},
		{"pids-limit", required_argument, NULL, 'P'},
		{"cpu-quota", required_argument, NULL, 'q'},
		{"cpu-period", required_argument, NULL, 'p'},
		{"cpu-share", required_argument, NULL, 's'},
		{"cpu-shares", required_argument, NULL, 's'},
		{"cpuset-cpus", required_argument, NULL, 'c'},
		{"cpuset-mems", required_argument, NULL, 'm'},
		{"blkio-weight", required_argument, NULL, 'w'},
		{0},
	};
	struct hrun_resources res = {0};
	struct hrun_state st = {0};
	const char *file = NULL;
	int c, r = 0;

	int idx = 0;

	while (r == 0 && (c = getopt_long(argc, argv, ":r:", opts, &idx)) != -1) {
		char flag[64];

		if (c == 'r') {
			file = optarg;
		} else if (c == '?' || c == ':') {
			r = hrun_err(EINVAL, "update: unknown or incomplete option `%s`", argv[optind - 1]);
		} else {
			(void)snprintf(flag, sizeof(flag), "--%s", opts[idx].name);
			r = apply_flag(c, flag, optarg, &res);
		}
	}
	if (r == 0 && optind + 1 != argc)
		r = hrun_err(EINVAL, "update: expected exactly one container id");
	if (r == 0 && file) {
		spec_resources_clear(&res);
		r = load_resources(file, &res);
	}
	if (r == 0)
		r = open_cgroup_of(root, argv[optind], &st);
	if (r == 0)
		r = cgroup_apply(st.cgroup_path, &res);
	spec_resources_clear(&res);
	state_clear(&st);
	return r;
}

static int print_stats(const struct hrun_state *st)
{
	json_t *data = NULL, *ev;
	char *s;
	int r = cgroup_stats(st->cgroup_path, &data);

	if (r < 0)
		return r;
	ev = json_pack("{s:s, s:s, s:o}", "type", "stats", "id", st->id, "data", data);
	s = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	json_decref(ev);
	if (!s)
		return hrun_err(ENOMEM, "encode stats");
	(void)printf("%s\n", s);
	(void)fflush(stdout);
	free(s);
	return 0;
}

int cmd_events(const char *root, int argc, char **argv)
{
	static const struct option opts[] = {
		{"stats", no_argument, NULL, 's'},
		{"interval", required_argument, NULL, 'i'},
		{0},
	};
	struct hrun_state st = {0};
	bool once = false;
	long interval = 5;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 's') {
			once = true;
		} else if (c == 'i') {
			char *end;

			interval = strtol(optarg, &end, 10);
			if (interval <= 0 || (*end && strcmp(end, "s") != 0))
				return hrun_err(EINVAL, "--interval: expected seconds (e.g. 5s), got `%s`", optarg);
		} else {
			return hrun_err(EINVAL, "events: unknown option `%s`", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return hrun_err(EINVAL, "events: expected exactly one container id");
	r = open_cgroup_of(root, argv[optind], &st);
	while (r == 0) {
		r = print_stats(&st);
		if (r < 0 || once || !state_init_alive(&st))
			break;
		(void)sleep((unsigned)interval);
	}
	state_clear(&st);
	return r;
}
