/* SPDX-License-Identifier: Apache-2.0 */
/* argv -> global options -> command table (-> sealed re-exec for the
 * commands that start container processes). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/seal.h"
#include "hrun/spec.h"
#include "hrun/state.h"

static void commands_list(FILE *out)
{
	(void)fputs("Commands:\n", out);
	for (const struct hrun_command *c = commands; c->name; c++)
		(void)fprintf(out, "  %-10s %s\n", c->name, c->usage->summary);
	(void)fputs("\nRun `hrun help COMMAND` (or `hrun COMMAND --help`) for a command's options.\n\n",
		    out);
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_IGNORED };

static const struct cli_opt global_opts[] = {
	{"root", OPT_ROOT, "DIR", "state directory (default /run/hrun)"},
	{"log", OPT_LOG, "FILE", "write errors to FILE"},
	{"log-format", OPT_LOG_FORMAT, "text|json", "format of --log (default text)"},
	{"debug", OPT_DEBUG, NULL, "debug output"},
	{"systemd-cgroup", OPT_SYSTEMD, NULL, "accepted; slice:prefix:name paths map to cgroupfs"},
	{"rootless", OPT_IGNORED, "VALUE", "accepted for runc compatibility; ignored"},
	{"criu", OPT_IGNORED, "PATH", "accepted for runc compatibility; ignored"},
	{"version", 'v', NULL, "print the version"},
	{0},
};

static const struct cli_usage global_usage = {
	NULL,         "[global options] COMMAND [options] [ID]",
	"A minimal, hardened OCI container runtime.",
	global_opts,  CLI_STOP_AT_ARG,
	commands_list,
};

static int print_version(void)
{
	(void)printf("hrun version %s\nspec: %s\n%s\n", HRUN_VERSION_STRING, HRUN_OCI_VERSION,
		     HRUN_FEATURE_STRING);
	return 0;
}

static const struct hrun_command *find_command(const char *name)
{
	for (const struct hrun_command *cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	return NULL;
}

/* `hrun help [COMMAND]`: the same text as `hrun [COMMAND] --help`. */
static int help_command(int argc, char **argv)
{
	const struct hrun_command *cmd = NULL;

	if (argc < 2) {
		cli_print_help(stdout, &global_usage);
		return 0;
	}
	if (argc > 2)
		return hrun_err(EINVAL, "help: unexpected argument `%s`", argv[2]);
	cmd = find_command(argv[1]);
	if (!cmd)
		return hrun_err(EINVAL, "help: unknown command `%s` (see `hrun --help`)", argv[1]);
	cli_print_help(stdout, cmd->usage);
	return 0;
}

/* The global options, before the command. Returns 0 to go on, 1 when
 * done (--help, --version: exit 0), or a negative errno. */
static int parse_globals(int argc, char **argv, struct hrun_globals *g)
{
	enum hrun_log_format fmt = HRUN_LOG_TEXT;
	const char *log_path = NULL;
	bool debug = false;
	struct cli_parser p;
	int c;

	cli_begin(&p, &global_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP) {
		switch (c) {
		case OPT_ROOT: g->root = p.arg; break;
		case OPT_LOG: log_path = p.arg; break;
		case OPT_LOG_FORMAT:
			if (strcmp(p.arg, "json") == 0)
				fmt = HRUN_LOG_JSON;
			else if (strcmp(p.arg, "text") == 0)
				fmt = HRUN_LOG_TEXT;
			else
				return hrun_err(EINVAL, "--log-format: expected text or json");
			break;
		case OPT_DEBUG: debug = true; break;
		case OPT_SYSTEMD: g->systemd_cgroup = true; break;
		case 'v': return print_version(), 1;
		default: break; /* OPT_IGNORED: accepted for runc compatibility */
		}
	}
	if (c != CLI_DONE)
		return c;
	if (log_init(log_path, fmt, debug) < 0)
		return -EINVAL; /* log_init recorded the message */
	if (!g->root || !*g->root)
		g->root = state_default_root();
	return 0;
}

int main(int argc, char **argv)
{
	struct hrun_globals g = {.root = NULL};
	const struct hrun_command *cmd;
	char **all_argv = argv;
	int r;

	r = parse_globals(argc, argv, &g);
	if (r != 0) {
		if (r < 0)
			log_error(hrun_errmsg());
		return r < 0 ? 1 : 0;
	}
	if (optind >= argc) {
		cli_print_help(stderr, &global_usage);
		return 1;
	}
	argv += optind;
	argc -= optind;
	if (strcmp(argv[0], "help") == 0)
		r = help_command(argc, argv);
	else if (!(cmd = find_command(argv[0])))
		r = hrun_err(EINVAL, "unknown command `%s` (see `hrun --help`)", argv[0]);
	/* before anything else: a command that starts container processes
	 * runs only from a sealed copy of the binary */
	else if (cmd->sealed && seal_ensure(all_argv) < 0)
		r = -EINVAL; /* seal_ensure recorded the message */
	else
		r = cmd->fn(&g, argc, argv);
	if (r < 0) {
		log_error(hrun_errmsg());
		return cmd && cmd->error_status ? cmd->error_status(r) : 1;
	}
	return r;
}
