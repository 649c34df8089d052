/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SPEC_INTERNAL_H
#define HRUN_SPEC_INTERNAL_H

/*
 * Table-driven JSON -> struct machinery (spec_handlers.c) shared by spec.c
 * (top level, process, hooks), spec_mount.c (mounts), spec_linux.c (the
 * "linux" object) and spec_sched.c. Not a public interface: only these
 * files include it.
 */

#include "hrun/cleanup.h"
#include "hrun/spec.h"

#include <stdint.h>

/* longest JSON path kept for messages ("linux.seccomp.syscalls[12].args[3].op") */
#define SPEC_PATH_LEN 256

struct spec_ctx {
	const char *file; /* name used in messages: "config.json" */
};

struct spec_name_value {
	const char *name;
	int value;
};

struct spec_names {
	const struct spec_name_value *v;
	size_t n;
	const char *what; /* "capability": unknown capability "CAP_FOO" */
};

struct spec_field;
typedef int (*spec_field_fn)(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			     const struct spec_field *f);

/*
 * One JSON key of one object. The handler gets the object's C struct
 * (`base`) and the field; the destination is base + off.
 */
struct spec_field {
	const char *name;
	spec_field_fn parse;
	size_t off;
	size_t has;      /* offsetof(has_* flag) + 1; 0: none */
	size_t cnt;      /* counted arrays / kv: offsetof(n_*) */
	bool required;
	const char *why; /* known but unsupported: reject unless empty, this is the reason */
	int64_t min, max; /* integer range; strv: minimum element count in min */
	const struct spec_field *sub; /* nested object / array element table */
	size_t nsub;
	size_t elem_size;
	const struct spec_names *names; /* enum lookups */
	void (*init)(void *elem);       /* defaults before parsing an element */
	int (*check)(const struct spec_ctx *c, const char *path, void *elem); /* after */
	bool (*valid_key)(const char *key); /* kv objects */
	const char *what;                   /* kv objects: "sysctl" */
};

#define SPEC_AT(base, off) ((void *)((char *)(base) + (off)))

#define SPEC_FLD(n, fn, T, m, ...)                                                                 \
	{ .name = (n), .parse = (fn), .off = offsetof(T, m), __VA_ARGS__ }
#define SPEC_HAS(T, m) .has = offsetof(T, m) + 1
#define SPEC_REQ .required = true
#define SPEC_RANGE(lo, hi) .min = (lo), .max = (hi)
#define SPEC_U64 SPEC_RANGE(0, INT64_MAX) /* jansson integers stop at INT64_MAX */
#define SPEC_I64 SPEC_RANGE(INT64_MIN, INT64_MAX)
#define SPEC_U32 SPEC_RANGE(0, UINT32_MAX)
#define SPEC_ID SPEC_RANGE(0, UINT32_MAX - 1)
#define SPEC_UNSUP(n, reason) { .name = (n), .why = (reason) }
/* nested object stored in member m */
#define SPEC_OBJ(n, T, m, table, ...)                                                              \
	SPEC_FLD(n, spec_h_object, T, m, .sub = (table), .nsub = ARRAY_SIZE(table), __VA_ARGS__)
/* nested object whose fields live directly in the enclosing struct */
#define SPEC_FLAT(n, table, ...)                                                                   \
	{ .name = (n), .parse = spec_h_object, .sub = (table), .nsub = ARRAY_SIZE(table),          \
	  __VA_ARGS__ }
/* array of objects into (T.m, T.cnt_m) */
#define SPEC_OBJARR_FN(n, fn, T, m, cnt_m, table, ET, ...)                                         \
	SPEC_FLD(n, fn, T, m, .cnt = offsetof(T, cnt_m), .sub = (table),                           \
		 .nsub = ARRAY_SIZE(table), .elem_size = sizeof(ET), __VA_ARGS__)
#define SPEC_OBJARR(n, T, m, cnt_m, table, ET, ...)                                                \
	SPEC_OBJARR_FN(n, spec_h_obj_array, T, m, cnt_m, table, ET, __VA_ARGS__)
#define SPEC_IDMAPS(n, T, m, cnt_m) SPEC_FLD(n, spec_h_idmaps, T, m, .cnt = offsetof(T, cnt_m))

struct spec_desc {
	char s[80];
};

