/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parser tables of process.ioPriority, process.scheduler,
 * process.execCPUAffinity, linux.memoryPolicy and linux.personality.flags
 * (the values sched.c and process.c apply). Same table-driven scheme as
 * spec.c (see spec-internal.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/sched.h"
#include "hrun/util.h"
#include "spec-internal.h"

/* ------------------------------------------------------------------ */
/* name tables (also listed by `hrun features`)                        */

static const struct spec_name_value ioprio_class_values[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
};
static const struct spec_names ioprio_class_names = {
	ioprio_class_values, ARRAY_SIZE(ioprio_class_values), "I/O priority class"
};

static const struct spec_name_value sched_policy_values[] = {
	{ "SCHED_OTHER", 0 }, { "SCHED_FIFO", 1 },  { "SCHED_RR", 2 },
	{ "SCHED_BATCH", 3 }, { "SCHED_IDLE", 5 },
	{ "SCHED_DEADLINE", 6 },
};
static const struct spec_names sched_policy_names = {
	sched_policy_values, ARRAY_SIZE(sched_policy_values), "scheduler policy"
};

static const struct spec_name_value sched_flag_values[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 },  { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },     { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};
static const struct spec_names sched_flag_names = {
	sched_flag_values, ARRAY_SIZE(sched_flag_values), "scheduler flag"
};

static const struct spec_name_value mpol_mode_values[] = {
	{ "MPOL_DEFAULT", 0 },	      { "MPOL_PREFERRED", 1 },	  { "MPOL_BIND", 2 },
	{ "MPOL_INTERLEAVE", 3 },     { "MPOL_LOCAL", 4 },	  { "MPOL_PREFERRED_MANY", 5 },
	{ "MPOL_WEIGHTED_INTERLEAVE", 6 },
};
static const struct spec_names mpol_mode_names = {
	mpol_mode_values, ARRAY_SIZE(mpol_mode_values), "memory policy mode"
};

static const struct spec_name_value mpol_flag_values[] = {
	{ "MPOL_F_NUMA_BALANCING", 1 << 13 },
	{ "MPOL_F_RELATIVE_NODES", 1 << 14 },
	{ "MPOL_F_STATIC_NODES", 1 << 15 },
};
static const struct spec_names mpol_flag_names = {
	mpol_flag_values, ARRAY_SIZE(mpol_flag_values), "memory policy flag"
};

static const struct spec_names *const known_tables[] = {
	[SPEC_NAMES_IOPRIO_CLASS] = &ioprio_class_names,
	[SPEC_NAMES_SCHED_POLICY] = &sched_policy_names,
	[SPEC_NAMES_SCHED_FLAG] = &sched_flag_names,
	[SPEC_NAMES_MPOL_MODE] = &mpol_mode_names,
	[SPEC_NAMES_MPOL_FLAG] = &mpol_flag_names,
};

size_t spec_known_names(enum spec_names_table t, const char **out, size_t max)
{
	const struct spec_names *n = known_tables[t];
	size_t i;

	for (i = 0; i < n->n && i < max; i++)
		out[i] = n->v[i].name;
	return i;
}

/* ------------------------------------------------------------------ */
/* handlers                                                            */

static int h_sched_flags(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			 const struct spec_field *f)
{
	return spec_name_mask(c, path, v, &sched_flag_names, SPEC_AT(base, f->off));
}

static int h_mpol_flags(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			const struct spec_field *f)
{
	uint64_t flags;
	int r = spec_name_mask(c, path, v, &mpol_flag_names, &flags);

	*(int *)SPEC_AT(base, f->off) = (int)flags;
	return r;
}

/* a kernel list ("0-3,7") of at most nbits entries */
static int h_list(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f, size_t nbits, const char *what)
{
	unsigned long bits[SCHED_MAX_CPUS / (sizeof(unsigned long) * 8)];
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	if (sched_parse_list(json_string_value(v), bits, nbits) < 0)
		return spec_fail(c, path, "invalid %s list %s (expected e.g. \"0-3,7\", below %zu)",
				 what, spec_describe(v).s, nbits);
	return spec_h_str(c, path, v, base, f);
}

static int h_cpus(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	/* "" is read as "not given" (Go generators write the zero value) */
	if (json_is_string(v) && json_string_length(v) == 0)
		return 0;
	return h_list(c, path, v, base, f, SCHED_MAX_CPUS, "CPU");
}

static int h_nodes(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		   const struct spec_field *f)
{
	return h_list(c, path, v, base, f, SCHED_MAX_NODES, "NUMA node");
}

/* The kernel refuses these too, but with a bare EINVAL. */
static int check_memory_policy(const struct spec_ctx *c, const char *path, void *elem)
{
	const struct hrun_memory_policy *m = elem;
	char p[SPEC_PATH_LEN];
	bool empty = !m->nodes || !*m->nodes;

	spec_path_key(p, path, "nodes");
	if ((m->mode == 0 || m->mode == 4) && !empty)
		return spec_fail(c, p, "must be empty with MPOL_DEFAULT and MPOL_LOCAL");
	if ((m->mode == 2 || m->mode == 3 || m->mode == 5 || m->mode == 6) && empty)
		return spec_fail(c, p, "required by this mode");
	return 0;
}

/* the runtime-spec defines no personality flags: only [] is valid */
int spec_h_personality_flags(const struct spec_ctx *c, const char *path, json_t *v,
			       void *base, const struct spec_field *f)
{
	(void)base;
	(void)f;
	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	if (json_array_size(v))
		return spec_fail(c, path, "unknown flag %s (the runtime-spec defines none)",
				 spec_describe(json_array_get(v, 0)).s);
	return 0;
}

/* {} and null read as "not given" (generators write zero values) */
static bool spec_empty(const json_t *v)
{
	return json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0);
}

