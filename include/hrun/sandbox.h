/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SANDBOX_H
#define HRUN_SANDBOX_H

/*
 * `hrun sandbox [options] -- CMD [ARGS...]`: a config built in memory with
 * `hrun spec`'s hardened defaults (sandbox_spec.c), run in the foreground
 * through the same parser, policy and create/run path as `hrun run`, with
 * an output relay, a timeout and a JSON report (sandbox_run.c), and
 * everything removed afterwards (sandbox.c). See hrun-sandbox(1).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "hrun/container.h"

/* Exit statuses of `hrun sandbox` besides CMD's own (128+N: signal N). */
#define SANDBOX_EXIT_TIMEOUT 124  /* --timeout expired (as timeout(1)) */
#define SANDBOX_EXIT_SETUP 125	  /* the sandbox could not be set up (as podman run) */
#define SANDBOX_EXIT_NOEXEC 126	  /* CMD found but not executable */
#define SANDBOX_EXIT_NOTFOUND 127 /* CMD not found */

struct sandbox_bind {
	char *source;	   /* absolute, resolved on the host */
	char *destination; /* absolute, in the sandbox */
	bool rw;
};

struct sandbox_opts {
	const char *root; /* state root (--root) */
	char *rootfs;	  /* --rootfs, resolved; NULL: the host's /usr, /bin, ..., /etc */
	struct sandbox_bind *binds;
	size_t n_binds;
	char *workdir; /* --workdir, resolved; NULL: none (cwd "/") */
	char **env;    /* --env K=V, NULL-terminated (may be NULL) */
	bool has_user;
	uid_t uid;
	gid_t gid;
	uint64_t caps;	   /* --cap-add: bit n = capability n */
	int64_t memory;	   /* --memory bytes, 0: none */
	int64_t cpu_quota; /* --cpus * period, 0: none */
	int64_t pids;	   /* --pids, 0: none */
	const char *cpus;  /* --cpus as given (report) */
	double timeout;	   /* --timeout seconds, 0: none */
	bool has_max_output;
	uint64_t max_output; /* --max-output bytes (stdout + stderr together) */
	const char *seccomp; /* --seccomp PROFILE; NULL: "default" */
	const char *policy;  /* --policy */
	bool tty;	     /* --tty */
	const char *report;  /* --report FILE, "-" = stdout; NULL: none */
	char **args;	     /* CMD ARGS..., NULL-terminated, not owned */
};

#define SANDBOX_CPU_PERIOD 100000

/* The host directories the default root binds read-only (those that
 * exist; a symlink, like /bin -> usr/bin, is recreated as a symlink). */
extern const char *const sandbox_host_dirs[];

/* The resolved identity and paths the config is built for. */
struct sandbox_target {
	const char *rootfs; /* root.path: --rootfs or the sandbox's own empty dir */
	bool rootless;	    /* a non-root caller: user namespace mapping it */
	uid_t uid;	    /* process.user */
	gid_t gid;
};

/* Build the config object (caller json_decref's it): `hrun spec`'s
 * hardened defaults (specgen_build) with the sandbox's options applied. */
int sandbox_spec_build(const struct sandbox_opts *o, const struct sandbox_target *t, json_t **ret);

/* The default user: --user, else the caller (rootless), else the owner
 * of --workdir when that is not root, else 65534:65534. */
void sandbox_default_user(const struct sandbox_opts *o, uid_t *ret_uid, gid_t *ret_gid);

/* What happened (sandbox_run.c fills it). */
struct sandbox_result {
	int status; /* wait status of CMD, valid when exited */
	bool exited;
	bool timed_out;
	int interrupted; /* signal hrun got and ended the sandbox for, 0: none */
	bool oom_killed;
	double wall_s;
	double cpu_s;
	const char *cpu_source; /* "cgroup" or "rusage" */
	int64_t memory_peak;	/* bytes, -1: unknown */
	int64_t pids_peak;	/* -1: unknown */
	uint64_t bytes[2];	/* written by CMD to stdout, stderr (when counted) */
	bool counted;		/* bytes[] are known (output relayed) */
	bool truncated;
};

/* The wait loop's inputs (sandbox_run.c). */
struct sandbox_wait {
	const struct sandbox_opts *o;
	int sigfd;  /* signalfd: SIGINT, SIGTERM, SIGHUP, SIGQUIT (+ SIGWINCH) */
	int out[2]; /* read ends of CMD's stdout/stderr pipes, -1: not relayed */
	int wr[2];  /* their write ends (the container's): closed when it runs */
	struct sandbox_result res;
};

/* The container_waiter callback: relay, timeout, signals, reap, stats. */
int sandbox_wait(void *arg, const struct container_running *run);

/* The exit status for a finished sandbox (see SANDBOX_EXIT_*). */
int sandbox_exit_status(const struct sandbox_result *res);

/* Write the JSON report to o->report (FILE or "-"): the verdict and the
 * effective settings (CONFIG: the model that ran). */
int sandbox_report(const struct sandbox_opts *o, const struct sandbox_result *res, json_t *config,
		   const char *policy);

/* A report for a sandbox that could not be set up: STATUS and MSG. */
int sandbox_report_error(const struct sandbox_opts *o, int status, const char *msg);

/* The exit status for a failed sandbox (ERR and the recorded message):
 * 127 CMD not found, 126 not executable, else 125. */
int sandbox_error_status(int err);

/* `hrun sandbox` once its command line is parsed: CMD's exit status (see
 * the SANDBOX_EXIT_* codes), or a negative errno with the message recorded
 * (the command exits SANDBOX_EXIT_SETUP, 126 or 127 then). */
int sandbox_main(const struct sandbox_opts *o);

#endif