/* linux.sysctl: each key namespaced and its namespace in linux.namespaces */
int spec_check_sysctl(const struct spec_ctx *c, const struct hrun_linux *l);
int spec_fail(const struct spec_ctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int spec_oom(const struct spec_ctx *c);
struct spec_desc spec_describe(const json_t *v);
void spec_path_key(char *buf, const char *parent, const char *key);
void spec_path_idx(char *buf, const char *parent, size_t i);

int spec_get_int(const struct spec_ctx *c, const char *path, const json_t *v, int64_t min,
		 int64_t max, int64_t *out);
int spec_want_string(const struct spec_ctx *c, const char *path, const json_t *v);
int spec_want_abs(const struct spec_ctx *c, const char *path, const json_t *v);
int spec_lookup(const struct spec_ctx *c, const char *path, const json_t *v,
		const struct spec_names *names, int *out);
/* An array of names from NAMES: EACH(i, value, arg) per element, in order. */
int spec_each_name(const struct spec_ctx *c, const char *path, const json_t *v,
		   const struct spec_names *names, void (*each)(size_t i, int value, void *arg),
		   void *arg);
/* ["A", "B"] -> value(A) | value(B) */
int spec_name_mask(const struct spec_ctx *c, const char *path, const json_t *v,
		   const struct spec_names *names, uint64_t *out);
int spec_parse_strv(const struct spec_ctx *c, const char *path, json_t *v, size_t min,
		    int (*check)(const struct spec_ctx *, const char *, const json_t *),
		    char ***out);
int spec_parse_object(const struct spec_ctx *c, const char *path, json_t *obj,
		      const struct spec_field *fields, size_t n, void *base);

int spec_h_i64(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_u64(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
/* a u64 that may also be 18446744073709551615 (RLIM_INFINITY) */
int spec_h_u64_or_max(const struct spec_ctx *, const char *, json_t *, void *,
		      const struct spec_field *);
int spec_h_u32(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_u16(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_uint(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_int(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_mode(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_bool(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_str(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_abs(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
/* an LSM profile or label: "" is "not given", no NUL inside */
int spec_h_label(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_enum(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_strv(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_strv_abs(const struct spec_ctx *, const char *, json_t *, void *,
		    const struct spec_field *);
int spec_h_env(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_kv(const struct spec_ctx *, const char *, json_t *, void *, const struct spec_field *);
int spec_h_object(const struct spec_ctx *, const char *, json_t *, void *,
		  const struct spec_field *);
int spec_h_obj_array(const struct spec_ctx *, const char *, json_t *, void *,
		     const struct spec_field *);
int spec_h_idmaps(const struct spec_ctx *, const char *, json_t *, void *,
		  const struct spec_field *);

/* spec_sched.c */
int spec_h_io_priority(const struct spec_ctx *, const char *, json_t *, void *,
		       const struct spec_field *);
int spec_h_scheduler(const struct spec_ctx *, const char *, json_t *, void *,
		     const struct spec_field *);
int spec_h_cpu_affinity(const struct spec_ctx *, const char *, json_t *, void *,
			const struct spec_field *);
int spec_h_memory_policy(const struct spec_ctx *, const char *, json_t *, void *,
			 const struct spec_field *);
int spec_h_personality_flags(const struct spec_ctx *, const char *, json_t *, void *,
			     const struct spec_field *);

/* spec_netdev.c */
int spec_h_net_devices(const struct spec_ctx *, const char *, json_t *, void *,
		       const struct spec_field *);
int spec_check_net_devices(const struct spec_ctx *c, const struct hrun_linux *l);
void spec_net_devices_free(struct hrun_net_device *d, size_t n);

/* spec_mount.c */
int spec_h_mounts(const struct spec_ctx *, const char *, json_t *, void *,
		  const struct spec_field *);
/* mounts[]: idmap/ridmap with their mappings, against the rest of the config */
int spec_check_mounts(const struct spec_ctx *c, const struct hrun_spec *s);
void spec_mount_clear(struct hrun_mount *m);

/* spec_linux.c */
int spec_h_linux(const struct spec_ctx *, const char *, json_t *, void *,
		 const struct spec_field *);
int spec_parse_resources_json(const struct spec_ctx *c, const char *path, json_t *v,
			      struct hrun_resources *res);
void spec_linux_clear(struct hrun_linux *l);
void spec_kv_free(struct hrun_kv *kv, size_t n);

#endif
