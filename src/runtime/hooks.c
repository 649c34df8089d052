/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/hooks.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/prctl.h>
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

/* In the forked hook process: stdin from the state pipe, then exec. A
 * hook dies with the runtime that runs it (a killed create leaves none). */
static void __attribute__((noreturn)) hook_child(const struct hrun_hook *h, int in_fd, pid_t parent)
{
	char *const fallback_args[] = {h->path, NULL};

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		_exit(127);
	/* its own process group: a timeout kills what it started too */
	if (setpgid(0, 0) < 0 || dup2(in_fd, STDIN_FILENO) < 0)
		_exit(127);
	(void)util_cloexec_from(3);
	/* no "env": the runtime's own environment, as runc (Go's exec.Cmd
	 * with a nil Env) and crun do; "env": [] is an empty one */
	execve(h->path, h->args ? h->args : fallback_args, h->env ? h->env : environ);
	_exit(127);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The deadline of a timeout in seconds (0 = none: INT64_MAX). Timeouts
 * beyond ~292 million years saturate instead of overflowing. */
static int64_t deadline_of(int64_t timeout)
{
	int64_t now = now_ms();

	if (timeout <= 0 || timeout > (INT64_MAX - now) / 1000)
		return INT64_MAX;
	return now + timeout * 1000;
}

/* poll(2) takes an int of milliseconds: wait in slices up to DEADLINE. */
static int poll_until(struct pollfd *p, nfds_t n, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline == INT64_MAX ? INT_MAX : deadline - now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(p, n, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0 || left <= INT_MAX)
			return r < 0 ? -errno : r;
	}
}

/* Feed the state to the hook's stdin without ever blocking past the
 * deadline: the pipe is non-blocking and we stop when the hook exits or
 * closes its stdin. Returns 0, or -ETIMEDOUT. */
static int feed_state(int wfd, int pidfd, const char *text, int64_t deadline)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		struct pollfd p[2] = {{.fd = wfd, .events = POLLOUT}, {.fd = pidfd, .events = POLLIN}};
		ssize_t n = write(wfd, text + off, len - off);
		int r;

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return 0; /* EPIPE: the hook does not want it */
		r = poll_until(p, pidfd >= 0 ? 2 : 1, deadline);
		if (r == 0)
			return -ETIMEDOUT; /* the caller records */
		if (r < 0 || (p[0].revents & (POLLERR | POLLHUP)) || (p[1].revents & POLLIN))
			return 0;
	}
	return 0;
}

/* Wait for PID (pidfd PIDFD) until DEADLINE, then kill it. */
static int wait_hook(pid_t pid, int pidfd, int64_t deadline, int *ret_status)
{
	if (pidfd >= 0 && deadline != INT64_MAX) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};

		if (poll_until(&p, 1, deadline) == 0) {
			(void)kill(-pid, SIGKILL);
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			(void)waitpid(pid, ret_status, 0);
			return -ETIMEDOUT; /* the caller records */
		}
	}
	while (waitpid(pid, ret_status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int spawn_hook(const struct hrun_hook *h, const char *what, int *ret_wfd, pid_t *ret_pid)
{
	pid_t parent = getpid(), pid;
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hrun_syserr(errno, "%s: pipe", what);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return hrun_syserr(e, "%s: fork", what);
	}
	if (pid == 0)
		hook_child(h, pipefd[0], parent);
	(void)close(pipefd[0]);
	if (fcntl(pipefd[1], F_SETFL, O_NONBLOCK) < 0) {
		int e = errno;

		(void)close(pipefd[1]);
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		return hrun_syserr(e, "%s: pipe", what);
	}
	*ret_wfd = pipefd[1];
	*ret_pid = pid;
	return 0;
}

static int run_one(const struct hrun_hook *h, const char *state_json, const char *what)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	int64_t deadline = deadline_of(h->has_timeout ? h->timeout : 0);
	int status = 0, wfd = -1, pidfd, r;
	pid_t pid = 0;

	r = spawn_hook(h, what, &wfd, &pid);
	if (r < 0)
		return r;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* a hook that closes its stdin early gets no SIGPIPE into us */
	(void)sigaction(SIGPIPE, &ign, &old);
	r = feed_state(wfd, pidfd, state_json, deadline);
	(void)sigaction(SIGPIPE, &old, NULL);
	(void)close(wfd);
	if (r == 0)
		r = wait_hook(pid, pidfd, deadline, &status);
	else {
		(void)kill(-pid, SIGKILL);
		(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		(void)waitpid(pid, &status, 0);
	}
	if (pidfd >= 0)
		(void)close(pidfd);
	if (r == -ETIMEDOUT)
		return hrun_err(ETIMEDOUT, "%s: `%s` timed out after %" PRId64 " s", what, h->path,
				h->timeout);
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

int hooks_run_state(const struct hrun_spec *spec, enum hrun_hook_kind kind,
		    const struct hrun_state *st, enum hrun_status status)
{
	json_t *j;
	char *text;
	int r;

	if (!spec->hooks[kind].n)
		return 0;
	j = state_to_json(st, status);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return hrun_err(ENOMEM, "hooks.%s: encode the state", hooks_kind_name(kind));
	r = hooks_run(spec, kind, text);
	free(text);
	return r;
}
