/* SPDX-License-Identifier: Apache-2.0 */
/* One function per command: parse its flags (runc/crun names), call the
 * module that does the work, print the result. */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <sys/stat.h>
#include <pwd.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cap-ng.h>

#include "hrun/check.h"
#include "cmd_cgroup.h"
#include "cmd_ps.h"
#include "features.h"
#include "hrun/container.h"
#include "hrun/error.h"
#include "hrun/exec.h"
#include "hrun/lifecycle.h"
#include "hrun/log.h"
#include "hrun/specgen.h"
#include "hrun/cleanup.h"
#include "hrun/util.h"

enum {
	OPT_BUNDLE = 'b',
	OPT_DETACH = 'd',
	OPT_PID_FILE = 256,
	OPT_CONSOLE_SOCKET,
	OPT_PRESERVE_FDS,
	OPT_NO_PIVOT,
	OPT_NO_NEW_KEYRING,
	OPT_KEEP,
	OPT_POLICY,
	OPT_FORCE,
	OPT_ALL,
	OPT_FORMAT,
	OPT_QUIET,
	OPT_IGNORED,
};

/* Exactly one positional argument: the container id. */
static int take_id(int argc, char **argv, const char *cmd, const char **ret_id)
{
	if (optind >= argc)
		return hrun_err(EINVAL, "%s: missing container id", cmd);
	if (optind + 1 < argc)
		return hrun_err(EINVAL, "%s: unexpected argument `%s`", cmd, argv[optind + 1]);
	*ret_id = argv[optind];
	return 0;
}

static int bad_option(const char *cmd, char **argv)
{
	return hrun_err(EINVAL, "%s: unknown or incomplete option `%s`", cmd, argv[optind - 1]);
}

