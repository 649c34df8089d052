/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sync_pair(int ret_fds[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ret_fds) < 0)
		return hrun_syserr(errno, "socketpair");
	return 0;
}

static int send_msg(int fd, const struct hrun_sync_msg *m)
{
	size_t len = offsetof(struct hrun_sync_msg, msg) + strlen(m->msg) + 1;

	for (;;) {
		ssize_t n = send(fd, m, len, MSG_NOSIGNAL);

		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int sync_send(int fd, enum hrun_sync_type type)
{
	struct hrun_sync_msg m = {.type = type};

	return send_msg(fd, &m);
}

int sync_send_error(int fd, int err)
{
	struct hrun_sync_msg m = {.type = SYNC_ERROR, .err = err};

	(void)snprintf(m.msg, sizeof(m.msg), "%s", hrun_errmsg());
	return send_msg(fd, &m);
}

int sync_recv(int fd, struct hrun_sync_msg *ret)
{
	ssize_t n;

	memset(ret, 0, sizeof(*ret));
	do
		n = recv(fd, ret, sizeof(*ret), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hrun_syserr(errno, "sync: receive");
	if (n == 0)
		return hrun_err(EPIPE, "sync: the other side closed the channel");
	ret->msg[sizeof(ret->msg) - 1] = '\0';
	if (ret->type == SYNC_ERROR) {
		hrun_err_set(ret->msg);
		return ret->err < 0 ? ret->err : -EIO; /* hrun_err_set above records */
	}
	return 0;
}

int sync_expect(int fd, enum hrun_sync_type type)
{
	struct hrun_sync_msg m;
	int r = sync_recv(fd, &m);

	if (r < 0)
		return r;
	if (m.type != type)
		return hrun_err(EPROTO, "sync: expected message %d, got %u", type, m.type);
	return 0;
}

int sync_send_fd(int sock, int fd)
{
	char data = 'F';
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return hrun_syserr(errno, "send terminal fd");
	}
	return 0;
}

int sync_recv_fd(int sock, int *ret_fd)
{
	char data;
	struct iovec iov = {.iov_base = &data, .iov_len = 1};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return hrun_syserr(errno, "receive terminal fd");
	c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c || c->cmsg_type != SCM_RIGHTS)
		return hrun_err(EPROTO, "receive terminal fd: no descriptor in message");
	memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
	return 0;
}
