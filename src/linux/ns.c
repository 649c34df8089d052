/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

unsigned long ns_new_flags(const struct hrun_spec *spec)
{
	unsigned long flags = 0;

	for (int t = 0; t < HRUN_NS_COUNT; t++) {
		const struct hrun_namespace *ns = &spec->linux_cfg.namespaces[t];

		/* a time namespace is created by the child itself (ns_create_time):
		 * offsets can only be written before a process enters it */
		if (ns->enabled && !ns->path && t != HRUN_NS_TIME)
			flags |= (unsigned long)spec_ns_clone_flag(t);
	}
	return flags;
}

void ns_close_fds(int fds[HRUN_NS_COUNT])
{
	for (int t = 0; t < HRUN_NS_COUNT; t++) {
		if (fds[t] >= 0)
			(void)close(fds[t]);
		fds[t] = -1;
	}
}

/* A sysctl of a namespace joined by path: as runc does for net.*, the path
 * must not be the runtime's own namespace, or the key would be written to
 * the host's (hrun applies the same rule to the ipc and uts keys). */
static int check_sysctl_targets(const struct hrun_spec *spec, const int fds[HRUN_NS_COUNT])
{
	const struct hrun_linux *l = &spec->linux_cfg;

	for (size_t i = 0; i < l->n_sysctl; i++) {
		enum hrun_ns_type t = spec_sysctl_namespace(l->sysctl[i].key);
		const char *proc = t == HRUN_NS_NET ? "net" : t == HRUN_NS_IPC ? "ipc" : "uts";
		char own_path[32];
		struct stat own, joined;

		if (t == HRUN_NS_COUNT || fds[t] < 0)
			continue;
		(void)snprintf(own_path, sizeof(own_path), "/proc/self/ns/%s", proc);
		if (fstat(fds[t], &joined) < 0)
			return hrun_syserr(errno, "linux.namespaces: stat `%s`", l->namespaces[t].path);
		if (stat(own_path, &own) < 0)
			return hrun_syserr(errno, "stat `%s`", own_path);
		if (own.st_dev == joined.st_dev && own.st_ino == joined.st_ino)
			return hrun_err(EINVAL, "linux.sysctl[\"%s\"]: not in a separate kernel "
					"namespace (the %s namespace `%s` is the runtime's own)",
					l->sysctl[i].key, spec_ns_name(t), l->namespaces[t].path);
	}
	return 0;
}

int ns_open_paths(const struct hrun_spec *spec, int fds[HRUN_NS_COUNT])
{
	int r;

	for (int t = 0; t < HRUN_NS_COUNT; t++)
		fds[t] = -1;
	for (int t = 0; t < HRUN_NS_COUNT; t++) {
		const struct hrun_namespace *ns = &spec->linux_cfg.namespaces[t];
		int kind;

		if (!ns->enabled || !ns->path)
			continue;
		fds[t] = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			r = hrun_syserr(errno, "linux.namespaces: %s namespace path `%s`",
					spec_ns_name(t), ns->path);
			ns_close_fds(fds);
			return r;
		}
		kind = ioctl(fds[t], NS_GET_NSTYPE);
		if (kind >= 0 && kind != spec_ns_clone_flag(t)) {
			r = hrun_err(EINVAL, "linux.namespaces: `%s` is not a %s namespace",
				     ns->path, spec_ns_name(t));
			ns_close_fds(fds);
			return r;
		}
	}
	r = check_sysctl_targets(spec, fds);
	if (r < 0)
		ns_close_fds(fds);
	return r;
}

int ns_join(const int fds[HRUN_NS_COUNT], enum hrun_ns_type type)
{
	if (fds[type] < 0)
		return 0;
	if (setns(fds[type], spec_ns_clone_flag(type)) < 0)
		return hrun_syserr(errno, "join the %s namespace", spec_ns_name(type));
	return 0;
}

/*
 * Namespaces given by path that the runtime joins around the clone (and
 * leaves right after, so hooks are not born in the container):
 *   - pid and time: they apply to children only;
 *   - net, ipc, uts, cgroup when the container gets a NEW user namespace:
 *     they belong to the runtime's user namespace, which the child has left
 *     at clone and could no longer join them from (Kubernetes' userns pods
 *     with a CNI-made netns, `podman --userns ... --network ns:PATH`).
 * (A mount namespace by path stays with the child, which sets the rootfs
 * up in it.)
 */
