/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.netDevices over a raw NETLINK_ROUTE socket (see hrun/netdev.h):
 * one socket in the runtime's network namespace, one opened inside the
 * container's (setns there and straight back: a socket stays in the
 * namespace it was created in), no helper process, no library.
 *
 * Moving a device to another namespace takes it down and flushes its
 * addresses (the kernel's NETDEV_UNREGISTER), so the permanent addresses
 * of global scope (IFA_F_PERMANENT, RT_SCOPE_UNIVERSE) are read before and
 * added back after; the MTU and MAC address move with the device.
 */
#define _GNU_SOURCE
#include "hrun/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/log.h"

#define MAC_MAX 32

struct nd_addr {
	struct ifaddrmsg ifa;
	uint32_t flags; /* IFA_FLAGS: all 32 bits */
	unsigned char local[16], address[16], broadcast[16];
	unsigned char local_len, address_len, broadcast_len;
	char label_suffix[IFNAMSIZ]; /* ":1" of an alias label "eth0:1" */
	bool has_prio;
	uint32_t prio;
};

struct nd_dev {
	const struct hrun_net_device *cfg;
	int host_index;
	unsigned host_flags;
	unsigned char mac[MAC_MAX];
	unsigned mac_len;
	int index;	     /* in the container's namespace; 0: not there */
	char name[IFNAMSIZ]; /* its name there */
	struct nd_addr *addrs;
	size_t n_addrs;
};

struct nd_ctx {
	const struct hrun_linux *l;
	int host;      /* NETLINK_ROUTE in the runtime's network namespace */
	int cont;      /* ... in the container's */
	int own_ns;    /* the runtime's network namespace */
	int target_ns; /* the container's */
	bool own_target;
	uint32_t seq;
	struct nd_dev *devs;
	size_t n;
};

/* ------------------------------------------------------------ netlink -- */

struct nl_req {
	struct nlmsghdr h;
	char data[512]; /* a header and a few short attributes */
};

static void nl_init(struct nl_req *m, uint16_t type, uint16_t flags, const void *hdr, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->h.nlmsg_len = NLMSG_LENGTH(len);
	m->h.nlmsg_type = type;
	m->h.nlmsg_flags = NLM_F_REQUEST | flags;
	memcpy(NLMSG_DATA(&m->h), hdr, len);
}

/* the callers add at most 7 attributes of at most 20 bytes */
static void nl_attr(struct nl_req *m, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&m->h + NLMSG_ALIGN(m->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	m->h.nlmsg_len = NLMSG_ALIGN(m->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg);

/* Send M on FD and read the answer up to its ACK (NLMSG_DONE for a dump),
 * every other message of it to CB. 0 or a negative errno: the caller
 * records. */
static int nl_talk(struct nd_ctx *x, int fd, struct nl_req *m, nl_cb cb, void *arg)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	/* a GET with NLM_F_DUMP (whose NLM_F_MATCH bit is NLM_F_EXCL on NEW) */
	bool dump = (m->h.nlmsg_type & 3) == 2 && (m->h.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	m->h.nlmsg_seq = ++x->seq;
	if (!dump)
		m->h.nlmsg_flags |= NLM_F_ACK;
	if (send(fd, m, m->h.nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), MSG_TRUNC);
		int len = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if ((size_t)got > sizeof(buf))
			return -EMSGSIZE; /* the caller records */
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_seq != m->h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);

				if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO; /* the caller records */
				return e->error;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				const int *e = NLMSG_DATA(h);

				return h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && *e < 0 ? *e : 0;
			}
			if (cb) {
				int r = cb(h, arg);

				if (r < 0)
					return r;
			}
		}
		if (got == 0)
			return -EPIPE; /* the caller records */
	}
}

/* -------------------------------------------------------------- links -- */

struct link_info {
	int index;
	unsigned flags;
	char name[IFNAMSIZ];
	unsigned char mac[MAC_MAX];
	unsigned mac_len;
};

/* A lookup (by name) or a dump matched on MAC address and name template. */
struct link_query {
	const unsigned char *mac; /* NULL: any */
	unsigned mac_len;
	const char *pattern; /* NULL: any */
	struct link_info out;
	int matches;
};

