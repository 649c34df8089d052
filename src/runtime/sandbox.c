/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `hrun sandbox [options] -- CMD [ARGS...]`, the whole life of one
 * sandbox, as a flat list of steps:
 *
 *   1. block SIGINT/SIGTERM/SIGHUP/SIGQUIT (a signalfd reads them: from
 *      here until the end, an interrupted hrun still removes everything;
 *      SIGPIPE blocked too: a closed stdout is an EPIPE, not our death)
 *   2. refuse limits whose cgroup v2 controller is missing (one line
 *      naming the option and the controller)
 *   3. a fresh, empty root directory ROOT/@sandbox/ID (the bundle; the
 *      root.path unless --rootfs), with the host's /bin -> usr/bin style
 *      symlinks recreated in it
 *   4. the config in memory (sandbox_spec.c), as JSON text
 *   5. container_run: the same parser, policy, state, cgroup and
 *      create/run step list as `hrun run`; sandbox_wait (sandbox_run.c)
 *      relays the output, enforces --timeout and reaps CMD
 *   6. the report, then the root directory removed (the container's
 *      state and cgroup are removed by container_run)
 */
#define _GNU_SOURCE
#include "hrun/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/container.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/policy.h"
#include "hrun/state.h"
#include "hrun/util.h"

#define SBX_OOM() hrun_err(ENOMEM, "sandbox: out of memory")
#define SANDBOX_DIR "@sandbox" /* under the state root; '@' is never an id */

struct sandbox {
	const struct sandbox_opts *o;
	char id[64];
	char *dir;     /* ROOT/@sandbox/ID, NULL until made */
	int parent_fd; /* ROOT/@sandbox */
	sigset_t old_mask;
	json_t *config;
	char *policy; /* the policy that applied (report) */
	struct sandbox_wait w;
};

/* ------------------------------------------------------------ 1: signals -- */

static int block_signals(struct sandbox *s)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH };
	sigset_t set;

	(void)sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		(void)sigaddset(&set, sigs[i]);
	s->w.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->w.sigfd < 0)
		return hrun_syserr(errno, "sandbox: signalfd");
	(void)sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, &s->old_mask) < 0)
		return hrun_syserr(errno, "sandbox: block signals");
	return 0;
}

/* ------------------------------------------------------------- 2: limits -- */

static int require_controller(const char *opt, const char *ctrl)
{
	const char *root = cgroup_root();
	_cleanup_free_ char *path = NULL, *text = NULL;

	if (!root)
		return hrun_err(ENOTSUP,
				"%s: needs the cgroup v2 %s controller, and this host has no cgroup v2 "
				"hierarchy",
				opt, ctrl);
	if (asprintf(&path, "%s/cgroup.controllers", root) < 0)
		return SBX_OOM();
	if (util_read_file(path, 1 << 16, &text, NULL) < 0)
		return hrun_err_prefix(-EIO, "%s: needs the cgroup v2 %s controller", opt, ctrl);
	for (char *save = NULL, *t = strtok_r(text, " \n", &save); t;
	     t = strtok_r(NULL, " \n", &save))
		if (strcmp(t, ctrl) == 0)
			return 0;
	return hrun_err(ENOTSUP,
			"%s: needs the cgroup v2 %s controller, which the hierarchy at `%s` does not have",
			opt, ctrl, root);
}

static int check_limits(const struct sandbox_opts *o)
{
	int r = 0;

	if (o->memory)
		r = require_controller("--memory", "memory");
	if (r == 0 && o->cpu_quota)
		r = require_controller("--cpus", "cpu");
	if (r == 0 && o->pids)
		r = require_controller("--pids", "pids");
	return r;
}

/* --------------------------------------------------------- 3: root dir -- */

static int make_id(struct sandbox *s)
{
	uint32_t rnd;

	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return hrun_syserr(errno, "sandbox: getrandom");
	(void)snprintf(s->id, sizeof(s->id), "sandbox-%d-%08x", (int)getpid(), rnd);
	return 0;
}

