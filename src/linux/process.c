/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/caps.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/lsm.h"
#include "hrun/util.h"

static int write_sysctl(const char *key, const char *value)
{
	char path[PATH_MAX];
	size_t n;

	if (!*key || *key == '/' || *key == '.' || strstr(key, ".."))
		return hrun_err(EINVAL, "linux.sysctl: invalid key `%s`", key);
	n = (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", key);
	if (n >= sizeof(path))
		return hrun_err(ENAMETOOLONG, "linux.sysctl: key `%s` too long", key);
	/* "net.ipv4.ip_forward" -> /proc/sys/net/ipv4/ip_forward (keys
	 * already written with '/' are taken as they are) */
	if (!strchr(key, '/'))
		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
	if (util_write_file(path, value, strlen(value)) < 0)
		return hrun_err_prefix(-EINVAL, "linux.sysctl.%s", key);
	return 0;
}

int process_set_kernel_params(const struct hrun_spec *spec)
{
	const struct hrun_linux *l = &spec->linux_cfg;
	int r;

	for (size_t i = 0; i < l->n_sysctl; i++) {
		r = write_sysctl(l->sysctl[i].key, l->sysctl[i].value);
		if (r < 0)
			return r;
	}
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return hrun_syserr(errno, "hostname: sethostname `%s`", spec->hostname);
	if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
		return hrun_syserr(errno, "domainname: setdomainname `%s`", spec->domainname);
	return 0;
}

int process_set_limits(const struct hrun_process *proc, const struct hrun_linux *l)
{
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		const struct hrun_rlimit *rl = &proc->rlimits[i];
		struct rlimit lim = {.rlim_cur = rl->soft, .rlim_max = rl->hard};

		if (setrlimit((__rlimit_resource_t)rl->resource, &lim) < 0)
			return hrun_syserr(errno, "process.rlimits[%zu]: setrlimit", i);
	}
	if (l->has_personality && personality(l->personality) < 0)
		return hrun_syserr(errno, "linux.personality");
	return 0;
}

int process_set_oom_score_adj(pid_t pid, const struct hrun_process *proc)
{
	char path[64], buf[16];
	int n;

	if (!proc->has_oom_score_adj)
		return 0;
	n = snprintf(buf, sizeof(buf), "%d", proc->oom_score_adj);
	(void)snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", pid);
	if (util_write_file(path, buf, (size_t)n) < 0)
		return hrun_err_prefix(-EPERM, "process.oomScoreAdj");
	return 0;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, len) == 0 && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

/* the home field of the first /etc/passwd line whose uid field is uid */
static char *passwd_home(const char *text, uint32_t uid)
{
	char want[16];
	size_t wl = (size_t)snprintf(want, sizeof(want), "%u", uid);
	const char *line = text;

	while (*line) {
		const char *f[7], *end = strchrnul(line, '\n'), *p = line;
		int n = 0;

		for (; n < 7 && p <= end; n++) {
			f[n] = p;
			p = memchr(p, ':', (size_t)(end - p));
			p = p ? p + 1 : end + 1;
		}
		if (n >= 6 && (size_t)(f[3] - f[2] - 1) == wl && memcmp(f[2], want, wl) == 0) {
			const char *home_end = n > 6 ? f[6] - 1 : end;

			if (home_end <= f[5] || *f[5] != '/')
				return NULL;
			return strndup(f[5], (size_t)(home_end - f[5]));
		}
		if (!*end)
			break;
		line = end + 1;
	}
	return NULL;
}

int process_default_home(struct hrun_process *proc)
{
	_cleanup_free_ char *text = NULL, *home = NULL, *kv = NULL;
	_cleanup_close_ int root = -1, fd = -1;
	struct stat st;
	size_t n = 0;
	char **env;

	if (env_get(proc->env, "HOME"))
		return 0;
	/* "/" is the container's root here (after pivot_root, or setns into
	 * its mount namespace); the image is hostile: no FIFO, no device, no
	 * symlink out, bounded size. Any failure means "no entry": "/". */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root >= 0)
		fd = util_open_in_root(root, "etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    util_read_fd(fd, "/etc/passwd", 4 << 20, &text, NULL) == 0)
		home = passwd_home(text, proc->user.uid);
	else
		hrun_err_clear();
	if (asprintf(&kv, "HOME=%s", home ? home : "/") < 0)
		return hrun_syserr(ENOMEM, "process.env: HOME");
	while (proc->env && proc->env[n])
		n++;
	env = realloc(proc->env, (n + 2) * sizeof(char *));
	if (!env)
		return hrun_syserr(ENOMEM, "process.env: HOME");
	env[n] = TAKE_PTR(kv);
	env[n + 1] = NULL;
	proc->env = env;
	return 0;
}

