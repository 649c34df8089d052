/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hrun ps [--format table|json] ID [--] [PS-OPTIONS...]`, as runc: the
 * table is ps(1) run with -e and PS-OPTIONS (default -ef), its header and the lines
 * whose PID column names a process of the container's cgroup; json is the
 * list of pids.
 */
#define _GNU_SOURCE
#include "cmd_ps.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/lifecycle.h"
#include "hrun/util.h"
#include "options.h"

extern char **environ;

/* ps(1)'s whole output, run with ARGV (argv[0] = "ps"). */
static int ps_capture(char **argv, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	posix_spawn_file_actions_t fa;
	size_t len = 0, cap = 0;
	int p[2], status, r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return hrun_syserr(errno, "ps: pipe");
	(void)posix_spawn_file_actions_init(&fa);
	(void)posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	r = posix_spawnp(&pid, "ps", &fa, NULL, argv, environ);
	(void)posix_spawn_file_actions_destroy(&fa);
	(void)close(p[1]);
	if (r) {
		(void)close(p[0]);
		return hrun_syserr(r, "ps: run ps(1)");
	}
	for (;;) {
		ssize_t n;

		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 16384);

			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	(void)close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return hrun_err(-r, "ps: read the output of ps(1)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hrun_err(EINVAL, "ps: ps(1) failed (exit status %d)",
				WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

/* Index of the "PID" column in HEADER, or -1. */
static int ps_pid_column(const char *header)
{
	_cleanup_free_ char *h = strdup(header);
	char *save = NULL;
	int i = 0;

	if (!h)
		return -1;
	for (char *t = strtok_r(h, " \t", &save); t; t = strtok_r(NULL, " \t", &save), i++)
		if (strcmp(t, "PID") == 0)
			return i;
	return -1;
}

static bool ps_line_has_pid(const char *line, int col, const pid_t *pids, size_t n)
{
	const char *p = line;
	long v;

	for (int i = 0; i < col; i++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	v = strtol(p, NULL, 10);
	for (size_t i = 0; i < n; i++)
		if (pids[i] == v && v > 0)
			return true;
	return false;
}

static int ps_table(const pid_t *pids, size_t n, char **ps_args, int n_args)
{
	_cleanup_free_ char **argv = calloc((size_t)n_args + 3, sizeof(*argv));
	_cleanup_free_ char *out = NULL;
	char *line, *save = NULL;
	size_t len;
	int col, r;

	if (!argv)
		return hrun_err(ENOMEM, "ps: out of memory");
	argv[0] = (char *)"ps";
	/* every process, so the filter can find the container's: runc's
	 * `ps ID -o pid,args` would show only our own terminal's */
	argv[1] = (char *)(n_args == 0 ? "-ef" : "-e");
	for (int i = 0; i < n_args; i++)
		argv[i + 2] = ps_args[i];
	r = ps_capture(argv, &out, &len);
	if (r < 0)
		return r;
	line = strtok_r(out, "\n", &save);
	col = line ? ps_pid_column(line) : -1;
	if (col < 0)
		return hrun_err(EINVAL, "ps: the output of ps(1) has no PID column");
	(void)printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)))
		if (ps_line_has_pid(line, col, pids, n))
			(void)printf("%s\n", line);
	return 0;
}

static const struct cli_opt ps_opts[] = {
	{"format", 'f', "table|json", "output format (default table: ps(1)'s lines)"},
	{0},
};
/* options stop at the id: ps(1)'s own options follow it */
const struct cli_usage cmd_ps_usage = {
	"ps", "[options] ID [--] [PS-OPTIONS...]", "list the processes of a container", ps_opts,
	CLI_STOP_AT_ARG};

int cmd_ps_main(const char *root, int argc, char **argv)
{
	_cleanup_free_ pid_t *pids = NULL;
	struct cli_parser p;
	bool json = false;
	const char *id;
	size_t n = 0;
	int c, r;

	cli_begin(&p, &cmd_ps_usage, argc, argv);
	while ((c = cli_next(&p)) > CLI_HELP) {
		if (strcmp(p.arg, "json") != 0 && strcmp(p.arg, "table") != 0)
			return hrun_err(EINVAL, "ps: --format: expected table or json, got `%s`", p.arg);
		json = strcmp(p.arg, "json") == 0;
	}
	if (c != CLI_DONE)
		return cli_status(c);
	if (optind >= argc)
		return hrun_err(EINVAL, "ps: missing container id");
	id = argv[optind++];
	if (optind < argc && strcmp(argv[optind], "--") == 0)
		optind++;
	if (json && optind < argc)
		return hrun_err(EINVAL, "ps: ps options cannot be used with --format json");
	r = lifecycle_pids(root, id, &pids, &n);
	if (r < 0)
		return r;
	if (json) {
		(void)printf("[");
		for (size_t i = 0; i < n; i++)
			(void)printf("%s%d", i ? "," : "", pids[i]);
		(void)printf("]\n");
		return 0;
	}
	return ps_table(pids, n, argv + optind, argc - optind);
}
