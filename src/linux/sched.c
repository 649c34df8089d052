/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.ioPriority, process.scheduler, process.execCPUAffinity and
 * linux.memoryPolicy, applied to the calling (or a given) process. The
 * parser (spec_sched.c) has checked names and ranges; the kernel checks
 * privileges and combinations, and its refusal is reported with the field.
 */
#define _GNU_SOURCE
#include "hrun/sched.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/error.h"

#define LONG_BITS (sizeof(unsigned long) * CHAR_BIT)

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* struct sched_attr of <linux/sched/types.h>, SCHED_ATTR_SIZE_VER1 (56
 * bytes, with the utilization clamps) */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static int parse_number(const char **s, size_t nbits, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (**s < '0' || **s > '9')
		return -EINVAL; /* the caller records */
	errno = 0;
	v = strtoul(*s, &end, 10);
	if (errno || v >= nbits)
		return -EINVAL; /* the caller records */
	*s = end;
	*out = v;
	return 0;
}

int sched_parse_list(const char *list, unsigned long *bits, size_t nbits)
{
	const char *s = list;

	memset(bits, 0, (nbits + LONG_BITS - 1) / LONG_BITS * sizeof(unsigned long));
	if (!*s)
		return 0;
	for (;;) {
		unsigned long lo, hi;

		if (parse_number(&s, nbits, &lo) < 0)
			return -EINVAL; /* the caller records */
		hi = lo;
		if (*s == '-') {
			s++;
			if (parse_number(&s, nbits, &hi) < 0 || hi < lo)
				return -EINVAL; /* the caller records */
		}
		for (unsigned long i = lo; i <= hi; i++)
			bits[i / LONG_BITS] |= 1UL << (i % LONG_BITS);
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL; /* the caller records */
	}
}

static int set_io_priority(const struct hrun_process *proc)
{
	int prio = proc->io_priority.ioclass << IOPRIO_CLASS_SHIFT | proc->io_priority.priority;

	if (!proc->has_io_priority)
		return 0;
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, prio) < 0)
		return hrun_syserr(errno, "process.ioPriority: ioprio_set");
	return 0;
}

static int set_scheduler(const struct hrun_process *proc)
{
	const struct hrun_scheduler *s = &proc->scheduler;
	struct sched_attr_v1 a = {
		.size = sizeof(a),
		.sched_policy = (uint32_t)s->policy,
		.sched_flags = s->flags,
		.sched_nice = s->nice,
		.sched_priority = (uint32_t)s->priority,
		.sched_runtime = s->runtime,
		.sched_deadline = s->deadline,
		.sched_period = s->period,
		/* the spec has no clamp values: SCHED_FLAG_UTIL_CLAMP_* set
		 * the full range (0..SCHED_CAPACITY_SCALE) */
		.sched_util_min = 0,
		.sched_util_max = 1024,
	};

	if (!proc->has_scheduler)
		return 0;
	if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
		return hrun_syserr(errno, "process.scheduler: sched_setattr");
	return 0;
}

static int set_memory_policy(const struct hrun_linux *l)
{
	const struct hrun_memory_policy *m = &l->memory_policy;
	unsigned long nodes[SCHED_MAX_NODES / LONG_BITS];
	int empty;

	if (!l->has_memory_policy)
		return 0;
	if (sched_parse_list(m->nodes ? m->nodes : "", nodes, SCHED_MAX_NODES) < 0)
		return hrun_err(EINVAL, "linux.memoryPolicy.nodes: invalid node list `%s`",
				m->nodes);
	empty = !m->nodes || !*m->nodes;
	/* maxnode: the kernel reads maxnode - 1 bits (a historic off-by-one) */
	if (syscall(SYS_set_mempolicy, m->mode | m->flags, empty ? NULL : nodes,
		    empty ? 0UL : (unsigned long)SCHED_MAX_NODES + 1) < 0)
		return hrun_syserr(errno, "linux.memoryPolicy: set_mempolicy");
	return 0;
}

int sched_apply(const struct hrun_process *proc, const struct hrun_linux *l)
{
	int r = set_io_priority(proc);

	if (r >= 0)
		r = set_scheduler(proc);
	if (r >= 0 && l)
		r = set_memory_policy(l);
	return r;
}

int sched_set_affinity(pid_t pid, const char *list, const char *field)
{
	unsigned long cpus[SCHED_MAX_CPUS / LONG_BITS];

	if (!list)
		return 0;
	if (sched_parse_list(list, cpus, SCHED_MAX_CPUS) < 0)
		return hrun_err(EINVAL, "%s: invalid CPU list `%s`", field, list);
	if (syscall(SYS_sched_setaffinity, pid, sizeof(cpus), cpus) < 0)
		return hrun_syserr(errno, "%s: sched_setaffinity `%s`", field, list);
	return 0;
}
