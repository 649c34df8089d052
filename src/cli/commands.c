/* SPDX-License-Identifier: Apache-2.0 */
/* One function per command: parse its flags (runc/crun names), call the
 * module that does the work, print the result. */
#define _GNU_SOURCE
#include "commands.h"

#include <errno.h>
#include <sys/stat.h>
#include <pwd.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cap-ng.h>

#include "hrun/check.h"
#include "cmd_audit.h"
#include "cmd_cgroup.h"
#include "cmd_ps.h"
#include "cmd_sandbox.h"
#include "features.h"
#include "options.h"
#include "hrun/container.h"
#include "hrun/error.h"
#include "hrun/exec.h"
#include "hrun/lifecycle.h"
#include "hrun/log.h"
#include "hrun/sandbox.h"
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

#define CREATE_OPTS                                                                            \
	{"bundle", OPT_BUNDLE, "DIR", "the bundle directory (default: the current one)"},       \
	{"pid-file", OPT_PID_FILE, "FILE", "write the init's host pid to FILE"},               \
	{"console-socket", OPT_CONSOLE_SOCKET, "SOCKET",                                       \
	 "send the terminal's master fd to this AF_UNIX socket"},                              \
	{"preserve-fds", OPT_PRESERVE_FDS, "N", "pass fds 3..3+N-1 to the container"},         \
	{"no-pivot", OPT_NO_PIVOT, NULL, "accepted; hrun always pivots (refused if it cannot)"}, \
	{"no-new-keyring", OPT_NO_NEW_KEYRING, NULL, "keep the caller's session keyring"},     \
	{"policy", OPT_POLICY, "POLICY", "refuse a config that violates this launch policy"}

static const struct cli_opt create_opts[] = {CREATE_OPTS, {0}};
static const struct cli_opt run_opts[] = {
	CREATE_OPTS,
	{"detach", OPT_DETACH, NULL, "do not wait: leave the container running"},
	{"keep", OPT_KEEP, NULL, "do not delete the container when it exits"},
	{"no-subreaper", OPT_IGNORED, NULL, "accepted for runc compatibility; ignored"},
	{0},
};
static const struct cli_usage create_usage = {
	"create", "[options] ID", "create a container (init waits for start)", create_opts, 0};
static const struct cli_usage run_usage = {
	"run", "[options] ID", "create, start and wait for a container", run_opts, 0};

static int parse_create_opts(const struct hrun_globals *g, int argc, char **argv, bool run,
			     struct hrun_create_opts *o)
{
	struct cli_parser p;
	long n;
	int c;

	memset(o, 0, sizeof(*o));
	o->root = g->root;
	o->systemd_cgroup = g->systemd_cgroup;
	cli_begin(&p, run ? &run_usage : &create_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP) {
		switch (c) {
		case OPT_BUNDLE:
			o->bundle = p.arg;
			break;
		case OPT_PID_FILE:
			o->pid_file = p.arg;
			break;
		case OPT_CONSOLE_SOCKET:
			o->console_socket = p.arg;
			break;
		case OPT_PRESERVE_FDS:
			if (util_parse_long(p.arg, &n) < 0 || n < 0 || n > 65536)
				return hrun_err(EINVAL, "--preserve-fds: expected a count, got `%s`", p.arg);
			o->preserve_fds = (unsigned)n;
			break;
		case OPT_NO_PIVOT:
			o->no_pivot = true;
			break;
		case OPT_NO_NEW_KEYRING:
			o->no_new_keyring = true;
			break;
		case OPT_POLICY:
			o->policy = p.arg;
			break;
		case OPT_DETACH:
			o->detach = true;
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		default:
			break; /* OPT_IGNORED */
		}
	}
	if (c != CLI_DONE)
		return c;
	return take_id(argc, argv, argv[0], &o->id);
}

static int cmd_create(const struct hrun_globals *g, int argc, char **argv)
{
	struct hrun_create_opts o;
	int r = parse_create_opts(g, argc, argv, false, &o);

	return r != 0 ? cli_status(r) : container_create(&o);
}

static int cmd_run(const struct hrun_globals *g, int argc, char **argv)
{
	struct hrun_create_opts o;
	int r = parse_create_opts(g, argc, argv, true, &o);

	return r != 0 ? cli_status(r) : container_run(&o);
}

static const struct cli_usage start_usage = {
	"start", "ID", "start the user process of a created container", NULL, 0};
static const struct cli_usage state_usage = {
	"state", "ID", "print the state of a container (JSON)", NULL, 0};
static const struct cli_usage pause_usage = {
	"pause", "ID", "freeze every process of a container", NULL, 0};
static const struct cli_usage resume_usage = {"resume", "ID", "thaw a paused container", NULL, 0};

/* Commands without options of their own: start, state, pause, resume.
 * Returns 0, CLI_HELP or a negative errno. */
