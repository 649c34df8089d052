/* SPDX-License-Identifier: Apache-2.0 */
/* `hrun update` and `hrun events`: the cgroup-facing commands. */
#define _GNU_SOURCE
#include "cmd_cgroup.h"

#include <ctype.h>
#include <errno.h>
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
#include "options.h"

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

enum {
	U_RESOURCES = 'r',
	U_MEMORY = 256,
	U_MEM_RESERVATION,
	U_MEM_SWAP,
	U_PIDS,
	U_CPU_QUOTA,
	U_CPU_PERIOD,
	U_CPU_SHARES,
	U_CPUSET_CPUS,
	U_CPUSET_MEMS,
	U_BLKIO_WEIGHT,
};

static const struct cli_opt update_opts[] = {
	{"resources", U_RESOURCES, "FILE|-", "LinuxResources JSON to apply (- for stdin)"},
	{"memory", U_MEMORY, "BYTES", "memory limit (e.g. 512m, -1: unlimited)"},
	{"memory-reservation", U_MEM_RESERVATION, "BYTES", "memory soft limit"},
	{"memory-swap", U_MEM_SWAP, "BYTES", "memory plus swap limit"},
	{"pids-limit", U_PIDS, "N", "maximum number of processes"},
	{"cpu-quota", U_CPU_QUOTA, "USEC", "CPU time per period"},
	{"cpu-period", U_CPU_PERIOD, "USEC", "CPU period"},
	{"cpu-shares", U_CPU_SHARES, "SHARES", "CPU weight (v1 shares, mapped to cpu.weight)"},
	{"cpu-share", U_CPU_SHARES, "SHARES", "same as --cpu-shares"},
	{"cpuset-cpus", U_CPUSET_CPUS, "LIST", "CPUs allowed (e.g. 0-3,5)"},
	{"cpuset-mems", U_CPUSET_MEMS, "LIST", "memory nodes allowed"},
	{"blkio-weight", U_BLKIO_WEIGHT, "N", "block I/O weight, 10..1000"},
	{0},
};
const struct cli_usage cmd_update_usage = {
	"update", "[options] ID", "change the cgroup limits of a container", update_opts, 0};

/* One runc update flag into RES. */
static int apply_flag(int opt, const char *flag, const char *arg, struct hrun_resources *res)
{
	int64_t v = 0;
	int r = 0;

	if (opt == U_MEMORY || opt == U_MEM_RESERVATION || opt == U_MEM_SWAP)
		r = cmd_parse_bytes(flag, arg, &v);
	else if (opt != U_CPUSET_CPUS && opt != U_CPUSET_MEMS)
		r = parse_i64(flag, arg, &v);
	if (r < 0)
		return r;
	switch (opt) {
	case U_MEMORY: res->has_mem_limit = true; res->mem_limit = v; break;
	case U_MEM_RESERVATION: res->has_mem_reservation = true; res->mem_reservation = v; break;
	case U_MEM_SWAP: res->has_mem_swap = true; res->mem_swap = v; break;
	case U_PIDS: res->has_pids_limit = true; res->pids_limit = v; break;
	case U_CPU_QUOTA: res->has_cpu_quota = true; res->cpu_quota = v; break;
	case U_CPU_PERIOD: res->has_cpu_period = true; res->cpu_period = (uint64_t)v; break;
	case U_CPU_SHARES: res->has_cpu_shares = true; res->cpu_shares = (uint64_t)v; break;
	case U_BLKIO_WEIGHT:
		if (v < 10 || v > 1000)
			return hrun_err(EINVAL, "--blkio-weight: expected 10..1000, got `%s`", arg);
		res->has_blkio_weight = true;
		res->blkio_weight = (uint16_t)v;
		break;
	case U_CPUSET_CPUS:
		free(res->cpu_cpus);
		res->cpu_cpus = strdup(arg);
		break;
	case U_CPUSET_MEMS:
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
	struct hrun_resources res = {0};
	struct hrun_state st = {0};
	const char *file = NULL;
	struct cli_parser p;
	int c, r = 0;

	cli_begin(&p, &cmd_update_usage, argc, argv);
	while (r == 0 && (c = cli_next(&p)) > CLI_HELP) {
		if (c == U_RESOURCES)
			file = p.arg;
		else
			r = apply_flag(c, p.flag, p.arg, &res);
	}
	if (r == 0 && c != CLI_DONE)
		r = c;
	if (r == CLI_HELP)
		return 0;
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

enum { E_STATS = 256, E_INTERVAL };

static const struct cli_opt events_opts[] = {
	{"stats", E_STATS, NULL, "print the statistics once and exit"},
	{"interval", E_INTERVAL, "SECONDS", "time between two reports (default 5s)"},
	{0},
};
const struct cli_usage cmd_events_usage = {
	"events", "[options] ID", "print resource statistics (--stats: once)", events_opts, 0};

int cmd_events(const char *root, int argc, char **argv)
{
	struct hrun_state st = {0};
	struct cli_parser p;
	bool once = false;
	long interval = 5;
	int c, r = 0;

	cli_begin(&p, &cmd_events_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP) {
		if (c == E_STATS) {
			once = true;
		} else {
			char *end;

			interval = strtol(p.arg, &end, 10);
			if (interval <= 0 || (*end && strcmp(end, "s") != 0))
				return hrun_err(EINVAL, "--interval: expected seconds (e.g. 5s), got `%s`", p.arg);
		}
	}
	if (c != CLI_DONE)
		return cli_status(c);
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
