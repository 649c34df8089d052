/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_NS_H
#define HRUN_NS_H

#include <sys/types.h>

#include "hrun/spec.h"

/* CLONE_NEW* flags for the namespaces the config asks to create. */
unsigned long ns_new_flags(const struct hrun_spec *spec);

/* Open every linux.namespaces[].path (O_RDONLY|O_CLOEXEC) into fds[type]
 * (-1 where none) and check each is a namespace of the declared type. */
int ns_open_paths(const struct hrun_spec *spec, int fds[HRUN_NS_COUNT]);
void ns_close_fds(int fds[HRUN_NS_COUNT]);

/* setns() into fds[type] when open; names the namespace on error. */
int ns_join(const int fds[HRUN_NS_COUNT], enum hrun_ns_type type);

/* Namespaces the runtime joins for the clone only (see ns.c): enter them,
 * clone, leave them. JOINED has bit t set for each type t joined, so the
 * child skips them. ns_clone_leave also closes the fds (call it always). */
struct ns_outer {
	int own[HRUN_NS_COUNT];
	unsigned joined;
};
int ns_clone_enter(const struct hrun_spec *spec, const int fds[HRUN_NS_COUNT],
		   struct ns_outer *o);
int ns_clone_leave(struct ns_outer *o);

/* Parent side: write /proc/PID/{uid_map,gid_map} from the config. */
int ns_write_id_maps(pid_t pid, const struct hrun_spec *spec);

/* Child side: create a new time namespace with linux.timeOffsets and enter
 * it (no-op unless the config asks for a new one). */
int ns_create_time(const struct hrun_spec *spec);

/* Child side: bring up the loopback device of a new network namespace
 * (as crun does), so a closed-by-default network still has 127.0.0.1. */
int ns_loopback_up(void);

#endif
