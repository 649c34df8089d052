/* SPDX-License-Identifier: Apache-2.0 */
/* The command lines of `hrun spec` and `hrun check`: their option tables;
 * the work is in src/audit (specgen.c, check_cli.c). */
#define _GNU_SOURCE
#include "cmd_audit.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/check.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/specgen.h"

#define SPEC_OOM() hrun_err(ENOMEM, "spec: out of memory")

enum { S_BUNDLE = 'b', S_ROOTLESS = 256, S_USER, S_ROOTFS, S_ARGS, S_NO_LIMITS, S_STDOUT };

static const struct cli_opt spec_opts[] = {
	{ "bundle", S_BUNDLE, "DIR", "write DIR/config.json (default: the current directory)" },
	{ "rootless", S_ROOTLESS, NULL, "add a user namespace mapping the caller's uid and gid" },
	{ "user", S_USER, "UID[:GID]", "the container user (default 1000:1000)" },
	{ "rootfs", S_ROOTFS, "PATH", "root.path (default rootfs)" },
	{ "args", S_ARGS, "'CMD ARG...'", "process.args, split on blanks (default sh)" },
	{ "no-limits", S_NO_LIMITS, NULL, "omit the memory, cpu and pids limits" },
	{ "stdout", S_STDOUT, NULL, "print the config instead of writing config.json" },
	{ 0 },
};
const struct cli_usage cmd_spec_usage = { "spec", "[options] [-- CMD ARG...]",
					  "write a hardened config.json", spec_opts,
					  CLI_STOP_AT_ARG };

static int spec_cli_id(const char *s, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || *ret >= UINT32_MAX)
		return -EINVAL; /* the caller records */
	return 0;
}

static int spec_cli_user(const char *s, struct specgen_options *o)
{
	_cleanup_free_ char *copy = strdup(s);
	unsigned long uid, gid;
	char *colon;

	if (!copy)
		return SPEC_OOM();
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	if (spec_cli_id(copy, &uid) < 0 || (colon && spec_cli_id(colon + 1, &gid) < 0))
		return hrun_err(EINVAL, "spec: invalid --user `%s` (expected UID:GID)", s);
	o->uid = (uid_t)uid;
	o->gid = colon ? (gid_t)gid : (gid_t)uid;
	return 0;
}

/* Split --args on blanks into a NULL-terminated vector (no quoting). */
static int spec_cli_split_args(const char *s, char ***ret)
{
	char *copy, *save = NULL, *tok;
	size_t n = 0;
	char **v;

	s += strspn(s, " \t"); /* so that v[0] == copy, which owns every word */
	if (!(copy = strdup(s)))
		return SPEC_OOM();
	v = calloc(strlen(s) / 2 + 2, sizeof(*v)); /* at most one word per two chars, plus NULL */
	if (!v) {
		free(copy);
		return SPEC_OOM();
	}
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
		v[n++] = tok;
	if (n == 0) {
		free(copy);
		free(v);
		return hrun_err(EINVAL, "spec: --args is empty");
	}
	*ret = v;
	return 0;
}

struct spec_cli {
	struct specgen_options opts;
	const char *bundle;
	bool to_stdout;
	char **split; /* --args */
};

static int spec_cli_option(int c, const char *arg, struct spec_cli *a)
{
	int r;

	switch (c) {
	case S_BUNDLE:
		a->bundle = arg;
		break;
	case S_ROOTLESS:
		a->opts.rootless = true;
		break;
	case S_USER:
		return spec_cli_user(arg, &a->opts);
	case S_ROOTFS:
		a->opts.rootfs = arg;
		break;
	case S_ARGS:
		if (a->split)
			return hrun_err(EINVAL, "spec: --args given twice");
		if ((r = spec_cli_split_args(arg, &a->split)) < 0)
			return r;
		a->opts.args = (const char *const *)a->split;
		break;
	case S_NO_LIMITS:
		a->opts.no_limits = true;
		break;
	default:
		a->to_stdout = true;
		break; /* S_STDOUT */
	}
	return 0;
}

static int spec_cli_parse(int argc, char **argv, struct spec_cli *a)
{
	struct cli_parser p;
	int c, r = 0;

	cli_begin(&p, &cmd_spec_usage, argc, argv);
	while (r == 0 && (c = cli_next(&p)) > CLI_HELP)
		r = spec_cli_option(c, p.arg, a);
	if (r < 0 || c != CLI_DONE)
		return r < 0 ? r : c;
	if (optind < argc) {
		if (a->split)
			return hrun_err(EINVAL,
					"spec: give the command either with --args or after --, not both");
		a->opts.args = (const char *const *)argv + optind; /* argv is NULL-terminated */
	}
	return 0;
}

int cmd_spec_main(int argc, char **argv)
{
	struct spec_cli a = { .opts = { .uid = 1000, .gid = 1000 } };
	int r = spec_cli_parse(argc, argv, &a);

	if (r == 0)
		r = specgen_main(&a.opts, a.bundle, a.to_stdout);
	if (a.split)
		free(a.split[0]);
	free(a.split);
	return cli_status(r);
}

enum { C_BUNDLE = 'b', C_FORMAT = 256, C_FAIL_ON };

static const struct cli_opt check_opts[] = {
	{ "bundle", C_BUNDLE, "DIR",
	  "check DIR/config.json, resolving root.path and bind sources" },
	{ "format", C_FORMAT, "text|json", "report format (default text)" },
	{ "fail-on", C_FAIL_ON, "critical|high|medium|low|none",
	  "exit 1 when a finding reaches this severity (default high)" },
	{ 0 },
};
const struct cli_usage cmd_check_usage = {
	"check", "[options] [FILE|DIR|-]",
	"audit a config.json against the hardening checklist (default ./config.json)", check_opts,
	CLI_STOP_AT_ARG
};

static int check_option(int c, const char *arg, struct check_cli_options *a)
{
	int r;

	if (c == C_BUNDLE) {
		a->bundle = arg;
	} else if (c == C_FORMAT) {
		if (strcmp(arg, "json") != 0 && strcmp(arg, "text") != 0)
			return hrun_err(EINVAL, "check: unknown format `%s` (text, json)", arg);
		a->json = strcmp(arg, "json") == 0;
	} else if ((r = check_severity_parse(arg, &a->fail_on)) < 0) {
		return hrun_err_prefix(r, "check: --fail-on");
	}
	return 0;
}

int cmd_check_main(int argc, char **argv)
{
	struct check_cli_options a = { .fail_on = CHECK_SEV_HIGH };
	struct cli_parser p;
	int c, r = 0;

	cli_begin(&p, &cmd_check_usage, argc, argv);
	while (r == 0 && (c = cli_next(&p)) > CLI_HELP)
		r = check_option(c, p.arg, &a);
	if (r < 0 || c != CLI_DONE)
		return r < 0 ? r : cli_status(c);
	if (optind < argc)
		a.file = argv[optind++];
	if (optind < argc)
		return hrun_err(EINVAL, "check: unexpected argument `%s`", argv[optind]);
	if (a.file && a.bundle)
		return hrun_err(EINVAL, "check: give either --bundle or FILE, not both");
	return check_main(&a);
}