/* ROOT/@sandbox: ours (owner, mode 0700), a directory, not a symlink */
static int open_parent(struct sandbox *s)
{
	_cleanup_free_ char *path = NULL;
	struct stat st;
	int r = state_ensure_root(s->o->root);

	if (r < 0)
		return r;
	if (asprintf(&path, "%s/" SANDBOX_DIR, s->o->root) < 0)
		return SBX_OOM();
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return hrun_syserr(errno, "sandbox: create `%s`", path);
	s->parent_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->parent_fd < 0)
		return hrun_syserr(errno, "sandbox: open `%s`", path);
	if (fstat(s->parent_fd, &st) < 0)
		return hrun_syserr(errno, "sandbox: stat `%s`", path);
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		return hrun_err(EPERM,
				"sandbox: `%s` must be a mode-0700 directory owned by uid %u", path,
				(unsigned)geteuid());
	return 0;
}

/* /bin -> usr/bin on the host: the same symlink in the sandbox's root */
static int copy_symlinks(int dirfd)
{
	for (size_t i = 0; sandbox_host_dirs[i]; i++) {
		char target[PATH_MAX];
		ssize_t n = readlink(sandbox_host_dirs[i], target, sizeof(target) - 1);

		if (n < 0 && (errno == EINVAL || errno == ENOENT))
			continue; /* a directory (bound) or absent */
		if (n < 0)
			return hrun_syserr(errno, "sandbox: readlink `%s`", sandbox_host_dirs[i]);
		target[n] = '\0';
		if (symlinkat(target, dirfd, sandbox_host_dirs[i] + 1) < 0)
			return hrun_syserr(errno, "sandbox: symlink `%s`", sandbox_host_dirs[i]);
	}
	return 0;
}

static int make_root_dir(struct sandbox *s)
{
	_cleanup_close_ int fd = -1;
	int r;

	r = open_parent(s);
	if (r < 0)
		return r;
	if (mkdirat(s->parent_fd, s->id, 0755) < 0)
		return hrun_syserr(errno, "sandbox: create the root directory `%s`", s->id);
	if (asprintf(&s->dir, "%s/" SANDBOX_DIR "/%s", s->o->root, s->id) < 0) {
		(void)unlinkat(s->parent_fd, s->id, AT_REMOVEDIR);
		return SBX_OOM();
	}
	/* mkdir obeys the umask: the container user must be able to enter */
	fd = openat(s->parent_fd, s->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hrun_syserr(errno, "sandbox: open `%s`", s->dir);
	if (fchmod(fd, 0755) < 0)
		return hrun_syserr(errno, "sandbox: chmod `%s`", s->dir);
	return s->o->rootfs ? 0 : copy_symlinks(fd);
}

/* Remove what the runtime made in our root dir: mount points (empty
 * directories and files) and our symlinks; never across a mount. */
static void remove_tree(int parent, const char *name, dev_t dev, int depth)
{
	struct stat st;
	DIR *d;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || st.st_dev != dev || depth > 64) {
		if (!S_ISDIR(st.st_mode))
			(void)unlinkat(parent, name, 0);
		return;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			(void)close(fd);
		return;
	}
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			remove_tree(dirfd(d), de->d_name, dev, depth + 1);
	(void)closedir(d);
	(void)unlinkat(parent, name, AT_REMOVEDIR);
}

static void remove_root_dir(struct sandbox *s)
{
	struct stat st;

	if (!s->dir || fstat(s->parent_fd, &st) < 0)
		return;
	remove_tree(s->parent_fd, s->id, st.st_dev, 0);
	if (fstatat(s->parent_fd, s->id, &st, AT_SYMLINK_NOFOLLOW) == 0)
		log_warn("sandbox: could not remove `%s`", s->dir);
}

/* ------------------------------------------------------------ 4, 5: run -- */

