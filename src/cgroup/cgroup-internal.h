/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CGROUP_INTERNAL_H
#define HRUN_CGROUP_INTERNAL_H

/*
 * cgroupfs file helpers shared by cgroup.c (the driver), cgroup_resources.c
 * (the resource writers), cgroup_stats.c (cgroup_stats()) and
 * cgroup_procs.c (enter, freeze, kill, pids, destroy). Not a public
 * interface: only these files include it.
 */

#include <stdbool.h>
#include <stdint.h>

struct hrun_resources;

/* Read NAME in DIRFD, or DIR/NAME when DIRFD is AT_FDCWD, (NUL-terminated)
 * into *ret (freed by the caller). Errors are recorded naming DIR/NAME. */
int cgroup_read_at(int dirfd, const char *dir, const char *name, char **ret);

/* Write VAL to NAME in DIRFD, or to DIR/NAME when DIRFD is AT_FDCWD, with
 * one write(2); errors are recorded as "write `VAL` to `DIR/NAME`: ...". */
int cgroup_write_at(int dirfd, const char *dir, const char *name, const char *val);

/* Read DIR/NAME (NUL-terminated) into *ret (freed by the caller). Returns 0
 * or a negative errno; errors are recorded. */
int cgroup_read_path(const char *dir, const char *name, char **ret);

/* Value of "KEY N" in the text of a flat-keyed file (cgroup.events,
 * cpu.stat, ...); false when KEY is absent. */
bool cgroup_kv_get(const char *text, const char *key, uint64_t *ret);

/* Write VAL to NAME in DIRFD, or to DIR/NAME when DIRFD is AT_FDCWD, with
 * one write(2). Returns 0 or a negative errno and records nothing: the
 * caller decides whether (and how) the failure is an error. */
int cgroup_write_raw(int dirfd, const char *dir, const char *name, const char *val);

/* Write VAL to DIR/NAME with one write(2). Returns 0 or a negative errno;
 * errors are recorded as "write `VAL` to `DIR/NAME`: ...". */
int cgroup_write_path(const char *dir, const char *name, const char *val);

/* cgroup_resources.c: write every limit of R into the cgroup DFD (named
 * PATH in messages), memory, cpu, pids, io, hugetlb, then unified (last: it
 * may refine the others). R is validated, its controllers enabled. */
int cgroup_apply_resources(int dfd, const char *path, const struct hrun_resources *r);

#endif