static int plain_id(const struct cli_usage *u, int argc, char **argv, const char **ret_id)
{
	struct cli_parser p;
	int c;

	cli_begin(&p, u, argc, argv);
	c = cli_next(&p);
	if (c != CLI_DONE)
		return c < 0 ? c : CLI_HELP; /* no option has a key */
	return take_id(argc, argv, argv[0], ret_id);
}

static int cmd_start(const struct hrun_globals *g, int argc, char **argv)
{
	const char *id;
	int r = plain_id(&start_usage, argc, argv, &id);

	return r != 0 ? cli_status(r) : lifecycle_start(g->root, id);
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
	int r = plain_id(&state_usage, argc, argv, &id);

	if (r != 0)
		return cli_status(r);
	r = lifecycle_state(g->root, id, &st);
	return r < 0 ? r : print_json(st);
}

static int cmd_pause(const struct hrun_globals *g, int argc, char **argv)
{
	bool pause = strcmp(argv[0], "pause") == 0;
	const char *id;
	int r = plain_id(pause ? &pause_usage : &resume_usage, argc, argv, &id);

	return r != 0 ? cli_status(r) : lifecycle_pause(g->root, id, pause);
}

static const struct cli_opt kill_opts[] = {
	{"all", 'a', NULL, "signal every process of the container's cgroup"},
	{0},
};
static const struct cli_usage kill_usage = {
	"kill", "[options] ID [SIGNAL]", "send a signal to the container's init (default TERM)",
	kill_opts, 0};