/* Does NAME fit TMPL ("eth%d": "eth" digits; or equal without '%')? */
static bool name_fits(const char *tmpl, const char *name)
{
	const char *pct = strchr(tmpl, '%');
	size_t pre, suf, len = strlen(name);
	const char *p;

	if (!pct)
		return strcmp(tmpl, name) == 0;
	pre = (size_t)(pct - tmpl);
	suf = strlen(pct + 2);
	if (len < pre + suf + 1 || strncmp(name, tmpl, pre) != 0 ||
	    strcmp(name + len - suf, pct + 2) != 0)
		return false;
	for (p = name + pre; p < name + len - suf; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static int link_cb(const struct nlmsghdr *h, void *arg)
{
	struct link_query *q = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct link_info li = { 0 };
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifi));

	if (h->nlmsg_type != RTM_NEWLINK || len < 0)
		return 0;
	li.index = ifi->ifi_index;
	li.flags = ifi->ifi_flags;
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t n = RTA_PAYLOAD(a);

		if (a->rta_type == IFLA_IFNAME && n > 0 && n <= IFNAMSIZ)
			memcpy(li.name, RTA_DATA(a), n), li.name[IFNAMSIZ - 1] = '\0';
		else if (a->rta_type == IFLA_ADDRESS && n <= MAC_MAX)
			memcpy(li.mac, RTA_DATA(a), n), li.mac_len = (unsigned)n;
	}
	if (q->mac && (li.mac_len != q->mac_len || memcmp(li.mac, q->mac, q->mac_len) != 0))
		return 0;
	if (q->pattern && !name_fits(q->pattern, li.name))
		return 0;
	q->out = li;
	q->matches++;
	return 0;
}

/* The device NAME in the namespace of FD: 1 found, 0 not, or -errno. */
static int link_get(struct nd_ctx *x, int fd, const char *name, struct link_info *ret)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct link_query q = { 0 };
	struct nl_req m;
	int r;

	nl_init(&m, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	nl_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
	r = nl_talk(x, fd, &m, link_cb, &q);
	if (r == -ENODEV)
		return 0;
	if (r < 0)
		return r; /* the caller records */
	*ret = q.out;
	return q.matches > 0;
}

/* Change the flags in CHANGE to FLAGS; with NS_FD >= 0 move to that
 * namespace; with NAME rename (in the namespace it ends up in). */
static int link_set(struct nd_ctx *x, int fd, int index, unsigned flags, unsigned change, int ns_fd,
		    const char *name)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = index,
		.ifi_flags = flags,
		.ifi_change = change,
	};
	struct nl_req m;

	nl_init(&m, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (ns_fd >= 0) {
		uint32_t v = (uint32_t)ns_fd;

		nl_attr(&m, IFLA_NET_NS_FD, &v, sizeof(v));
	}
	if (name)
		nl_attr(&m, IFLA_IFNAME, name, strlen(name) + 1);
	return nl_talk(x, fd, &m, NULL, NULL);
}

/* ---------------------------------------------------------- addresses -- */

struct addr_query {
	struct nd_dev *d;
	int index;
	const char *devname;
};

static void addr_attr(struct nd_addr *a, const struct rtattr *at, const char *devname)
{
	size_t n = RTA_PAYLOAD(at);
	size_t dl = strlen(devname);

	switch (at->rta_type) {
	case IFA_LOCAL:
		if (n <= sizeof(a->local))
			memcpy(a->local, RTA_DATA(at), n), a->local_len = (unsigned char)n;
		break;
	case IFA_ADDRESS:
		if (n <= sizeof(a->address))
			memcpy(a->address, RTA_DATA(at), n), a->address_len = (unsigned char)n;
		break;
	case IFA_BROADCAST:
		if (n <= sizeof(a->broadcast))
			memcpy(a->broadcast, RTA_DATA(at), n), a->broadcast_len = (unsigned char)n;
		break;
	case IFA_FLAGS:
		if (n == sizeof(uint32_t))
			memcpy(&a->flags, RTA_DATA(at), n);
		break;
	case IFA_RT_PRIORITY:
		if (n == sizeof(uint32_t))
			memcpy(&a->prio, RTA_DATA(at), n), a->has_prio = true;
		break;
	case IFA_LABEL: /* keep an alias suffix: "eth0:1" -> ":1" */
		if (n > dl + 1 && n <= IFNAMSIZ && strncmp(RTA_DATA(at), devname, dl) == 0 &&
		    ((const char *)RTA_DATA(at))[dl] == ':')
			(void)snprintf(a->label_suffix, sizeof(a->label_suffix), "%s",
				       (const char *)RTA_DATA(at) + dl);
		break;
	default:
		break;
	}
}

