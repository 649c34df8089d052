/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SYNC_H
#define HRUN_SYNC_H

/*
 * The runtime <-> container-init channel: a SOCK_SEQPACKET socketpair, one
 * message per packet. Both sides use the same numbered steps (see
 * container.c): the child reports progress and errors, the parent answers.
 */

#include <stdint.h>

#include "hrun/error.h"

enum hrun_sync_type {
	SYNC_MAPS_DONE = 1, /* parent -> child: uid/gid maps written (#1) */
	SYNC_HOOKS_RUNTIME, /* child -> parent: mounts done, run createRuntime hooks (#2) */
	SYNC_HOOKS_DONE,    /* parent -> child: hooks ran (#2) */
	SYNC_READY,         /* child -> parent: all set up, about to wait/exec (#3) */
	SYNC_START,         /* parent -> child (run only): exec now (#4) */
	SYNC_ERROR,         /* either way: errno + message, the sender gives up */
};

struct hrun_sync_msg {
	uint32_t type;
	int32_t err; /* negative errno for SYNC_ERROR */
	char msg[HRUN_ERRMSG_MAX];
};

int sync_pair(int ret_fds[2]);
int sync_send(int fd, enum hrun_sync_type type);
/* Send SYNC_ERROR carrying ERR and the recorded error message. */
int sync_send_error(int fd, int err);
/* Receive one message. EOF -> -EPIPE. A received SYNC_ERROR is returned as
 * its errno with the message recorded (hrun_err_set). */
int sync_recv(int fd, struct hrun_sync_msg *ret);
/* Receive and require TYPE. */
int sync_expect(int fd, enum hrun_sync_type type);

/* SCM_RIGHTS: send one fd with a short payload / receive it. */
int sync_send_fd(int sock, int fd);
int sync_recv_fd(int sock, int *ret_fd);

#endif
