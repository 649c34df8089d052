/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hrun sandbox` while CMD runs: one poll loop over the init's pidfd, the
 * output pipes (or the pty), the signals hrun gets and the --timeout
 * deadline. Output is counted and forwarded up to --max-output, then
 * drained and dropped; the timeout and SIGINT/SIGTERM/SIGHUP/SIGQUIT kill
 * the WHOLE sandbox (the init is pid 1 of its pid namespace: every process
 * dies with it; cgroup.kill too where a cgroup exists). Then the figures
 * of the report, read while the cgroup still exists.
 */
#define _GNU_SOURCE
#include "hrun/sandbox.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/terminal.h"
#include "hrun/util.h"

/* after CMD's exit, the output still buffered is read for at most this */
#define DRAIN_MS 2000

struct loop {
	struct sandbox_wait *w;
	const struct container_running *run;
	int in[2];	    /* CMD's stdout/stderr (or the pty master as [0]), -1: closed */
	bool broken[2];	    /* our stdout/stderr failed: count, stop forwarding */
	uint64_t forwarded; /* stdout + stderr, against --max-output */
	bool stdin_open;    /* tty: our stdin -> the pty */
	bool exited;
	double deadline; /* monotonic seconds, 0: none */
};

static double now_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void kill_sandbox(const struct container_running *run)
{
	/* the pidfd: never a recycled pid; pid 1 dying takes its namespace */
	(void)syscall(SYS_pidfd_send_signal, run->pidfd, SIGKILL, NULL, 0);
	if (run->cgroup_path)
		(void)cgroup_kill_all(run->cgroup_path, SIGKILL);
}

/* Forward what may still be forwarded of N bytes read from stream I. */
static void forward(struct loop *l, int i, const char *buf, size_t n)
{
	const struct sandbox_opts *o = l->w->o;
	size_t fwd = n;

	l->w->res.bytes[i] += n;
	if (o->has_max_output) {
		uint64_t left = o->max_output > l->forwarded ? o->max_output - l->forwarded : 0;

		if (n > left) {
			fwd = (size_t)left;
			if (!l->w->res.truncated)
				log_warn("sandbox: output truncated at %" PRIu64
					 " bytes (--max-output)",
					 o->max_output);
			l->w->res.truncated = true;
		}
	}
	l->forwarded += fwd;
	if (fwd && !l->broken[i] &&
	    util_write_all(i == 0 ? STDOUT_FILENO : STDERR_FILENO, buf, fwd) < 0) {
		hrun_err_clear();
		l->broken[i] = true; /* e.g. a closed pipe (SIGPIPE is blocked) */
	}
}

static void pump(struct loop *l, int i)
{
	char buf[65536];
	ssize_t n = read(l->in[i], buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) { /* EOF, or EIO: the pty's last slave is closed */
		if (!(l->w->o->tty && i == 0))
			(void)close(l->in[i]);
		l->in[i] = -1;
		return;
	}
	forward(l, i, buf, (size_t)n);
}

static void pump_stdin(struct loop *l)
{
	char buf[8192];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0 || util_write_all(l->run->tty_master, buf, (size_t)n) < 0) {
		hrun_err_clear();
		l->stdin_open = false;
	}
}

static void on_signal(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->w->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			if (l->run->tty_master >= 0)
				terminal_copy_winsize(STDIN_FILENO, l->run->tty_master);
			continue;
		}
		if (!l->w->res.interrupted && !l->exited) {
			l->w->res.interrupted = (int)si.ssi_signo;
			kill_sandbox(l->run);
		}
	}
}

static int poll_timeout(const struct loop *l, double exited_at)
{
	double end = l->exited ? exited_at + DRAIN_MS / 1000.0 : l->deadline;
	double left;

	if (end == 0)
		return -1;
	left = end - now_s();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* Until CMD exited and its output is drained. */
static int loop_run(struct loop *l, double start)
{
	double exited_at = 0;

	while (!l->exited || l->in[0] >= 0 || l->in[1] >= 0) {
		struct pollfd p[5] = {
			{ .fd = l->exited ? -1 : l->run->pidfd, .events = POLLIN },
			{ .fd = l->in[0], .events = POLLIN },
			{ .fd = l->in[1], .events = POLLIN },
			{ .fd = l->w->sigfd, .events = POLLIN },
			{ .fd = l->stdin_open && !l->exited ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int n = poll(p, 5, poll_timeout(l, exited_at));

		if (n < 0 && errno != EINTR)
			return hrun_syserr(errno, "sandbox: poll");
		if (n == 0 && l->exited)
			break; /* something outlived CMD holding the output open */
		if (n == 0 && l->deadline && now_s() >= l->deadline) {
			l->w->res.timed_out = true;
			l->deadline = 0;
			kill_sandbox(l->run);
		}
		if (n <= 0)
			continue;
		for (int i = 0; i < 2; i++)
			if (p[1 + i].revents)
				pump(l, i);
		if (p[3].revents & POLLIN)
			on_signal(l);
		if (p[4].revents)
			pump_stdin(l);
		if (p[0].revents & POLLIN) {
			l->exited = true;
			exited_at = now_s();
			l->w->res.wall_s = exited_at - start;
		}
	}
	return 0;
}

static int64_t read_key(const char *cg, const char *file, const char *key)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t klen = strlen(key);

	if (asprintf(&path, "%s/%s", cg, file) < 0 ||
	    util_read_file(path, 1 << 16, &text, NULL) < 0) {
		hrun_err_clear();
		return -1;
	}
	for (char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return strtoll(line + klen + 1, NULL, 10);
	return -1;
}

static int64_t read_value(const char *cg, const char *file)
{
	_cleanup_free_ char *path = NULL, *text = NULL;

	if (asprintf(&path, "%s/%s", cg, file) < 0 ||
	    util_read_file(path, 1 << 16, &text, NULL) < 0) {
		hrun_err_clear();
		return -1;
	}
	return strtoll(text, NULL, 10);
}

/* The cgroup's figures where its controllers give them, else rusage. */
static void collect_stats(struct sandbox_result *res, const struct container_running *run,
			  const struct rusage *ru)
{
	int64_t usec = run->cgroup_path ? read_key(run->cgroup_path, "cpu.stat", "usage_usec") : -1;

	res->memory_peak = res->pids_peak = -1;
	if (usec >= 0) {
		res->cpu_s = (double)usec / 1e6;
		res->cpu_source = "cgroup";
	} else {
		res->cpu_s = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
			     (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
		res->cpu_source = "rusage";
	}
	if (!run->cgroup_path)
		return;
	res->memory_peak = read_value(run->cgroup_path, "memory.peak");
	res->pids_peak = read_value(run->cgroup_path, "pids.peak");
	res->oom_killed = read_key(run->cgroup_path, "memory.events", "oom_kill") > 0;
}

int sandbox_wait(void *arg, const struct container_running *run)
{
	struct sandbox_wait *w = arg;
	struct loop l = {
		.w = w,
		.run = run,
		.in = { w->out[0], w->out[1] },
		.stdin_open = run->tty_master >= 0,
	};
	struct termios saved;
	bool raw = false, counted = w->out[0] >= 0 || run->tty_master >= 0;
	struct rusage ru;
	double start = now_s();
	int status, r;

	if (w->o->timeout > 0)
		l.deadline = start + w->o->timeout;
	if (run->tty_master >= 0) {
		l.in[0] = run->tty_master;
		raw = terminal_raw(&saved);
		terminal_copy_winsize(STDIN_FILENO, run->tty_master);
	}
	/* CMD runs: only it may hold the write ends (EOF when it is gone);
	 * the read ends now belong to the loop, closed as they reach EOF */
	for (int i = 0; i < 2; i++) {
		if (w->wr[i] >= 0)
			(void)close(w->wr[i]);
		w->wr[i] = w->out[i] = -1;
	}
	r = loop_run(&l, start);
	if (raw)
		terminal_restore(&saved);
	for (int i = 0; i < 2; i++)
		if (l.in[i] >= 0 && l.in[i] != run->tty_master)
			(void)close(l.in[i]);
	if (r < 0)
		return r;
	while (wait4(run->pid, &status, 0, &ru) < 0) {
		if (errno != EINTR)
			return hrun_syserr(errno, "sandbox: wait for CMD");
	}
	w->res.exited = true;
	w->res.status = status;
	w->res.counted = counted;
	collect_stats(&w->res, run, &ru);
	return sandbox_exit_status(&w->res);
}

int sandbox_exit_status(const struct sandbox_result *res)
{
	if (res->timed_out)
		return SANDBOX_EXIT_TIMEOUT;
	if (res->interrupted)
		return 128 + res->interrupted;
	if (WIFEXITED(res->status))
		return WEXITSTATUS(res->status);
	return 128 + WTERMSIG(res->status);
}