static int addr_cb(const struct nlmsghdr *h, void *arg)
{
	struct addr_query *q = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ifa));
	struct nd_addr a = { .ifa = *ifa, .flags = ifa->ifa_flags };
	struct nd_addr *na;

	if (h->nlmsg_type != RTM_NEWADDR || len < 0 || (int)ifa->ifa_index != q->index)
		return 0;
	for (const struct rtattr *at = IFA_RTA(ifa); RTA_OK(at, len); at = RTA_NEXT(at, len))
		addr_attr(&a, at, q->devname);
	/* runtime-spec: the permanent addresses of global scope */
	if (!(a.flags & IFA_F_PERMANENT) || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return 0;
	na = realloc(q->d->addrs, (q->d->n_addrs + 1) * sizeof(*na));
	if (!na)
		return -ENOMEM; /* the caller records */
	q->d->addrs = na;
	na[q->d->n_addrs++] = a;
	return 0;
}

/* The addresses of D (device INDEX named DEVNAME in FD's namespace). */
static int addr_collect(struct nd_ctx *x, int fd, struct nd_dev *d, int index, const char *devname)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
	struct addr_query q = { .d = d, .index = index, .devname = devname };
	struct nl_req m;

	nl_init(&m, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	return nl_talk(x, fd, &m, addr_cb, &q);
}

static int addr_add(struct nd_ctx *x, int fd, int index, const char *devname,
		    const struct nd_addr *a)
{
	struct ifaddrmsg ifa = a->ifa;
	char label[IFNAMSIZ];
	struct nl_req m;

	ifa.ifa_index = (unsigned)index;
	nl_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (a->local_len)
		nl_attr(&m, IFA_LOCAL, a->local, a->local_len);
	if (a->address_len)
		nl_attr(&m, IFA_ADDRESS, a->address, a->address_len);
	if (a->broadcast_len)
		nl_attr(&m, IFA_BROADCAST, a->broadcast, a->broadcast_len);
	nl_attr(&m, IFA_FLAGS, &a->flags, sizeof(a->flags));
	if (a->has_prio)
		nl_attr(&m, IFA_RT_PRIORITY, &a->prio, sizeof(a->prio));
	if (a->label_suffix[0] && (size_t)snprintf(label, sizeof(label), "%s%s", devname,
						   a->label_suffix) < sizeof(label))
		nl_attr(&m, IFA_LABEL, label, strlen(label) + 1);
	return nl_talk(x, fd, &m, NULL, NULL);
}

/* Add D's addresses to device INDEX named DEVNAME, bring it up if UP. */
static int dev_configure(struct nd_ctx *x, int fd, const struct nd_dev *d, int index,
			 const char *devname, bool up)
{
	for (size_t i = 0; i < d->n_addrs; i++) {
		int r = addr_add(x, fd, index, devname, &d->addrs[i]);

		if (r < 0)
			return hrun_syserr(-r,
					   "linux.netDevices: `%s`: add its address #%zu to `%s`",
					   d->cfg->host_name, i + 1, devname);
	}
	if (up) {
		int r = link_set(x, fd, index, IFF_UP, IFF_UP, -1, NULL);

		if (r < 0)
			return hrun_syserr(-r, "linux.netDevices: `%s`: bring `%s` up",
					   d->cfg->host_name, devname);
	}
	return 0;
}

/* ------------------------------------------------------------ the move -- */