static int cmd_kill(const struct hrun_globals *g, int argc, char **argv)
{
	struct cli_parser p;
	const char *id;
	int signo = SIGTERM, c, r;
	bool all = false;

	cli_begin(&p, &kill_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP)
		all = true; /* 'a' */
	if (c != CLI_DONE)
		return cli_status(c);
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

static const struct cli_opt delete_opts[] = {
	{"force", 'f', NULL, "kill a running container first"},
	{0},
};
static const struct cli_usage delete_usage = {"delete", "[options] ID",
					      "delete a stopped container", delete_opts, 0};

static int cmd_delete(const struct hrun_globals *g, int argc, char **argv)
{
	struct cli_parser p;
	const char *id;
	bool force = false;
	int c, r;

	cli_begin(&p, &delete_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP)
		force = true; /* 'f' */
	if (c != CLI_DONE)
		return cli_status(c);
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

static const struct cli_opt list_opts[] = {
	{"format", 'f', "table|json", "output format (default table)"},
	{"quiet", 'q', NULL, "print the ids only"},
	{0},
};
static const struct cli_usage list_usage = {"list", "[options]", "list containers", list_opts, 0};

static int cmd_list(const struct hrun_globals *g, int argc, char **argv)
{
	bool json = false, quiet = false;
	struct cli_parser p;
	char owner[256];
	json_t *list, *s;
	size_t i;
	int c, r;

	cli_begin(&p, &list_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP) {
		if (c == 'q') {
			quiet = true;
		} else {
			r = parse_format(p.arg, &json);
			if (r < 0)
				return r;
		}
	}
	if (c != CLI_DONE)
		return cli_status(c);
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

enum {
	O_PROCESS = 'p',
	O_TTY = 't',
	O_DETACH = 'd',
	O_ENV = 'e',
	O_USER = 'u',
	O_CWD = 256,
	O_CAP,
	O_NNP,
	O_CONSOLE,
	O_PIDFILE,
	O_PRESERVE,
	O_IGN,
	O_IGN_ARG,
	O_GIDS,
	O_APPARMOR,
	O_LABEL,
};

static const struct cli_opt exec_opts[] = {
	{"process", O_PROCESS, "FILE", "run the process described by this process.json"},
	{"tty", O_TTY, NULL, "allocate a pseudo-terminal"},
	{"detach", O_DETACH, NULL, "do not wait for the process"},
	{"env", O_ENV, "KEY=VALUE", "set an environment variable (repeatable)"},
	{"user", O_USER, "UID[:GID]", "run as this user"},
	{"cwd", O_CWD, "DIR", "working directory inside the container"},
	{"cap", O_CAP, "CAP", "add a capability (repeatable)"},
	{"no-new-privs", O_NNP, NULL, "set no_new_privs"},
	{"console-socket", O_CONSOLE, "SOCKET", "send the terminal's master fd to this socket"},
	{"pid-file", O_PIDFILE, "FILE", "write the process's host pid to FILE"},
	{"preserve-fds", O_PRESERVE, "N", "pass fds 3..3+N-1 to the process"},
	{"ignore-paused", O_IGN, NULL, "accepted for runc compatibility; ignored"},
	{"additional-gids", O_GIDS, "GIDS", "comma-separated supplementary group ids"},
	{"cgroup", O_IGN_ARG, "PATH", "accepted for runc compatibility; ignored"},
	{"apparmor", O_APPARMOR, "PROFILE", "run the process under this AppArmor profile"},
	{"process-label", O_LABEL, "LABEL", "run the process with this SELinux label"},
	{0},
};
/* options stop at the id: the command's own flags follow */
static const struct cli_usage exec_usage = {
	"exec", "[options] ID [--] [COMMAND [ARG...]]", "run a new process inside a container",
	exec_opts, CLI_STOP_AT_ARG};

static int exec_env_add(char ***env, size_t *n_env, const char *kv)
{
	char **ne = realloc(*env, (*n_env + 2) * sizeof(char *));

	if (!ne)
		return hrun_err(ENOMEM, "exec: --env");
	*env = ne;
	ne[(*n_env)++] = (char *)kv;
	ne[*n_env] = NULL;
	return 0;
}

/* One exec option into O (and ENV). */
static int exec_option(int c, const char *arg, struct hrun_exec_opts *o, char ***env,
		       size_t *n_env)
{
	long n;

	switch (c) {
	case O_PROCESS: o->process_file = arg; break;
	case O_TTY: o->tty = true; break;
	case O_DETACH: o->detach = true; break;
	case O_ENV: return exec_env_add(env, n_env, arg);
	case O_USER: o->user = arg; break;
	case O_CWD: o->cwd = arg; break;
	case O_CAP: return parse_cap(arg, &o->caps);
	case O_NNP: o->no_new_privs = true; break;
	case O_CONSOLE: o->console_socket = arg; break;
	case O_PIDFILE: o->pid_file = arg; break;
	case O_PRESERVE:
		if (util_parse_long(arg, &n) < 0 || n < 0 || n > 65536)
			return hrun_err(EINVAL, "--preserve-fds: expected a count, got `%s`", arg);
		o->preserve_fds = (unsigned)n;
		break;
	case O_GIDS: o->additional_gids = arg; break;
	case O_APPARMOR: o->apparmor = arg; break;
	case O_LABEL: o->process_label = arg; break;
	default: break; /* O_IGN, O_IGN_ARG */
	}
	return 0;
}

static int cmd_exec(const struct hrun_globals *g, int argc, char **argv)
{
	struct hrun_exec_opts o = {.root = g->root};
	_cleanup_free_ char **env = NULL;
	struct cli_parser p;
	size_t n_env = 0;
	int c, r = 0;

	cli_begin(&p, &exec_usage, argc, argv);
	while (r == 0 && (c = cli_next(&p)) > CLI_HELP)
		r = exec_option(c, p.arg, &o, &env, &n_env);
	if (r < 0)
		return r;
	if (c != CLI_DONE)
		return cli_status(c);
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

static const struct cli_usage features_usage = {
	"features", "", "print what this runtime supports (JSON)", NULL, 0};

static int cmd_features(const struct hrun_globals *g, int argc, char **argv)
{
	struct cli_parser p;
	json_t *f;
	int c;

	(void)g;
	cli_begin(&p, &features_usage, argc, argv);
	c = cli_next(&p);
	if (c != CLI_DONE)
		return cli_status(c < 0 ? c : CLI_HELP);
	if (optind < argc)
		return hrun_err(EINVAL, "features: unexpected argument `%s`", argv[optind]);
	f = features_json();
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
	return scanner_status(cmd_spec_main(argc, argv));
}

static int cmd_check(const struct hrun_globals *g, int argc, char **argv)
{
	(void)g;
	return scanner_status(cmd_check_main(argc, argv));
}

static int cmd_sandbox(const struct hrun_globals *g, int argc, char **argv)
{
	return cmd_sandbox_main(g->root, argc, argv);
}

const struct hrun_command commands[] = {
	{"create", cmd_create, &create_usage, true},
	{"start", cmd_start, &start_usage, false},
	{"run", cmd_run, &run_usage, true},
	{"exec", cmd_exec, &exec_usage, true},
	{"state", cmd_state, &state_usage, false},
	{"kill", cmd_kill, &kill_usage, false},
	{"delete", cmd_delete, &delete_usage, false},
	{"list", cmd_list, &list_usage, false},
	{"ps", cmd_ps, &cmd_ps_usage, false},
	{"pause", cmd_pause, &pause_usage, false},
	{"resume", cmd_pause, &resume_usage, false},
	{"update", cmd_update_fn, &cmd_update_usage, false},
	{"events", cmd_events_fn, &cmd_events_usage, false},
	{"features", cmd_features, &features_usage, false},
	{"spec", cmd_spec, &cmd_spec_usage, false},
	{"check", cmd_check, &cmd_check_usage, false},
	{.name = "sandbox", .fn = cmd_sandbox, .usage = &cmd_sandbox_usage, .sealed = true,
	 .error_status = sandbox_error_status},
	{NULL, NULL, NULL, false},
};
