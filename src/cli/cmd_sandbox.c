/* SPDX-License-Identifier: Apache-2.0 */
/* The command line of `hrun sandbox [options] -- CMD [ARGS...]`: its one
 * option table (which also prints `hrun sandbox --help`), each value
 * checked and resolved here with a line naming the option; the work is
 * in src/runtime/sandbox.c. */
#define _GNU_SOURCE
#include "cmd_sandbox.h"

#include <cap-ng.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/sandbox.h"

#define CLI_OOM() hrun_err(ENOMEM, "sandbox: out of memory")

enum {
	SB_TTY = 't',
	SB_ROOTFS = 256,
	SB_BIND,
	SB_WORKDIR,
	SB_ENV,
	SB_USER,
	SB_CAP_ADD,
	SB_NET,
	SB_MEMORY,
	SB_CPUS,
	SB_PIDS,
	SB_TIMEOUT,
	SB_MAX_OUTPUT,
	SB_SECCOMP,
	SB_POLICY,
	SB_REPORT,
};

static const struct cli_opt sandbox_opts_table[] = {
	{ "rootfs", SB_ROOTFS, "DIR",
	  "root filesystem (default: the host's /usr, /bin, /lib*, /etc read-only)" },
	{ "bind", SB_BIND, "SRC:DST[:ro|rw]", "bind SRC on DST, read-only unless rw (repeatable)" },
	{ "workdir", SB_WORKDIR, "DIR", "bind DIR read-write at the same path and start there" },
	{ "env", SB_ENV, "K=V", "set a variable (environment: only PATH, HOME, LANG, TERM)" },
	{ "user", SB_USER, "UID[:GID]", "run as this user (never 0 unless given)" },
	{ "cap-add", SB_CAP_ADD, "CAP", "grant a capability (default: none; repeatable)" },
	{ "net", SB_NET, "none", "network: a namespace with only lo (the default)" },
	{ "memory", SB_MEMORY, "BYTES",
	  "memory limit (k, m, g suffixes; needs the memory controller)" },
	{ "cpus", SB_CPUS, "N", "CPU limit in CPUs, e.g. 0.5 (needs the cpu controller)" },
	{ "pids", SB_PIDS, "N", "process limit (needs the pids controller)" },
	{ "timeout", SB_TIMEOUT, "SECS", "kill the whole sandbox after SECS seconds (exit 124)" },
	{ "max-output", SB_MAX_OUTPUT, "BYTES",
	  "forward at most BYTES of stdout+stderr, drop the rest" },
	{ "seccomp", SB_SECCOMP, "PROFILE|default", "seccomp profile (OCI linux.seccomp JSON)" },
	{ "policy", SB_POLICY, "NAME", "refuse the sandbox if it violates this launch policy" },
	{ "tty", SB_TTY, NULL, "run CMD on a pseudo-terminal" },
	{ "report", SB_REPORT, "FILE|-",
	  "write a JSON report (verdict and settings) to FILE or stdout" },
	{ 0 },
};

static void sandbox_epilog(FILE *out)
{
	(void)fputs("Exit status: CMD's, 128+N if it was killed by signal N, 124 on --timeout,\n"
		    "125 if the sandbox could not be set up, 126/127 if CMD is not executable/not found.\n\n",
		    out);
}

const struct cli_usage cmd_sandbox_usage = {
	"sandbox",
	"[options] -- CMD [ARGS...]",
	"run CMD in a hardened, throw-away sandbox",
	sandbox_opts_table,
	CLI_STOP_AT_ARG,
	sandbox_epilog,
};