static int parse_create_opts(const struct hrun_globals *g, int argc, char **argv, bool run,
			     struct hrun_create_opts *o)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, OPT_BUNDLE},
		{"pid-file", required_argument, NULL, OPT_PID_FILE},
		{"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
		{"preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS},
		{"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
		{"no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING},
		{"policy", required_argument, NULL, OPT_POLICY},
		{"detach", no_argument, NULL, OPT_DETACH},
		{"keep", no_argument, NULL, OPT_KEEP},
		{"no-subreaper", no_argument, NULL, OPT_IGNORED},
		{0},
	};
	long n;
	int c;

	memset(o, 0, sizeof(*o));
	o->root = g->root;
	o->systemd_cgroup = g->systemd_cgroup;
	while ((c = getopt_long(argc, argv, run ? ":b:d" : ":b:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_BUNDLE:
			o->bundle = optarg;
			break;
		case OPT_PID_FILE:
			o->pid_file = optarg;
			break;
		case OPT_CONSOLE_SOCKET:
			o->console_socket = optarg;
			break;
		case OPT_PRESERVE_FDS:
			if (util_parse_long(optarg, &n) < 0 || n < 0 || n > 65536)
				return hrun_err(EINVAL, "--preserve-fds: expected a count, got `%s`", optarg);
			o->preserve_fds = (unsigned)n;
			break;
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_NEW_KEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_DETACH:
			o->detach = true;
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case OPT_IGNORED:
			break;
		default:
			return bad_option(argv[0], argv);
		}
	}
	if (!run && (o->detach || o->keep))
		return hrun_err(EINVAL, "%s: --detach/--keep are `run` options", argv[0]);
	return take_id(argc, argv, argv[0], &o->id);
}

static int cmd_create(const struct hrun_globals *g, int argc, char **argv)
{
	struct hrun_create_opts o;
	int r = parse_create_opts(g, argc, argv, false, &o);

	return r < 0 ? r : container_create(&o);
}

static int cmd_run(const struct hrun_globals *g, int argc, char **argv)
{
	struct hrun_create_opts o;
	int r = parse_create_opts(g, argc, argv, true, &o);

	return r < 0 ? r : container_run(&o);
}

/* Commands whose only option set is empty: start, state, pause, resume. */
static int plain_id(int argc, char **argv, const char **ret_id)
{
	static const struct option none[] = {{0}};
	int c;

	while ((c = getopt_long(argc, argv, ":", none, NULL)) != -1)
		return bad_option(argv[0], argv);
	return take_id(argc, argv, argv[0], ret_id);
}

static int cmd_start(const struct hrun_globals *g, int argc, char **argv)
{
	const char *id;
	int r = plain_id(argc, argv, &id);

	return r < 0 ? r : lifecycle_start(g->root, id);
}

static int print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	if (!s)
		return hrun_err(ENOMEM, "encode JSON");
	(void)printf("%s\n", s);
	free(s);
	return 0;
}

static int cmd_state(const struct hrun_globals *g, int argc, char **argv)
{
	const char *id;
	json_t *st;
	int r = plain_id(argc, argv, &id);

	if (r == 0)
		r = lifecycle_state(g->root, id, &st);
	return r < 0 ? r : print_json(st);
}

static int cmd_pause(const struct hrun_globals *g, int argc, char **argv)
{
	const char *id;
	int r = plain_id(argc, argv, &id);

	return r < 0 ? r : lifecycle_pause(g->root, id, strcmp(argv[0], "pause") == 0);
}

static int cmd_kill(const struct hrun_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {0}};
	const char *id;
	int signo = SIGTERM, c, r;
	bool all = false;

	while ((c = getopt_long(argc, argv, ":a", opts, NULL)) != -1) {
		if (c != 'a')
			return bad_option(argv[0], argv);
		all = true;
	}
	if (optind >= argc)
		return hrun_err(EINVAL, "kill: missing container id");
	id = argv[optind];
	if (optind + 1 < argc) {
		r = lifecycle_parse_signal(argv[optind + 1], &signo);
		if (r < 0)
			return r;
		if (optind + 2 < argc)
			return hrun_err(EINVAL, "kill: unexpected argument `%s`", argv[optind + 2]);
	}
	return lifecycle_kill(g->root, id, signo, all);
}

static int cmd_delete(const struct hrun_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {{"force", no_argument, NULL, 'f'}, {0}};
	const char *id;
	bool force = false;
	int c, r;

	while ((c = getopt_long(argc, argv, ":f", opts, NULL)) != -1) {
		if (c != 'f')
			return bad_option(argv[0], argv);
		force = true;
	}
	r = take_id(argc, argv, argv[0], &id);
	return r < 0 ? r : lifecycle_delete(g->root, id, force);
}

static int parse_format(const char *arg, bool *ret_json)
{
	if (strcmp(arg, "json") == 0)
		*ret_json = true;
	else if (strcmp(arg, "table") == 0)
		*ret_json = false;
	else
		return hrun_err(EINVAL, "--format: expected table or json, got `%s`", arg);
	return 0;
}

/* list's OWNER column, as runc: the user owning the container's state
 * directory (its name from the host's passwd, else the uid). */
static const char *list_owner(const char *root, const char *id, const char *recorded, char *buf,
			      size_t size)
{
	char path[PATH_MAX];
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	struct stat st;

	if (recorded && *recorded)
		return recorded;
	(void)snprintf(path, sizeof(path), "%s/%s", root, id);
	if (stat(path, &st) < 0)
		return "";
	if (getpwuid_r(st.st_uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res)
		(void)snprintf(buf, size, "%s", pw.pw_name);
	else
		(void)snprintf(buf, size, "%u", (unsigned)st.st_uid);
	return buf;
}

static int cmd_list(const struct hrun_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{0},
	};
	bool json = false, quiet = false;
	char owner[256];
	json_t *list, *s;
	size_t i;
	int c, r;

	while ((c = getopt_long(argc, argv, ":f:q", opts, NULL)) != -1) {
		if (c == 'f') {
			r = parse_format(optarg, &json);
			if (r < 0)
				return r;
		} else if (c == 'q') {
			quiet = true;
		} else {
			return bad_option(argv[0], argv);
		}
	}
	r = lifecycle_list(g->root, &list);
	if (r < 0)
		return r;
	if (json)
		return print_json(list);
	if (!quiet)
		(void)printf("%-20s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE",
			     "CREATED", "OWNER");
	json_array_foreach(list, i, s) {
		const char *id = json_string_value(json_object_get(s, "id"));

		if (quiet) {
			(void)printf("%s\n", id);
			continue;
		}
		(void)printf("%-20s %-8lld %-10s %-40s %-30s %s\n", id,
			     (long long)json_integer_value(json_object_get(s, "pid")),
			     json_string_value(json_object_get(s, "status")),
			     json_string_value(json_object_get(s, "bundle")),
			     json_string_value(json_object_get(s, "created")),
			     list_owner(g->root, id, json_string_value(json_object_get(s, "owner")),
					owner, sizeof(owner)));
	}
	json_decref(list);
	return 0;
}

static int cmd_ps(const struct hrun_globals *g, int argc, char **argv)
{
	return cmd_ps_main(g->root, argc, argv);
}

static int parse_cap(const char *name, uint64_t *mask)
{
	const char *n = strncasecmp(name, "CAP_", 4) == 0 ? name + 4 : name;
	int cap = capng_name_to_capability(n);

	if (cap < 0 || cap > 63)
		return hrun_err(EINVAL, "--cap: unknown capability `%s`", name);
	*mask |= 1ULL << cap;
	return 0;
}

static int cmd_exec(const struct hrun_globals *g, int argc, char **argv)
{
	enum { O_PROCESS = 'p', O_TTY = 't', O_DETACH = 'd', O_ENV = 'e', O_USER = 'u',
	       O_CWD = 256, O_CAP, O_NNP, O_CONSOLE, O_PIDFILE, O_PRESERVE, O_IGN, O_IGN_ARG, O_GIDS,
	       O_APPARMOR, O_LABEL };
	static const struct option opts[] = {
		{"process", required_argument, NULL, O_PROCESS},
		{"tty", no_argument, NULL, O_TTY},
		{"detach", no_argument, NULL, O_DETACH},
		{"env", required_argument, NULL, O_ENV},
		{"user", required_argument, NULL, O_USER},
		{"cwd", required_argument, NULL, O_CWD},
		{"cap", required_argument, NULL, O_CAP},
		{"no-new-privs", no_argument, NULL, O_NNP},
		{"console-socket", required_argument, NULL, O_CONSOLE},
		{"pid-file", required_argument, NULL, O_PIDFILE},
		{"preserve-fds", required_argument, NULL, O_PRESERVE},
		{"ignore-paused", no_argument, NULL, O_IGN},
		{"additional-gids", required_argument, NULL, O_GIDS},
		{"cgroup", required_argument, NULL, O_IGN_ARG},
		{"apparmor", required_argument, NULL, O_APPARMOR},
		{"process-label", required_argument, NULL, O_LABEL},
		{0},
	};
	struct hrun_exec_opts o = {.root = g->root};
	_cleanup_free_ char **env = NULL;
	size_t n_env = 0;
	long n;
	int c, r;

	/* "+": stop at the first non-option, the command's own flags follow */
	while ((c = getopt_long(argc, argv, "+:p:tde:u:", opts, NULL)) != -1) {
		switch (c) {
		case O_PROCESS:
			o.process_file = optarg;
			break;
		case O_TTY:
			o.tty = true;
			break;
		case O_DETACH:
			o.detach = true;
			break;
		case O_ENV: {
			char **ne = realloc(env, (n_env + 2) * sizeof(char *));

			if (!ne)
				return -ENOMEM;
			env = ne;
			env[n_env++] = optarg;
			env[n_env] = NULL;
			break;
		}
		case O_USER:
			o.user = optarg;
			break;
		case O_CWD:
			o.cwd = optarg;
			break;
		case O_CAP:
			r = parse_cap(optarg, &o.caps);
			if (r < 0)
				return r;
			break;
		case O_NNP:
			o.no_new_privs = true;
			break;
		case O_CONSOLE:
			o.console_socket = optarg;
			break;
		case O_PIDFILE:
			o.pid_file = optarg;
			break;
		case O_PRESERVE:
			if (util_parse_long(optarg, &n) < 0 || n < 0 || n > 65536)
				return hrun_err(EINVAL, "--preserve-fds: expected a count, got `%s`", optarg);
			o.preserve_fds = (unsigned)n;
			break;
		case O_GIDS:
			o.additional_gids = optarg;
			break;
		case O_APPARMOR:
			o.apparmor = optarg;
			break;
		case O_LABEL:
			o.process_label = optarg;
			break;
		case O_IGN:
		case O_IGN_ARG:
			break;
		default:
			return bad_option(argv[0], argv);
		}
	}
	if (optind >= argc)
		return hrun_err(EINVAL, "exec: missing container id");
	o.id = argv[optind];
	o.args = optind + 1 < argc ? &argv[optind + 1] : NULL;
	if (o.args && strcmp(o.args[0], "--") == 0)
		o.args++;
	if (o.args && !o.args[0])
		o.args = NULL;
	o.env = env;
	if (o.process_file && o.args)
		return hrun_err(EINVAL, "exec: give either --process or a command, not both");
	return exec_run(&o);
}

static int cmd_update_fn(const struct hrun_globals *g, int argc, char **argv)
{
	return cmd_update(g->root, argc, argv);
}

static int cmd_events_fn(const struct hrun_globals *g, int argc, char **argv)
{
	return cmd_events(g->root, argc, argv);
}

static int cmd_features(const struct hrun_globals *g, int argc, char **argv)
{
	json_t *f = features_json();

	(void)g;
	if (argc > 1)
		return hrun_err(EINVAL, "features: unexpected argument `%s`", argv[1]);
	return f ? print_json(f) : hrun_err(ENOMEM, "features");
}

/* `spec` and `check` exit like scanners (hrun-check(1)): 0 ok, 1 a finding
 * reached --fail-on, 2 the config could not be checked or written. */
static int scanner_status(int r)
{
	if (r >= 0)
		return r;
	log_error(hrun_errmsg());
	return 2;
}

static int cmd_spec(const struct hrun_globals *g, int argc, char **argv)
{
	(void)g;
	return scanner_status(specgen_main(argc, argv));
}

static int cmd_check(const struct hrun_globals *g, int argc, char **argv)
{
	(void)g;
	return scanner_status(check_main(argc, argv));
}

const struct hrun_command commands[] = {
	{"create", cmd_create, "create a container (init waits for start)", true},
	{"start", cmd_start, "start the user process of a created container"},
	{"run", cmd_run, "create, start and wait for a container", true},
	{"exec", cmd_exec, "run a new process inside a container", true},
	{"state", cmd_state, "print the state of a container (JSON)"},
	{"kill", cmd_kill, "send a signal to the container's init"},
	{"delete", cmd_delete, "delete a stopped container"},
	{"list", cmd_list, "list containers"},
	{"ps", cmd_ps, "list the processes of a container"},
	{"pause", cmd_pause, "freeze every process of a container"},
	{"resume", cmd_pause, "thaw a paused container"},
	{"update", cmd_update_fn, "change the cgroup limits of a container"},
	{"events", cmd_events_fn, "print resource statistics (--stats: once)"},
	{"features", cmd_features, "print what this runtime supports (JSON)"},
	{"spec", cmd_spec, "write a hardened config.json"},
	{"check", cmd_check, "audit a config.json against the hardening checklist"},
	{NULL, NULL, NULL},
};