static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR; /* the caller records */
	if (access(path, X_OK) < 0)
		return -errno;
	return 0;
}

int process_find_executable(const struct hrun_process *proc, char **ret_path)
{
	const char *name = proc->args[0];
	const char *pathenv;
	_cleanup_free_ char *copy = NULL;
	char *save = NULL;
	int r, first_err = -ENOENT;

	if (strchr(name, '/')) {
		r = check_executable(name);
		if (r < 0)
			return hrun_syserr(-r, "exec: `%s`", name);
		*ret_path = strdup(name);
		return *ret_path ? 0 : hrun_err(ENOMEM, "exec: `%s`: out of memory", name);
	}
	pathenv = env_get(proc->env, "PATH");
	if (!pathenv)
		pathenv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	copy = strdup(pathenv);
	if (!copy)
		return hrun_err(ENOMEM, "exec: PATH: out of memory");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[PATH_MAX];

		if ((size_t)snprintf(full, sizeof(full), "%s/%s", *dir ? dir : ".", name) >=
		    sizeof(full))
			continue;
		r = check_executable(full);
		if (r == 0) {
			*ret_path = strdup(full);
			return *ret_path ? 0 : hrun_err(ENOMEM, "exec: `%s`: out of memory", full);
		}
		if (r == -EACCES)
			first_err = r;
	}
	if (first_err == -EACCES)
		return hrun_syserr(EACCES, "exec: `%s`", name);
	return hrun_err(ENOENT, "exec: `%s`: executable file not found in $PATH", name);
}

/* Enter process.cwd, resolved inside our root ("/": the container's, after
 * pivot_root or after joining its mount namespace) with RESOLVE_IN_ROOT:
 * `..`, absolute symlinks and magic links such as /proc/self/fd/N cannot
 * lead out. The caller has closed every fd it does not keep, so no
 * inherited directory fd is reachable either. */
static int enter_cwd(const char *cwd)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_close_ int fd = -1;
	char buf[PATH_MAX];

	if (root < 0)
		return hrun_syserr(errno, "process.cwd: open the container's root");
	fd = util_open_in_root(root, cwd, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return hrun_syserr(-fd, "process.cwd `%s`", cwd);
	if (fchdir(fd) < 0)
		return hrun_syserr(errno, "process.cwd: chdir `%s`", cwd);
	/* belt and braces: a cwd outside our root has no path from it */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return hrun_err(EPERM, "process.cwd `%s`: not inside the container's root", cwd);
	return 0;
}

int process_drop_privileges(const struct hrun_process *proc, const struct hrun_bpf *bpf)
{
	const struct hrun_caps *caps = proc->has_caps ? &proc->caps : NULL;
	int r;

	/* cwd as root first: it may be unreadable for the user, as in runc */
	r = enter_cwd(proc->cwd ? proc->cwd : "/");
	if (r < 0)
		return r;
	/* the AppArmor profile / SELinux label of the execve, set as runc
	 * does before no_new_privs and seccomp: the write needs no privilege
	 * and takes effect only at execve, and a seccomp profile need not
	 * allow the open() of /proc attr files */
	r = lsm_set_exec(proc);
	if (r < 0)
		return r;
	r = caps_apply_bounding(caps);
	if (r < 0)
		return r;
	/* without no_new_privs, installing a filter needs CAP_SYS_ADMIN: do
	 * it while we still hold it (the filter then also covers the drop) */
	if (!proc->no_new_privileges && bpf) {
		r = seccomp_install(bpf);
		if (r < 0)
			return r;
	}
	r = caps_switch_user(&proc->user);
	if (r < 0)
		return r;
	r = caps_apply_sets(caps);
	if (r < 0)
		return r;
	if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hrun_syserr(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	/* with no_new_privs the filter goes last: fewest syscalls run under it */
	if (proc->no_new_privileges && bpf) {
		r = seccomp_install(bpf);
		if (r < 0)
			return r;
	}
	return 0;
}

int process_exec(const char *path, const struct hrun_process *proc)
{
	static char *const empty_env[] = {NULL};

	execve(path, proc->args, proc->env ? proc->env : empty_env);
	return hrun_syserr(errno, "exec `%s`", proc->args[0]);
}