/* "512m" -> bytes (k, m, g, t: powers of 1024) */
static int parse_size(const char *opt, const char *s, uint64_t *ret)
{
	static const char units[] = "kmgt";
	char *end;
	unsigned long long v;
	const char *u;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return hrun_err(EINVAL, "%s: expected a size in bytes (k, m, g suffixes), got `%s`",
				opt, s);
	if (*end) {
		u = strchr(units, end[0] | 0x20);
		if (!u || (end[1] && strcasecmp(end + 1, "b") != 0) || end[0] == '\0')
			return hrun_err(EINVAL,
					"%s: expected a size in bytes (k, m, g suffixes), got `%s`",
					opt, s);
		for (long i = 0; i <= u - units; i++) {
			if (v > (unsigned long long)INT64_MAX / 1024)
				return hrun_err(ERANGE, "%s: `%s` is too large", opt, s);
			v *= 1024;
		}
	}
	if (v > (unsigned long long)INT64_MAX)
		return hrun_err(ERANGE, "%s: `%s` is too large", opt, s);
	*ret = v;
	return 0;
}

static int parse_positive(const char *opt, const char *s, double max, double *ret)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > max)
		return hrun_err(EINVAL, "%s: expected a positive number up to %g, got `%s`", opt,
				max, s);
	*ret = v;
	return 0;
}

static int parse_id(const char *s, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || *ret >= UINT32_MAX)
		return -EINVAL; /* the caller records */
	return 0;
}

static int parse_user(const char *s, struct sandbox_opts *o)
{
	_cleanup_free_ char *copy = strdup(s);
	unsigned long uid, gid;
	char *colon;

	if (!copy)
		return CLI_OOM();
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (parse_id(copy, &uid) < 0 || (colon && parse_id(colon + 1, &gid) < 0))
		return hrun_err(EINVAL, "--user: expected UID[:GID] (numbers), got `%s`", s);
	o->has_user = true;
	o->uid = (uid_t)uid;
	o->gid = colon ? (gid_t)gid : (gid_t)uid;
	return 0;
}

static int parse_cap(const char *s, uint64_t *mask)
{
	const char *n = strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;
	int cap = capng_name_to_capability(n);

	if (cap < 0 || cap > 63)
		return hrun_err(EINVAL, "--cap-add: unknown capability `%s`", s);
	*mask |= 1ULL << cap;
	return 0;
}

/* an existing directory, resolved (symlinks followed) on the host */
static int resolve_dir(const char *opt, const char *s, char **ret)
{
	struct stat st;
	char *p = realpath(s, NULL);

	if (!p)
		return hrun_syserr(errno, "%s `%s`", opt, s);
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(p);
		return hrun_err(ENOTDIR, "%s `%s`: not a directory", opt, s);
	}
	free(*ret); /* given twice: the last one counts */
	*ret = p;
	return 0;
}

static int parse_bind(const char *s, struct sandbox_opts *o)
{
	_cleanup_free_ char *copy = strdup(s);
	struct sandbox_bind *b, *grown;
	char *dst, *mode;

	if (!copy)
		return CLI_OOM();
	dst = strchr(copy, ':');
	if (!dst || dst == copy || !dst[1])
		return hrun_err(EINVAL, "--bind: expected SRC:DST[:ro|rw], got `%s`", s);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
		return hrun_err(EINVAL, "--bind `%s`: the mode must be ro or rw, got `%s`", s,
				mode);
	if (dst[0] != '/' || strcmp(dst, "/") == 0)
		return hrun_err(EINVAL, "--bind `%s`: DST must be an absolute path other than /",
				s);
	grown = realloc(o->binds, (o->n_binds + 1) * sizeof(*o->binds));
	if (!grown)
		return CLI_OOM();
	o->binds = grown;
	b = &o->binds[o->n_binds];
	*b = (struct sandbox_bind){ .rw = mode && strcmp(mode, "rw") == 0,
				    .destination = strdup(dst) };
	b->source = realpath(copy, NULL);
	if (!b->source) {
		int r = hrun_syserr(errno, "--bind `%s`: source `%s`", s, copy);
		free(b->destination);
		return r;
	}
	if (!b->destination) {
		free(b->source);
		return CLI_OOM();
	}
	o->n_binds++;
	return 0;
}

