/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/hooks.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/util.h"

const char *hooks_kind_name(enum hrun_hook_kind kind)
{
	static const char *const names[HRUN_HOOK_COUNT] = {
		"prestart",       "createRuntime", "createContainer",
		"startContainer", "poststart",     "poststop",
	};
	return kind < HRUN_HOOK_COUNT ? names[kind] : "?";
}

/* In the forked hook process: stdin from the state pipe, then exec. */
static void __attribute__((noreturn)) hook_child(const struct hrun_hook *h, int in_fd)
{
	static char *const empty[] = {NULL};
	char *const fallback_args[] = {h->path, NULL};

	if (dup2(in_fd, STDIN_FILENO) < 0)
		_exit(127);
	(void)util_cloexec_from(3);
	execve(h->path, h->args ? h->args : fallback_args, h->env ? h->env : empty);
	_exit(127);
}

/* Wait for PID via a pidfd, killing it after TIMEOUT seconds (0 = none). */
static int wait_hook(pid_t pid, int timeout, int *ret_status)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (pidfd >= 0 && timeout > 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int n;

		do
			n = poll(&p, 1, timeout * 1000);
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, ret_status, 0);
			(void)close(pidfd);
			return -ETIMEDOUT;
		}
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	while (waitpid(pid, ret_status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int run_one(const struct hrun_hook *h, const char *state_json, const char *what)
{
	int pipefd[2];
	pid_t pid;
	int status = 0, r;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hrun_syserr(errno, "%s: pipe", what);
	pid = fork();
	if (pid < 0) {
		r = errno;
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return hrun_syserr(r, "%s: fork", what);
	}
	if (pid == 0)
		hook_child(h, pipefd[0]);
	(void)close(pipefd[0]);
	/* a hook that does not read its stdin must not block us: SIGPIPE is
	 * avoided by ignoring EPIPE from a short pipe write */
	{
		struct sigaction sa = {.sa_handler = SIG_IGN}, old;

		(void)sigaction(SIGPIPE, &sa, &old);
		(void)util_write_all(pipefd[1], state_json, strlen(state_json));
		(void)sigaction(SIGPIPE, &old, NULL);
	}
	(void)close(pipefd[1]);
	r = wait_hook(pid, h->has_timeout ? h->timeout : 0, &status);
	if (r == -ETIMEDOUT)
		return hrun_err(ETIMEDOUT, "%s: `%s` timed out after %d s", what, h->path, h->timeout);
	if (r < 0)
		return hrun_syserr(-r, "%s: wait for `%s`", what, h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return hrun_err(EIO, "%s: `%s` exited with status %d", what, h->path,
				WEXITSTATUS(status));
	return hrun_err(EIO, "%s: `%s` killed by signal %d", what, h->path, WTERMSIG(status));
}

int hooks_run(const struct hrun_spec *spec, enum hrun_hook_kind kind, const char *state_json)
{
	const struct hrun_hook_list *l = &spec->hooks[kind];
	/* runtime-spec: a failing poststart or poststop hook is a warning,
	 * and the remaining hooks and the lifecycle go on */
	bool warn_only = kind == HRUN_HOOK_POSTSTART || kind == HRUN_HOOK_POSTSTOP;

	for (size_t i = 0; i < l->n; i++) {
		char what[64];
		int r;

		(void)snprintf(what, sizeof(what), "hooks.%s[%zu]", hooks_kind_name(kind), i);
		r = run_one(&l->hooks[i], state_json, what);
		if (r < 0 && !warn_only)
			return r;
		if (r < 0)
			log_warn("%s", hrun_errmsg());
	}
	return 0;
}
