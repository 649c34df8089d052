/* SPDX-License-Identifier: Apache-2.0 */
/* The option table of a command -> getopt_long, and -> its --help. */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <string.h>

#include "hrun/error.h"

static bool cli_is_short(int key)
{
	return key > 0 && key < 128 && key != 'h';
}

void cli_begin(struct cli_parser *p, const struct cli_usage *u, int argc, char **argv)
{
	size_t n = 0, k = 0;

	memset(p, 0, sizeof(*p));
	p->u = u;
	p->argc = argc;
	p->argv = argv;
	if (u->flags & CLI_STOP_AT_ARG)
		p->optstring[k++] = '+';
	p->optstring[k++] = ':'; /* a missing argument returns ':' */
	p->optstring[k++] = 'h';
	for (const struct cli_opt *o = u->opts; o && o->name && n < CLI_MAX_OPTS; o++, n++) {
		p->longopts[n] = (struct option){ o->name, o->arg ? required_argument : no_argument,
						  NULL, o->key };
		if (!cli_is_short(o->key))
			continue;
		p->optstring[k++] = (char)o->key;
		if (o->arg)
			p->optstring[k++] = ':';
	}
	p->longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	p->longopts[n] = (struct option){ 0 };
	p->optstring[k] = '\0';
	optind = 0; /* glibc: full re-initialisation, main() used getopt already */
	opterr = 0;
}

enum cli_problem { CLI_UNKNOWN, CLI_MISSING, CLI_NO_ARG };

/* Does a long option starting with NAME[0..len) return VAL? */
static bool cli_long_is(const struct cli_parser *p, const char *name, size_t len, int val)
{
	for (const struct option *o = p->longopts; o->name; o++)
		if (o->val == val && strncmp(o->name, name, len) == 0)
			return true;
	return false;
}

/* The bad option as the user wrote it ("--name" without "=value", or
 * "-c") into BUF, and what is wrong with it. glibc leaves optopt 0 for an
 * unknown long option and sets it to the option's key for a missing
 * argument or for "--flag=value" given to a flag without argument; a
 * missing argument is always in the last word seen. */
static enum cli_problem cli_flag_word(const struct cli_parser *p, int c, char *buf, size_t size)
{
	const char *w = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "";
	size_t n = strcspn(w, "=");
	bool is_long = strncmp(w, "--", 2) == 0;
	enum cli_problem what = c == ':' ? CLI_MISSING : CLI_UNKNOWN;

	if (is_long && c == '?' && optopt != 0 && w[n] == '=' &&
	    cli_long_is(p, w + 2, n - 2, optopt))
		what = CLI_NO_ARG;
	if (is_long && (what != CLI_UNKNOWN || optopt == 0))
		(void)snprintf(buf, size, "%.*s", (int)n, w);
	else
		(void)snprintf(buf, size, "-%c", optopt);
	return what;
}

/* "exec: unknown option `--bogus` (see `hrun exec --help`)" */
static int cli_bad_option(const struct cli_usage *u, enum cli_problem what, const char *word)
{
	char msg[128];

	if (what == CLI_MISSING)
		(void)snprintf(msg, sizeof(msg), "option `%s` needs an argument", word);
	else if (what == CLI_NO_ARG)
		(void)snprintf(msg, sizeof(msg), "option `%s` takes no argument", word);
	else
		(void)snprintf(msg, sizeof(msg), "unknown option `%s`", word);
	if (!u->name)
		return hrun_err(EINVAL, "%s (see `hrun --help`)", msg);
	return hrun_err(EINVAL, "%s: %s (see `hrun %s --help`)", u->name, msg, u->name);
}

int cli_next(struct cli_parser *p)
{
	int c, idx = -1;
	char word[64];

	p->arg = NULL;
	c = getopt_long(p->argc, p->argv, p->optstring, p->longopts, &idx);
	switch (c) {
	case -1:
		return CLI_DONE;
	case 'h':
		cli_print_help(stdout, p->u);
		return CLI_HELP;
	case ':':
	case '?':
		return cli_bad_option(p->u, cli_flag_word(p, c, word, sizeof(word)), word);
	default:
		p->arg = optarg;
		if (idx >= 0)
			(void)snprintf(p->flag, sizeof(p->flag), "--%s", p->longopts[idx].name);
		else
			(void)snprintf(p->flag, sizeof(p->flag), "-%c", c);
		return c;
	}
}

int cli_optind(const struct cli_parser *p)
{
	(void)p;
	return optind;
}

void cli_print_help(FILE *out, const struct cli_usage *u)
{
	const char *name = u->name ? u->name : "";

	(void)fprintf(out, "Usage: hrun %s%s%s\n%s\n\n", name,
		      *name && u->synopsis && *u->synopsis ? " " : "",
		      u->synopsis ? u->synopsis : "", u->summary);
	if (u->epilog)
		u->epilog(out);
	(void)fputs("Options:\n", out);
	for (const struct cli_opt *o = u->opts; o && o->name; o++) {
		char left[80];

		if (cli_is_short(o->key))
			(void)snprintf(left, sizeof(left), "-%c, --%s%s%s", o->key, o->name,
				       o->arg ? " " : "", o->arg ? o->arg : "");
		else
			(void)snprintf(left, sizeof(left), "    --%s%s%s", o->name,
				       o->arg ? " " : "", o->arg ? o->arg : "");
		(void)fprintf(out, "  %-30s %s\n", left, o->help);
	}
	(void)fprintf(out, "  %-30s %s\n", "-h, --help", "print this help");
}
