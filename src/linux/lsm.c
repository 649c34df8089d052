/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

#define F_APPARMOR "process.apparmorProfile"
#define F_SELINUX "process.selinuxLabel"
#define F_MOUNTLABEL "linux.mountLabel"

bool lsm_apparmor_enabled(void)
{
	_cleanup_free_ char *buf = NULL;

	/* the module may be built in and switched off (apparmor=0): its
	 * parameter says which, and the attr file must be there to use it */
	if (util_read_file("/sys/module/apparmor/parameters/enabled", 16, &buf, NULL) < 0 ||
	    buf[0] != 'Y')
		return false;
	return access("/proc/self/attr/apparmor/exec", F_OK) == 0 ||
	       access("/proc/self/attr/exec", F_OK) == 0;
}

bool lsm_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* A control character would end or split the attribute the kernel parses
 * ("exec NAME\n..."), a quote the context="..." mount option. */
static int check_text(const char *field, const char *s, const char *bad)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || strchr(bad, *p))
			return hrun_err(EINVAL, "%s: invalid character in `%s`", field, s);
	return 0;
}

int lsm_check_process(const struct hrun_process *proc)
{
	int r;

	if (proc->apparmor_profile) {
		if (!lsm_apparmor_enabled())
			return hrun_err(EINVAL, F_APPARMOR ": AppArmor is not enabled on this host");
		if ((r = check_text(F_APPARMOR, proc->apparmor_profile, "")) < 0)
			return r;
	}
	if (proc->selinux_label) {
		if (!lsm_selinux_enabled())
			return hrun_err(EINVAL, F_SELINUX ": SELinux is not enabled on this host");
		if ((r = check_text(F_SELINUX, proc->selinux_label, "")) < 0)
			return r;
	}
	return 0;
}

int lsm_check_spec(const struct hrun_spec *spec)
{
	const char *label = spec->linux_cfg.mount_label;
	int r = lsm_check_process(&spec->process);

	if (r < 0 || !label)
		return r;
	if (!lsm_selinux_enabled())
		return hrun_err(EINVAL, F_MOUNTLABEL ": SELinux is not enabled on this host");
	return check_text(F_MOUNTLABEL, label, "\"");
}

/* Open the first attribute file of PATHS that exists, and only on procfs:
 * a container mount over /proc would otherwise take the write and leave
 * the process unconfined. */
static int lsm_open_attr(const char *field, const char *const *paths, int *ret_fd)
{
	for (; *paths; paths++) {
		_cleanup_close_ int fd = open(*paths, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		struct statfs sfs;

		if (fd < 0 && errno == ENOENT)
			continue;
		if (fd < 0)
			return hrun_syserr(errno, "%s: open `%s`", field, *paths);
		if (fstatfs(fd, &sfs) < 0)
			return hrun_syserr(errno, "%s: fstatfs `%s`", field, *paths);
		if (sfs.f_type != PROC_SUPER_MAGIC)
			return hrun_err(EPERM, "%s: `%s` is not on procfs", field, *paths);
		*ret_fd = TAKE_FD(fd);
		return 0;
	}
	return hrun_err(ENOENT, "%s: no LSM attribute file in the container's /proc", field);
}

static int lsm_write_attr(const char *field, const char *const *paths, const char *value,
			  const char *what, const char *name)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;
	int r = lsm_open_attr(field, paths, &fd);

	if (r < 0)
		return r;
	/* one write: the kernel parses each write as a whole command */
	n = write(fd, value, len);
	if (n < 0 && errno == ENOENT && name)
		return hrun_err(ENOENT, "%s: profile `%s` is not loaded (apparmor_parser -r PROFILE)",
				field, name);
	if (n < 0)
		return hrun_syserr(errno, "%s: set %s `%s`", field, what, value);
	if ((size_t)n != len)
		return hrun_err(EIO, "%s: set %s `%s`: short write", field, what, value);
	return 0;
}

int lsm_set_keycreate(const struct hrun_process *proc)
{
	static const char *const paths[] = {"/proc/thread-self/attr/keycreate",
					    "/proc/self/attr/keycreate", NULL};

	if (!proc->selinux_label)
		return 0;
	return lsm_write_attr(F_SELINUX, paths, proc->selinux_label, "the key label", NULL);
}

static int lsm_apparmor_exec(const char *profile)
{
	static const char *const paths[] = {"/proc/thread-self/attr/apparmor/exec",
					    "/proc/thread-self/attr/exec", "/proc/self/attr/exec",
					    NULL};
	_cleanup_free_ char *cmd = NULL;

	if (asprintf(&cmd, "exec %s", profile) < 0)
		return hrun_err(ENOMEM, "out of memory");
	return lsm_write_attr(F_APPARMOR, paths, cmd, "the exec profile", profile);
}

int lsm_set_exec(const struct hrun_process *proc)
{
	static const char *const selinux_paths[] = {"/proc/thread-self/attr/exec",
						    "/proc/self/attr/exec", NULL};
	int r;

	if (proc->apparmor_profile) {
		r = lsm_apparmor_exec(proc->apparmor_profile);
		if (r < 0)
			return r;
	}
	if (proc->selinux_label)
		return lsm_write_attr(F_SELINUX, selinux_paths, proc->selinux_label,
				      "the exec label", NULL);
	return 0;
}

/* proc and sysfs take no context= (SELinux labels them itself), cgroup
 * filesystems neither; bind mounts keep the label of their source; mqueue
 * is labelled after the mount (lsm_mount_label_after). */
static bool lsm_takes_context(const char *type)
{
	static const char *const no[] = {"proc", "sysfs", "cgroup", "cgroup2", "mqueue",
					 "bind", "rbind", "none", NULL};

	if (!type || !*type)
		return false;
	for (const char *const *p = no; *p; p++)
		if (strcmp(type, *p) == 0)
			return false;
	return true;
}

static bool lsm_has_context(const char *data)
{
	for (const char *p = data; p && *p;) {
		if (strncmp(p, "context=", 8) == 0)
			return true;
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return false;
}

int lsm_mount_data(const char *data, const char *type, const char *label, char **ret)
{
	int n;

	*ret = NULL;
	if (!label || !*label || !lsm_takes_context(type) || lsm_has_context(data))
		return 0;
	/* quoted: an MLS label has commas ("s0:c1,c2") */
	if (data && *data)
		n = asprintf(ret, "%s,context=\"%s\"", data, label);
	else
		n = asprintf(ret, "context=\"%s\"", label);
	if (n < 0) {
		*ret = NULL;
		return hrun_err(ENOMEM, "out of memory");
	}
	return 0;
}

bool lsm_mount_label_after(const char *type)
{
	return type && strcmp(type, "mqueue") == 0;
}

int lsm_set_file_label(int fd, const char *label, const char *what)
{
	char path[32];

	util_fd_path(fd, path, sizeof(path));
	/* the kernel's own format: the label with its NUL */
	if (setxattr(path, "security.selinux", label, strlen(label) + 1, 0) < 0)
		return hrun_syserr(errno, F_MOUNTLABEL ": label `%s`", what);
	return 0;
}