/* ------------------------------------------------------------------ */
/* tables                                                              */

#define IOP struct hrun_io_priority
static const struct spec_field io_priority_fields[] = {
	SPEC_FLD("class", spec_h_enum, IOP, ioclass, .names = &ioprio_class_names, SPEC_REQ),
	SPEC_FLD("priority", spec_h_int, IOP, priority, SPEC_RANGE(0, 7), SPEC_REQ),
};

#define SCH struct hrun_scheduler
static const struct spec_field scheduler_fields[] = {
	SPEC_FLD("policy", spec_h_enum, SCH, policy, .names = &sched_policy_names, SPEC_REQ),
	SPEC_FLD("nice", spec_h_int, SCH, nice, SPEC_RANGE(-20, 19)),
	SPEC_FLD("priority", spec_h_int, SCH, priority, SPEC_RANGE(0, 99)),
	SPEC_FLD("flags", h_sched_flags, SCH, flags),
	SPEC_FLD("runtime", spec_h_u64, SCH, runtime, SPEC_U64),
	SPEC_FLD("deadline", spec_h_u64, SCH, deadline, SPEC_U64),
	SPEC_FLD("period", spec_h_u64, SCH, period, SPEC_U64),
};

static const struct spec_field affinity_fields[] = {
	SPEC_FLD("initial", h_cpus, struct hrun_process, cpus_initial),
	SPEC_FLD("final", h_cpus, struct hrun_process, cpus_final),
};

#define MPOL struct hrun_memory_policy
static const struct spec_field memory_policy_fields[] = {
	SPEC_FLD("mode", spec_h_enum, MPOL, mode, .names = &mpol_mode_names, SPEC_REQ),
	SPEC_FLD("nodes", h_nodes, MPOL, nodes),
	SPEC_FLD("flags", h_mpol_flags, MPOL, flags),
};

int spec_h_io_priority(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		       const struct spec_field *f)
{
	struct hrun_process *p = base;

	(void)f;
	if (spec_empty(v))
		return 0;
	p->has_io_priority = true;
	return spec_parse_object(c, path, v, io_priority_fields, ARRAY_SIZE(io_priority_fields),
				 &p->io_priority);
}

int spec_h_scheduler(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		     const struct spec_field *f)
{
	struct hrun_process *p = base;

	(void)f;
	if (spec_empty(v))
		return 0;
	p->has_scheduler = true;
	return spec_parse_object(c, path, v, scheduler_fields, ARRAY_SIZE(scheduler_fields),
				 &p->scheduler);
}

int spec_h_cpu_affinity(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			const struct spec_field *f)
{
	(void)f;
	if (spec_empty(v))
		return 0;
	return spec_parse_object(c, path, v, affinity_fields, ARRAY_SIZE(affinity_fields), base);
}

int spec_h_memory_policy(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			 const struct spec_field *f)
{
	struct hrun_linux *l = base;
	int r;

	(void)f;
	if (spec_empty(v))
		return 0;
	l->has_memory_policy = true;
	r = spec_parse_object(c, path, v, memory_policy_fields,
			      ARRAY_SIZE(memory_policy_fields), &l->memory_policy);
	return r < 0 ? r : check_memory_policy(c, path, &l->memory_policy);
}
