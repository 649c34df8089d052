/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CGROUP_INTERNAL_H
#define HRUN_CGROUP_INTERNAL_H

/*
 * cgroupfs file helpers shared by cgroup.c (the driver) and cgroup_stats.c
 * (cgroup_stats()). Not a public interface: only these two files include it.
 */

#include <stdbool.h>
#include <stdint.h>

/* Read DIR/NAME (NUL-terminated) into *ret (freed by the caller). Returns 0
 * or a negative errno; errors are recorded. */
int cgroup_read_path(const char *dir, const char *name, char **ret);

/* Value of "KEY N" in the text of a flat-keyed file (cgroup.events,
 * cpu.stat, ...); false when KEY is absent. */
bool cgroup_kv_get(const char *text, const char *key, uint64_t *ret);

#endif
