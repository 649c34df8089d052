/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hrun sandbox --report FILE|-`: the verdict (exit code or signal,
 * timeout, OOM, wall and CPU time, peaks, output bytes) and the effective
 * settings, taken from the very config model that ran, so that a CI job
 * can archive what exactly ran.
 */
#define _GNU_SOURCE
#include "hrun/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

#define REPORT_OOM() hrun_err(ENOMEM, "sandbox: --report: out of memory")

static json_t *int_or_null(bool known, int64_t v)
{
	return known ? json_integer((json_int_t)v) : json_null();
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();

	for (; a && v && *v; v++)
		if (json_array_append_new(a, json_string(*v)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* The config's bind mounts: source, destination, ro/rw. */
static json_t *report_binds(json_t *config)
{
	json_t *binds = json_array(), *m;
	size_t i;

	json_array_foreach(json_object_get(config, "mounts"), i, m) {
		const char *type = json_string_value(json_object_get(m, "type"));
		json_t *opt;
		size_t j;
		bool rw = false;

		if (!binds || !type || strcmp(type, "bind") != 0)
			continue;
		json_array_foreach(json_object_get(m, "options"), j, opt)
			rw |= json_is_string(opt) && strcmp(json_string_value(opt), "rw") == 0;
		if (json_array_append_new(binds,
					  json_pack("{s:O, s:O, s:s}", "source",
						    json_object_get(m, "source"), "destination",
						    json_object_get(m, "destination"), "mode",
						    rw ? "rw" : "ro")) < 0) {
			json_decref(binds);
			binds = NULL;
		}
	}
	return binds;
}

static json_t *report_limits(const struct sandbox_opts *o)
{
	return json_pack("{s:o, s:s?, s:o, s:o, s:o}", "memory",
			 int_or_null(o->memory > 0, o->memory), "cpus", o->cpus, "pids",
			 int_or_null(o->pids > 0, o->pids), "timeout_s",
			 o->timeout > 0 ? json_real(o->timeout) : json_null(), "max_output",
			 int_or_null(o->has_max_output, (int64_t)o->max_output));
}

static json_t *report_settings(const struct sandbox_opts *o, json_t *config, const char *policy)
{
	json_t *proc = json_object_get(config, "process");
	json_t *user = json_object_get(proc, "user");
	json_t *caps = json_object_get(json_object_get(proc, "capabilities"), "bounding");
	json_t *ns = json_object_get(json_object_get(config, "linux"), "uidMappings");

	return json_pack("{s:s, s:o, s:s?, s:{s:O, s:O}, s:b, s:O?, s:s, s:o, s:s, s:s?, s:b, s:O}",
			 "rootfs", o->rootfs ? o->rootfs : "host", "binds", report_binds(config),
			 "workdir", o->workdir, "user", "uid", json_object_get(user, "uid"), "gid",
			 json_object_get(user, "gid"), "user_namespace", ns != NULL, "capabilities",
			 caps, "net", "none (loopback only)", "limits", report_limits(o), "seccomp",
			 o->seccomp ? o->seccomp : "default", "policy", policy, "tty", o->tty,
			 "env", json_object_get(proc, "env"));
}

static int report_write(const char *dest, json_t *rep)
{
	_cleanup_free_ char *text = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	_cleanup_close_ int fd = -1;
	int r;

	if (!text)
		return REPORT_OOM();
	if (strcmp(dest, "-") == 0) {
		if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
			return hrun_syserr(errno, "sandbox: --report: write to stdout");
		return 0;
	}
	fd = open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return hrun_syserr(errno, "sandbox: --report `%s`", dest);
	r = util_write_all(fd, text, strlen(text));
	if (r == 0)
		r = util_write_all(fd, "\n", 1);
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = hrun_syserr(errno, "sandbox: --report: close `%s`", dest);
	return r < 0 ? hrun_err_prefix(r, "sandbox: --report `%s`", dest) : 0;
}

int sandbox_report(const struct sandbox_opts *o, const struct sandbox_result *res, json_t *config,
		   const char *policy)
{
	bool normal = res->exited && WIFEXITED(res->status) && !res->interrupted && !res->timed_out;
	bool signaled = res->exited && WIFSIGNALED(res->status);
	json_t *rep;
	int r;

	rep = json_pack("{s:o, s:i, s:o, s:o, s:b, s:o, s:b, s:f, s:f, s:s, s:o, s:o, s:o, s:o, s:b, s:o}",
			"command", strv_json(o->args), "exit_status", sandbox_exit_status(res),
			"exit_code", int_or_null(normal, WEXITSTATUS(res->status)), "signal",
			int_or_null(signaled, WTERMSIG(res->status)), "timed_out", res->timed_out,
			"interrupted", int_or_null(res->interrupted, res->interrupted),
			"oom_killed", res->oom_killed, "wall_s", res->wall_s, "cpu_s", res->cpu_s,
			"cpu_source", res->cpu_source ? res->cpu_source : "none", "memory_peak",
			int_or_null(res->memory_peak >= 0, res->memory_peak), "pids_peak",
			int_or_null(res->pids_peak >= 0, res->pids_peak), "stdout_bytes",
			int_or_null(res->counted, (int64_t)res->bytes[0]), "stderr_bytes",
			int_or_null(res->counted, (int64_t)res->bytes[1]), "truncated",
			res->truncated, "settings", report_settings(o, config, policy));
	if (!rep)
		return REPORT_OOM();
	r = report_write(o->report, rep);
	json_decref(rep);
	return r;
}

int sandbox_report_error(const struct sandbox_opts *o, int status, const char *msg)
{
	json_t *rep = json_pack("{s:o, s:i, s:s}", "command", strv_json(o->args), "exit_status",
				status, "error", msg);
	int r;

	if (!rep)
		return REPORT_OOM();
	r = report_write(o->report, rep);
	json_decref(rep);
	return r;
}
