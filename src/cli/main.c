/* SPDX-License-Identifier: Apache-2.0 */
/* argv -> global options -> command table (-> sealed re-exec for the
 * commands that start container processes). */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/seal.h"
#include "hrun/spec.h"
#include "hrun/state.h"

static void usage(FILE *out)
{
	(void)fprintf(out,
		      "Usage: hrun [global options] COMMAND [options] [ID]\n"
		      "\n"
		      "A minimal, hardened OCI container runtime.\n"
		      "\n"
		      "Commands:\n");
	for (const struct hrun_command *c = commands; c->name; c++)
		(void)fprintf(out, "  %-10s %s\n", c->name, c->summary);
	(void)fprintf(out,
		      "\n"
		      "Global options:\n"
		      "  --root DIR             state directory (default /run/hrun)\n"
		      "  --log FILE             write errors to FILE\n"
		      "  --log-format text|json format of --log (default text)\n"
		      "  --debug                debug output\n"
		      "  --systemd-cgroup       accepted; slice:prefix:name paths map to cgroupfs\n"
		      "  -v, --version          print the version\n"
		      "  -h, --help             this help\n");
}

static int print_version(void)
{
	(void)printf("hrun version %s\nspec: %s\n%s\n", HRUN_VERSION_STRING, HRUN_OCI_VERSION,
		     HRUN_FEATURE_STRING);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS,
	       OPT_CRIU };
	static const struct option opts[] = {
		{"root", required_argument, NULL, OPT_ROOT},
		{"log", required_argument, NULL, OPT_LOG},
		{"log-format", required_argument, NULL, OPT_LOG_FORMAT},
		{"debug", no_argument, NULL, OPT_DEBUG},
		{"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
		{"rootless", required_argument, NULL, OPT_ROOTLESS},
		{"criu", required_argument, NULL, OPT_CRIU},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct hrun_globals g = {.root = NULL};
	enum hrun_log_format fmt = HRUN_LOG_TEXT;
	const char *log_path = NULL;
	bool debug = false;
	char **all_argv = argv;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			g.root = optarg;
			break;
		case OPT_LOG:
			log_path = optarg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "json") == 0)
				fmt = HRUN_LOG_JSON;
			else if (strcmp(optarg, "text") == 0)
				fmt = HRUN_LOG_TEXT;
			else
				return log_error("--log-format: expected text or json"), 1;
			break;
		case OPT_DEBUG:
			debug = true;
			break;
		case OPT_SYSTEMD:
			g.systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
		case OPT_CRIU:
			break; /* accepted for runc compatibility */
		case 'v':
			return print_version();
		case 'h':
			usage(stdout);
			return 0;
		default:
			(void)fprintf(stderr, "hrun: unknown global option `%s`\n", argv[optind - 1]);
			usage(stderr);
			return 1;
		}
	}
	if (log_init(log_path, fmt, debug) < 0) {
		log_error(hrun_errmsg());
		return 1;
	}
	if (!g.root || !*g.root)
		g.root = state_default_root();
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	for (const struct hrun_command *cmd = commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[optind]) != 0)
			continue;
		/* before anything else: a command that starts container
		 * processes runs only from a sealed copy of the binary */
		if (cmd->sealed && seal_ensure(all_argv) < 0) {
			log_error(hrun_errmsg());
			return 1;
		}
		argv += optind;
		argc -= optind;
		optind = 0; /* reset getopt for the command's own options */
		r = cmd->fn(&g, argc, argv);
		if (r < 0) {
			log_error(hrun_errmsg());
			return 1;
		}
		return r;
	}
	hrun_err(EINVAL, "unknown command `%s`", argv[optind]);
	log_error(hrun_errmsg());
	return 1;
}
