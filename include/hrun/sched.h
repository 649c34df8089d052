/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SCHED_H
#define HRUN_SCHED_H

#include <stddef.h>
#include <sys/types.h>

#include "hrun/spec.h"

/*
 * Scheduling and memory placement of container processes:
 * process.ioPriority (ioprio_set), process.scheduler (sched_setattr),
 * process.execCPUAffinity (sched_setaffinity), linux.memoryPolicy
 * (set_mempolicy). glibc lacks wrappers for three of them: raw syscalls.
 */

/* Highest CPU / NUMA node number a list may name (bitmap sizes). */
#define SCHED_MAX_CPUS 8192
#define SCHED_MAX_NODES 1024
#define SCHED_ALL_CPUS "0-8191"

/* Parse a kernel list ("0-3,7"; "" is empty) into a bitmap of nbits bits.
 * Returns 0, or -EINVAL with no message (the caller names the field). */
int sched_parse_list(const char *list, unsigned long *bits, size_t nbits);

/* ioPriority, scheduler, memoryPolicy on the calling process (they are
 * inherited by execve). Needs the privileges the kernel wants for each
 * (a realtime policy: CAP_SYS_NICE in the initial user namespace). */
int sched_apply(const struct hrun_process *proc, const struct hrun_linux *l);

/* sched_setaffinity(pid, list); field names the config field in messages
 * ("process.execCPUAffinity.initial"). NULL list: nothing to do. */
int sched_set_affinity(pid_t pid, const char *list, const char *field);

#endif
