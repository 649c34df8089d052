/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CLI_OPTIONS_H
#define HRUN_CLI_OPTIONS_H

/*
 * One option table per command: it drives getopt_long (the struct option
 * array and the optstring are built from it) and prints `--help`. Every
 * table implicitly has -h/--help.
 */

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#define CLI_MAX_OPTS 32

/* one option; a table ends with {0} */
struct cli_opt {
	const char *name; /* long name, without "--" */
	int key;	  /* returned by cli_next(): the short letter, or >= 256 */
	const char *arg;  /* argument name in --help; NULL: takes no argument */
	const char *help; /* one line */
};

enum cli_flags {
	/* options stop at the first non-option (exec, ps: the rest belongs
	 * to the command or to ps(1)); otherwise options may follow the id */
	CLI_STOP_AT_ARG = 1 << 0,
};

struct cli_usage {
	const char *name;     /* "exec"; NULL for the global options */
	const char *synopsis; /* after "Usage: hrun exec " */
	const char *summary;  /* one line, also in `hrun --help` */
	const struct cli_opt *opts;
	unsigned flags;		   /* enum cli_flags */
	void (*epilog)(FILE *out); /* printed before the options, or NULL */
};

/* cli_next() results besides an option key (> 1) */
enum { CLI_DONE = 0, CLI_HELP = 1 };

struct cli_parser {
	const struct cli_usage *u;
	int argc;
	char **argv;
	const char *arg; /* the current option's argument */
	char flag[64];	 /* the current option by its name: "--memory", "-b" */
	struct option longopts[CLI_MAX_OPTS + 2];
	char optstring[2 * CLI_MAX_OPTS + 8];
};

/* A command's exit status for a parse result: CLI_HELP -> 0. */
static inline int cli_status(int r)
{
	return r == CLI_HELP ? 0 : r;
}

/* Start parsing ARGV (argv[0] is the command name) with U's table. */
void cli_begin(struct cli_parser *p, const struct cli_usage *u, int argc, char **argv);

/* The next option's key (its argument in p->arg); CLI_DONE at the first
 * operand or at the end (then cli_optind() is the first operand); CLI_HELP
 * for -h/--help (the help is printed on stdout); or a negative errno with
 * one line naming the unknown option or the missing argument. */
int cli_next(struct cli_parser *p);

/* Index in argv of the first operand once cli_next() returned CLI_DONE. */
int cli_optind(const struct cli_parser *p);

/* `Usage: hrun NAME SYNOPSIS`, the summary and the option list. */
void cli_print_help(FILE *out, const struct cli_usage *u);

#endif