static int parse_env(const char *s, struct sandbox_opts *o, size_t *n)
{
	char **grown;

	if (!strchr(s, '=') || s[0] == '=')
		return hrun_err(EINVAL, "--env: expected K=V, got `%s`", s);
	grown = realloc(o->env, (*n + 2) * sizeof(*o->env));
	if (!grown)
		return CLI_OOM();
	o->env = grown;
	o->env[(*n)++] = (char *)s;
	o->env[*n] = NULL;
	return 0;
}

static int parse_limit(int c, const char *arg, struct sandbox_opts *o)
{
	uint64_t size;
	double v;
	int r;

	switch (c) {
	case SB_MEMORY:
		if ((r = parse_size("--memory", arg, &size)) < 0)
			return r;
		if (size < 1 << 20)
			return hrun_err(EINVAL, "--memory: at least 1m, got `%s`", arg);
		o->memory = (int64_t)size;
		return 0;
	case SB_CPUS:
		if ((r = parse_positive("--cpus", arg, 4096, &v)) < 0)
			return r;
		o->cpu_quota = (int64_t)(v * SANDBOX_CPU_PERIOD + 0.5);
		if (o->cpu_quota < 1000)
			return hrun_err(EINVAL, "--cpus: at least 0.01, got `%s`", arg);
		o->cpus = arg;
		return 0;
	case SB_PIDS:
		if ((r = parse_positive("--pids", arg, 4194304, &v)) < 0)
			return r;
		if (v != (double)(int64_t)v)
			return hrun_err(EINVAL, "--pids: expected a whole number, got `%s`", arg);
		o->pids = (int64_t)v;
		return 0;
	case SB_TIMEOUT:
		return parse_positive("--timeout", arg, 31536000, &o->timeout);
	default: /* SB_MAX_OUTPUT */
		if ((r = parse_size("--max-output", arg, &o->max_output)) < 0)
			return r;
		o->has_max_output = true;
		return 0;
	}
}

static int parse_option(int c, const char *arg, struct sandbox_opts *o, size_t *n_env)
{
	switch (c) {
	case SB_ROOTFS:
		return resolve_dir("--rootfs", arg, &o->rootfs);
	case SB_BIND:
		return parse_bind(arg, o);
	case SB_WORKDIR:
		return resolve_dir("--workdir", arg, &o->workdir);
	case SB_ENV:
		return parse_env(arg, o, n_env);
	case SB_USER:
		return parse_user(arg, o);
	case SB_CAP_ADD:
		return parse_cap(arg, &o->caps);
	case SB_NET:
		if (strcmp(arg, "none") != 0)
			return hrun_err(EINVAL,
					"--net: only `none` (a namespace with only lo) is supported, got `%s`",
					arg);
		return 0;
	case SB_SECCOMP:
		o->seccomp = strcmp(arg, "default") == 0 ? NULL : arg;
		return 0;
	case SB_POLICY:
		o->policy = arg;
		return 0;
	case SB_TTY:
		o->tty = true;
		return 0;
	case SB_REPORT:
		o->report = arg;
		return 0;
	default:
		return parse_limit(c, arg, o);
	}
}

static void opts_free(struct sandbox_opts *o)
{
	for (size_t i = 0; i < o->n_binds; i++) {
		free(o->binds[i].source);
		free(o->binds[i].destination);
	}
	free(o->binds);
	free(o->env);
	free(o->rootfs);
	free(o->workdir);
}

int cmd_sandbox_main(const char *root, int argc, char **argv)
{
	struct sandbox_opts o = { .root = root };
	struct cli_parser p;
	size_t n_env = 0;
	int c, r = 0;

	cli_begin(&p, &cmd_sandbox_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP && (r = parse_option(c, p.arg, &o, &n_env)) == 0)
		;
	if (r == 0 && c != CLI_DONE) {
		opts_free(&o);
		return cli_status(c); /* --help: 0 */
	}
	if (r == 0 && cli_optind(&p) >= argc)
		r = hrun_err(EINVAL,
			     "sandbox: missing command (hrun sandbox [options] -- CMD [ARGS...])");
	if (r == 0) {
		o.args = argv + cli_optind(&p);
		r = sandbox_main(&o);
	}
	opts_free(&o);
	return r;
}