static const char *const own_ns_file[HRUN_NS_COUNT] = {
	[HRUN_NS_PID] = "/proc/self/ns/pid_for_children",
	[HRUN_NS_TIME] = "/proc/self/ns/time_for_children",
	[HRUN_NS_NET] = "/proc/self/ns/net",
	[HRUN_NS_IPC] = "/proc/self/ns/ipc",
	[HRUN_NS_UTS] = "/proc/self/ns/uts",
	[HRUN_NS_CGROUP] = "/proc/self/ns/cgroup",
};

static bool ns_joined_around_clone(const struct hrun_spec *spec, enum hrun_ns_type t)
{
	const struct hrun_namespace *user = &spec->linux_cfg.namespaces[HRUN_NS_USER];

	if (t == HRUN_NS_PID || t == HRUN_NS_TIME)
		return true;
	return own_ns_file[t] && user->enabled && !user->path;
}

int ns_clone_enter(const struct hrun_spec *spec, const int fds[HRUN_NS_COUNT],
		   struct ns_outer *o)
{
	int r;

	o->joined = 0;
	for (int t = 0; t < HRUN_NS_COUNT; t++)
		o->own[t] = -1;
	for (int t = 0; t < HRUN_NS_COUNT; t++) {
		if (fds[t] < 0 || !ns_joined_around_clone(spec, t))
			continue;
		o->own[t] = open(own_ns_file[t], O_RDONLY | O_CLOEXEC);
		if (o->own[t] < 0)
			return hrun_syserr(errno, "open `%s`", own_ns_file[t]);
		r = ns_join(fds, t);
		if (r < 0)
			return r;
		o->joined |= 1u << t;
	}
	return 0;
}

int ns_clone_leave(struct ns_outer *o)
{
	int r = 0;

	for (int t = 0; t < HRUN_NS_COUNT; t++) {
		if ((o->joined & (1u << t)) && r == 0 &&
		    setns(o->own[t], spec_ns_clone_flag(t)) < 0)
			r = hrun_syserr(errno, "return to our %s namespace", spec_ns_name(t));
		if (o->own[t] >= 0)
			(void)close(o->own[t]);
		o->own[t] = -1;
	}
	o->joined = 0;
	return r;
}

static int write_map(pid_t pid, const char *file, const struct hrun_id_map *m, size_t n)
{
	char path[64];
	char buf[4096];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", m[i].container_id,
				 m[i].host_id, m[i].size);

		if (w < 0 || (size_t)w >= sizeof(buf) - len)
			return hrun_err(E2BIG, "linux.%s: too many mappings", file);
		len += (size_t)w;
	}
	(void)snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	if (util_write_file(path, buf, len) < 0)
		return hrun_err_prefix(-EPERM, "write %s mappings", file);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct hrun_spec *spec)
{
	const struct hrun_linux *l = &spec->linux_cfg;
	int r;

	/* gid_map first is harmless; uid_map as root needs no setgroups=deny */
	r = write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings);
	if (r < 0)
		return r;
	return write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings);
}

int ns_create_time(const struct hrun_spec *spec)
{
	const struct hrun_linux *l = &spec->linux_cfg;
	const struct hrun_namespace *ns = &l->namespaces[HRUN_NS_TIME];
	_cleanup_close_ int fd = -1;
	char buf[128];
	int len;

	if (!ns->enabled || ns->path)
		return 0;
	if (unshare(CLONE_NEWTIME) < 0)
		return hrun_syserr(errno, "create the time namespace");
	if (l->has_time_offsets) {
		len = snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
			       (long long)l->monotonic_secs, l->monotonic_nanosecs,
			       (long long)l->boottime_secs, l->boottime_nanosecs);
		if (util_write_file("/proc/self/timens_offsets", buf, (size_t)len) < 0)
			return hrun_err_prefix(-EINVAL, "linux.timeOffsets");
	}
	/* unshare only affects children: enter it ourselves */
	fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hrun_syserr(errno, "open /proc/self/ns/time_for_children");
	if (setns(fd, CLONE_NEWTIME) < 0)
		return hrun_syserr(errno, "enter the time namespace");
	return 0;
}

int ns_loopback_up(void)
{
	struct ifreq ifr = {0};
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return hrun_syserr(errno, "socket (bring up lo)");
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return hrun_syserr(errno, "read the flags of lo");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return hrun_syserr(errno, "bring up lo");
	return 0;
}