static const char *target_name(const struct nd_dev *d)
{
	return d->cfg->name ? d->cfg->name : d->cfg->host_name;
}

/* A NETLINK_ROUTE socket whose answers do not keep us waiting forever. */
static int nl_socket(void)
{
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		int e = errno;

		(void)close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A socket in the container's namespace: enter it, open, come back. */
static int open_container_socket(struct nd_ctx *x)
{
	int r = 0;

	if (setns(x->target_ns, CLONE_NEWNET) < 0)
		return hrun_syserr(errno,
				   "linux.netDevices: enter the container's network namespace");
	x->cont = nl_socket();
	if (x->cont < 0)
		r = hrun_syserr(errno, "linux.netDevices: a netlink socket in the container's "
				       "network namespace");
	if (setns(x->own_ns, CLONE_NEWNET) < 0)
		return hrun_syserr(errno, "linux.netDevices: return to the runtime's network "
					  "namespace");
	return r;
}

static int nd_open(struct nd_ctx *x, pid_t pid, int target_fd)
{
	const char *path = x->l->namespaces[HRUN_NS_NET].path;
	struct stat own, target;
	char proc[64];

	x->own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (x->own_ns < 0)
		return hrun_syserr(errno, "linux.netDevices: open /proc/self/ns/net");
	x->target_ns = target_fd;
	if (target_fd < 0) {
		(void)snprintf(proc, sizeof(proc), "/proc/%d/ns/net", pid);
		x->target_ns = open(proc, O_RDONLY | O_CLOEXEC);
		if (x->target_ns < 0)
			return hrun_syserr(errno, "linux.netDevices: open `%s`", proc);
		x->own_target = true;
	}
	if (fstat(x->own_ns, &own) < 0 || fstat(x->target_ns, &target) < 0)
		return hrun_syserr(errno, "linux.netDevices: stat the network namespaces");
	if (own.st_dev == target.st_dev && own.st_ino == target.st_ino)
		return hrun_err(EINVAL,
				"linux.netDevices: the container's network namespace `%s` "
				"is the runtime's own: the devices would not leave it",
				path ? path : proc);
	x->host = nl_socket();
	if (x->host < 0)
		return hrun_syserr(errno, "linux.netDevices: a netlink socket");
	return open_container_socket(x);
}

/* Everything checked before anything moves: each device exists here (and
 * is not the loopback), no device has its new name there; its addresses. */
static int nd_prepare(struct nd_ctx *x)
{
	x->devs = calloc(x->l->n_net_devices, sizeof(*x->devs));
	if (!x->devs)
		return hrun_err(ENOMEM, "linux.netDevices: out of memory");
	for (size_t i = 0; i < x->l->n_net_devices; i++) {
		struct nd_dev *d = &x->devs[x->n++];
		const char *host = x->l->net_devices[i].host_name;
		struct link_info li, other;
		int r;

		d->cfg = &x->l->net_devices[i];
		r = link_get(x, x->host, host, &li);
		if (r < 0)
			return hrun_syserr(-r, "linux.netDevices: look up `%s`", host);
		if (r == 0)
			return hrun_err(ENODEV,
					"linux.netDevices: `%s`: no such network device in the "
					"runtime's network namespace",
					host);
		if (li.flags & IFF_LOOPBACK)
			return hrun_err(EINVAL,
					"linux.netDevices: `%s` is a loopback device, which "
					"cannot leave its network namespace",
					host);
		d->host_index = li.index;
		d->host_flags = li.flags;
		memcpy(d->mac, li.mac, sizeof(d->mac));
		d->mac_len = li.mac_len;
		if (!strchr(target_name(d), '%')) {
			r = link_get(x, x->cont, target_name(d), &other);
			if (r < 0)
				return hrun_syserr(-r,
						   "linux.netDevices: look up `%s` in the "
						   "container's network namespace",
						   target_name(d));
			if (r > 0)
				return hrun_err(EEXIST,
						"linux.netDevices: `%s`: a device named `%s` "
						"already exists in the container's network "
						"namespace",
						host, target_name(d));
		}
		r = addr_collect(x, x->host, d, li.index, host);
		if (r < 0)
			return hrun_syserr(-r, "linux.netDevices: `%s`: read its addresses", host);
	}
	return 0;
}

/* Where did D land? By name, or for a template by MAC address + name. */
static int find_moved(struct nd_ctx *x, struct nd_dev *d)
{
	struct link_query q = { .pattern = target_name(d) };
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_req m;
	int r;

	if (!strchr(target_name(d), '%')) {
		r = link_get(x, x->cont, target_name(d), &q.out);
		q.matches = r > 0;
	} else {
		if (d->mac_len)
			q.mac = d->mac, q.mac_len = d->mac_len;
		nl_init(&m, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
		r = nl_talk(x, x->cont, &m, link_cb, &q);
	}
	if (r < 0)
		return hrun_syserr(-r,
				   "linux.netDevices: `%s`: look it up in the container's "
				   "network namespace",
				   d->cfg->host_name);
	if (q.matches != 1)
		return hrun_err(ENODEV,
				"linux.netDevices: `%s`: moved, but not found as `%s` in "
				"the container's network namespace",
				d->cfg->host_name, target_name(d));
	d->index = q.out.index;
	memcpy(d->name, q.out.name, sizeof(d->name));
	return 0;
}

static int move_one(struct nd_ctx *x, struct nd_dev *d)
{
	int r = link_set(x, x->host, d->host_index, 0, 0, x->target_ns, target_name(d));

	if (r < 0)
		return hrun_syserr(-r,
				   "linux.netDevices: move `%s` into the container's network "
				   "namespace as `%s`",
				   d->cfg->host_name, target_name(d));
	r = find_moved(x, d);
	if (r < 0)
		return r;
	log_debug("netDevices: %s -> %s (index %d), %zu address(es)", d->cfg->host_name, d->name,
		  d->index, d->n_addrs);
	/* runtime-spec: the device is up in the container */
	return dev_configure(x, x->cont, d, d->index, d->name, true);
}

/* After a failure: give back what moved, as it was (best effort: warn). */
static void move_back(struct nd_ctx *x)
{
	char saved[HRUN_ERRMSG_MAX];

	(void)snprintf(saved, sizeof(saved), "%s", hrun_errmsg());
	for (size_t i = x->n; i-- > 0;) {
		struct nd_dev *d = &x->devs[i];
		const char *host = d->cfg->host_name;
		struct link_info li;
		int r;

		if (!d->index)
			continue;
		r = link_set(x, x->cont, d->index, 0, 0, x->own_ns, host);
		if (r < 0) {
			log_warn("linux.netDevices: `%s` could not be moved back: %s", host,
				 strerror(-r));
			continue;
		}
		r = link_get(x, x->host, host, &li);
		if (r < 0)
			r = hrun_syserr(-r, "look it up");
		else if (r == 0)
			r = hrun_err(ENODEV, "not found by its name");
		else
			r = dev_configure(x, x->host, d, li.index, host, d->host_flags & IFF_UP);
		if (r < 0)
			log_warn("linux.netDevices: `%s` was moved back, but not as it was: %s",
				 host, hrun_errmsg());
	}
	hrun_err_set(saved);
}

static void nd_free(struct nd_ctx *x)
{
	int fds[] = { x->host, x->cont, x->own_ns, x->own_target ? x->target_ns : -1 };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			(void)close(fds[i]);
	for (size_t i = 0; i < x->n; i++)
		free(x->devs[i].addrs);
	free(x->devs);
}

int netdev_move_all(const struct hrun_spec *spec, pid_t pid, int target_fd)
{
	struct nd_ctx x = {
		.l = &spec->linux_cfg,
		.host = -1,
		.cont = -1,
		.own_ns = -1,
		.target_ns = -1,
	};
	int r;

	if (!spec->linux_cfg.n_net_devices)
		return 0;
	r = nd_open(&x, pid, target_fd);
	if (r == 0)
		r = nd_prepare(&x);
	for (size_t i = 0; r == 0 && i < x.n; i++)
		r = move_one(&x, &x.devs[i]);
	if (r < 0 && x.cont >= 0)
		move_back(&x);
	nd_free(&x);
	return r;
}
