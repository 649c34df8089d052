/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_NETDEV_H
#define HRUN_NETDEV_H

#include <sys/types.h>

#include "hrun/spec.h"

/*
 * linux.netDevices, done by the runtime (in its network namespace, where
 * the devices are, with CAP_NET_ADMIN over both namespaces) once the
 * container's network namespace exists: TARGET_FD (a namespace joined by
 * path) or, when -1, the new one of PID. Over rtnetlink, for each device:
 * look it up and keep its permanent global addresses, move it with its new
 * name, add the addresses back, bring it up (config-linux.md). All are
 * checked before any moves; if one fails, those already moved are moved
 * back. On delete they are not moved back (the runtime-spec says MUST
 * NOT): the kernel returns physical devices to the initial namespace and
 * destroys virtual ones when the namespace goes.
 */
int netdev_move_all(const struct hrun_spec *spec, pid_t pid, int target_fd);

#endif