static int make_pipes(struct sandbox *s)
{
	for (int i = 0; i < 2; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return hrun_syserr(errno, "sandbox: pipe");
		s->w.out[i] = p[0];
		s->w.wr[i] = p[1];
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
			return hrun_syserr(errno, "sandbox: pipe");
	}
	return 0;
}

static int run(struct sandbox *s)
{
	const struct sandbox_opts *o = s->o;
	struct sandbox_target t = { .rootfs = o->rootfs ? o->rootfs : s->dir,
				    .rootless = geteuid() != 0 };
	int stdio[3] = { -1, -1, -1 };
	const struct container_waiter waiter = { sandbox_wait, &s->w };
	struct hrun_create_opts co = {
		.root = o->root,
		.id = s->id,
		.bundle = s->dir,
		.policy = o->policy,
		.config_name = "sandbox config",
		.waiter = &waiter,
	};
	_cleanup_free_ char *text = NULL;
	int r;

	sandbox_default_user(o, &t.uid, &t.gid);
	r = sandbox_spec_build(o, &t, &s->config);
	if (r < 0)
		return r;
	if (!(text = json_dumps(s->config, JSON_COMPACT)))
		return SBX_OOM();
	co.config_text = text;
	co.config_len = strlen(text);
	/* no relay (and no cost) unless the output is capped or counted */
	if (!o->tty && (o->has_max_output || o->report)) {
		r = make_pipes(s);
		if (r < 0)
			return r;
		stdio[1] = s->w.wr[0];
		stdio[2] = s->w.wr[1];
		co.stdio = stdio;
	}
	r = policy_resolve(o->policy, &s->policy);
	if (r < 0)
		return r;
	return container_run(&co);
}

static void sandbox_free(struct sandbox *s)
{
	for (int i = 0; i < 2; i++) {
		if (s->w.out[i] >= 0)
			(void)close(s->w.out[i]);
		if (s->w.wr[i] >= 0)
			(void)close(s->w.wr[i]);
	}
	if (s->w.sigfd >= 0)
		(void)close(s->w.sigfd);
	if (s->parent_fd >= 0)
		(void)close(s->parent_fd);
	json_decref(s->config);
	free(s->policy);
	free(s->dir);
	(void)sigprocmask(SIG_SETMASK, &s->old_mask, NULL);
}

int sandbox_error_status(int err)
{
	/* process_find_executable's lines: CMD missing or not executable */
	if (strncmp(hrun_errmsg(), "exec: `", 7) == 0 && err == -ENOENT)
		return SANDBOX_EXIT_NOTFOUND;
	if (strncmp(hrun_errmsg(), "exec: `", 7) == 0 && err == -EACCES)
		return SANDBOX_EXIT_NOEXEC;
	return SANDBOX_EXIT_SETUP;
}

int sandbox_main(const struct sandbox_opts *o)
{
	struct sandbox s = { .o = o,
			     .parent_fd = -1,
			     .w = { .o = o, .sigfd = -1, .out = { -1, -1 }, .wr = { -1, -1 } } };
	char saved[HRUN_ERRMSG_MAX];
	int r;

	(void)sigprocmask(SIG_SETMASK, NULL, &s.old_mask);
	r = block_signals(&s);
	if (r == 0)
		r = check_limits(o);
	if (r == 0)
		r = make_id(&s);
	if (r == 0)
		r = make_root_dir(&s);
	if (r == 0)
		r = run(&s);
	/* the container is gone (container_run removed its state and cgroup) */
	(void)snprintf(saved, sizeof(saved), "%s", hrun_errmsg());
	if (o->report && r < 0) {
		(void)sandbox_report_error(o, sandbox_error_status(r), saved);
	} else if (o->report) {
		int rr = sandbox_report(o, &s.w.res, s.config, s.policy);

		if (rr < 0) { /* a CI job needs it: fail */
			r = rr;
			(void)snprintf(saved, sizeof(saved), "%s", hrun_errmsg());
		}
	}
	remove_root_dir(&s);
	sandbox_free(&s);
	hrun_err_set(saved);
	return r;
}
