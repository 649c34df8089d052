/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> struct hrun_spec: the table-driven machinery.
 *
 * Every OCI object is described by a table of fields (JSON key, handler,
 * offset of the destination inside the C struct, optional has_* flag,
 * integer range, required flag), in the style of systemd's nspawn-oci.c.
 * parse_object() walks a table:
 *   - a missing required key, a wrong type or an out-of-range value
 *     produces exactly one line "FILE: json.path: problem";
 *   - keys that are not in the table are ignored, as the runtime-spec's
 *     extensibility rules demand ("runtimes MUST ignore unknown
 *     properties");
 *   - keys hrun knows but cannot honour carry a reason (`why`) and are
 *     rejected when they hold a non-empty value, so that a config never
 *     silently runs with less confinement than it asked for.
 * JSON null is treated like an absent key (Go generators emit it).
 *
 * Ownership: every allocation is stored into the destination struct the
 * moment it is made, so on any failure the caller frees the whole,
 * partially filled, struct with the ordinary free functions.
 *
 * This file is that machinery: the table walker, the scalar, string-list,
 * key/value and object-array handlers, shared by the tables of spec.c (top
 * level, process, hooks), spec_linux.c (the "linux" object, mounts) and
 * spec_sched.c; it is declared in spec-internal.h.
 */
#define _GNU_SOURCE
#include "spec-internal.h"

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------ */
/* errors and value descriptions                                       */

int spec_fail(const struct spec_ctx *c, const char *path, const char *fmt, ...)
{
	char msg[HRUN_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && path[0])
		return hrun_err(EINVAL, "%s: %s: %s", c->file, path, msg);
	return hrun_err(EINVAL, "%s: %s", c->file, msg);
}

int spec_oom(const struct spec_ctx *c)
{
	return hrun_err(ENOMEM, "%s: out of memory", c->file);
}

/* A short, escaped rendering of a JSON value for messages: strings are
 * JSON-quoted (so control characters cannot reach the terminal), long
 * ones are cut. */
struct spec_desc spec_describe(const json_t *v)
{
	struct spec_desc d;
	char *s;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		(void)snprintf(d.s, sizeof(d.s), "an object");
		return d;
	case JSON_ARRAY:
		(void)snprintf(d.s, sizeof(d.s), "an array");
		return d;
	case JSON_STRING:
	case JSON_INTEGER:
	case JSON_REAL:
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		break;
	}
	s = json_dumps(v, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (!s)
		(void)snprintf(d.s, sizeof(d.s), "a value");
	else if (strlen(s) > 64)
		(void)snprintf(d.s, sizeof(d.s), "%.60s...\"", s);
	else
		(void)snprintf(d.s, sizeof(d.s), "%s", s);
	free(s);
	return d;
}

/* Paths only feed messages: a (very deep) truncated one is acceptable. */
void spec_path_key(char *buf, const char *parent, const char *key)
{
	int n;

	if (parent && parent[0])
		n = snprintf(buf, SPEC_PATH_LEN, "%s.%s", parent, key);
	else
		n = snprintf(buf, SPEC_PATH_LEN, "%s", key);
	if (n < 0)
		buf[0] = '\0';
}

void spec_path_idx(char *buf, const char *parent, size_t i)
{
	if (snprintf(buf, SPEC_PATH_LEN, "%s[%zu]", parent, i) < 0)
		buf[0] = '\0';
}

/* object member whose key is free text (sysctl, annotations): a["k"] */
static void path_member(char *buf, const char *parent, const char *key)
{
	json_t *k = json_string(key);
	char *q = k ? json_dumps(k, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;

	(void)snprintf(buf, SPEC_PATH_LEN, "%s[%s]", parent, q ? q : "?");
	free(q);
	json_decref(k);
}

/* ------------------------------------------------------------------ */
/* scalar handlers                                                     */

int spec_get_int(const struct spec_ctx *c, const char *path, const json_t *v, int64_t min,
		 int64_t max, int64_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return spec_fail(c, path, "expected %s, got %s",
				 min >= 0 ? "a non-negative integer" : "an integer",
				 spec_describe(v).s);
	n = json_integer_value(v);
	if (n == INT64_MIN) /* UINT64_MAX in the text (spec_prescan_u64) */
		return spec_fail(c, path, "must be between %" PRId64 " and %" PRId64
				 ", got 18446744073709551615", min, max);
	if (min == 0 && n < 0)
		return spec_fail(c, path, "expected a non-negative integer, got %lld", n);
	if (n < min || n > max)
		return spec_fail(c, path, "must be between %" PRId64 " and %" PRId64 ", got %lld",
				 min, max, n);
	*out = n;
	return 0;
}

#define INT_HANDLER(fn, type)                                                                      \
	int fn(const struct spec_ctx *c, const char *path, json_t *v, void *base,                  \
	       const struct spec_field *f)                                                         \
	{                                                                                          \
		int64_t n;                                                                         \
		int r = spec_get_int(c, path, v, f->min, f->max, &n);                              \
		if (r < 0)                                                                         \
			return r;                                                                  \
		*(type *)SPEC_AT(base, f->off) = (type)n;                                          \
		return 0;                                                                          \
	}

/* A uint64 that may also be 18446744073709551615 (RLIM_INFINITY, what
 * engines send for unlimited): load_json turned that into INT64_MIN. */
int spec_h_u64_or_max(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		       const struct spec_field *f)
{
	int64_t n;
	int r;

	if (json_is_integer(v) && json_integer_value(v) == INT64_MIN) {
		*(uint64_t *)SPEC_AT(base, f->off) = UINT64_MAX;
		return 0;
	}
	r = spec_get_int(c, path, v, 0, INT64_MAX, &n);
	if (r < 0)
		return r;
	*(uint64_t *)SPEC_AT(base, f->off) = (uint64_t)n;
	return 0;
}

INT_HANDLER(spec_h_i64, int64_t)
INT_HANDLER(spec_h_u64, uint64_t)
INT_HANDLER(spec_h_u32, uint32_t)
INT_HANDLER(spec_h_u16, uint16_t)
INT_HANDLER(spec_h_uint, unsigned)
INT_HANDLER(spec_h_int, int)
INT_HANDLER(spec_h_mode, mode_t)

int spec_h_bool(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		const struct spec_field *f)
{
	if (!json_is_boolean(v))
		return spec_fail(c, path, "expected a boolean, got %s", spec_describe(v).s);
	*(bool *)SPEC_AT(base, f->off) = json_is_true(v);
	return 0;
}

int spec_want_string(const struct spec_ctx *c, const char *path, const json_t *v)
{
	if (!json_is_string(v))
		return spec_fail(c, path, "expected a string, got %s", spec_describe(v).s);
	return 0;
}

int spec_want_abs(const struct spec_ctx *c, const char *path, const json_t *v)
{
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	if (json_string_value(v)[0] != '/')
		return spec_fail(c, path, "must be an absolute path, got %s", spec_describe(v).s);
	return 0;
}

static int set_string(const struct spec_ctx *c, const json_t *v, char **dst)
{
	*dst = strdup(json_string_value(v));
	return *dst ? 0 : spec_oom(c);
}

int spec_h_str(const struct spec_ctx *c, const char *path, json_t *v, void *base,
	       const struct spec_field *f)
{
	int r = spec_want_string(c, path, v);

	return r < 0 ? r : set_string(c, v, SPEC_AT(base, f->off));
}

int spec_h_label(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		 const struct spec_field *f)
{
	int r = spec_want_string(c, path, v);

	if (r < 0 || json_string_length(v) == 0)
		return r;
	if (strlen(json_string_value(v)) != json_string_length(v))
		return spec_fail(c, path, "contains a NUL character");
	return set_string(c, v, SPEC_AT(base, f->off));
}

int spec_h_abs(const struct spec_ctx *c, const char *path, json_t *v, void *base,
	       const struct spec_field *f)
{
	int r = spec_want_abs(c, path, v);

	return r < 0 ? r : set_string(c, v, SPEC_AT(base, f->off));
}

/* Look a string up in f->names; stores the int value. */
int spec_lookup(const struct spec_ctx *c, const char *path, const json_t *v,
		const struct spec_names *names, int *out)
{
	const char *s;
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	s = json_string_value(v);
	for (size_t i = 0; i < names->n; i++) {
		if (strcmp(names->v[i].name, s) == 0) {
			*out = names->v[i].value;
			return 0;
		}
	}
	return spec_fail(c, path, "unknown %s %s", names->what, spec_describe(v).s);
}

int spec_h_enum(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		const struct spec_field *f)
{
	return spec_lookup(c, path, v, f->names, SPEC_AT(base, f->off));
}

/* An array of names from NAMES: EACH(i, value, arg) for element i, in
 * order. A non-array or an unknown name is one line naming the element. */
int spec_each_name(const struct spec_ctx *c, const char *path, const json_t *v,
		   const struct spec_names *names, void (*each)(size_t i, int value, void *arg),
		   void *arg)
{
	char p[SPEC_PATH_LEN];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	json_array_foreach(v, i, e) {
		int value, r;

		spec_path_idx(p, path, i);
		r = spec_lookup(c, p, e, names, &value);
		if (r < 0)
			return r;
		each(i, value, arg);
	}
	return 0;
}

static void or_value(size_t i, int value, void *arg)
{
	(void)i;
	*(uint64_t *)arg |= (uint64_t)(unsigned)value;
}

int spec_name_mask(const struct spec_ctx *c, const char *path, const json_t *v,
		   const struct spec_names *names, uint64_t *out)
{
	*out = 0;
	return spec_each_name(c, path, v, names, or_value, out);
}

/* ------------------------------------------------------------------ */
/* string lists                                                        */

int spec_parse_strv(const struct spec_ctx *c, const char *path, json_t *v, size_t min,
		      int (*check)(const struct spec_ctx *, const char *, const json_t *),
		      char ***out)
{
	char p[SPEC_PATH_LEN];
	size_t i;
	json_t *e;
	char **l;

	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	if (json_array_size(v) < min)
		return spec_fail(c, path, "must contain at least %zu element%s", min,
				 min == 1 ? "" : "s");
	l = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!l)
		return spec_oom(c);
	*out = l;
	json_array_foreach(v, i, e) {
		int r;

		spec_path_idx(p, path, i);
		r = check(c, p, e);
		if (r < 0)
			return r;
		r = set_string(c, e, &l[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_env(const struct spec_ctx *c, const char *path, const json_t *v)
{
	int r = spec_want_string(c, path, v);
	const char *eq;

	if (r < 0)
		return r;
	eq = strchr(json_string_value(v), '=');
	if (!eq || eq == json_string_value(v))
		return spec_fail(c, path, "expected \"NAME=VALUE\", got %s", spec_describe(v).s);
	return 0;
}

int spec_h_strv(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		const struct spec_field *f)
{
	return spec_parse_strv(c, path, v, (size_t)f->min, spec_want_string, SPEC_AT(base, f->off));
}

int spec_h_strv_abs(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		    const struct spec_field *f)
{
	return spec_parse_strv(c, path, v, (size_t)f->min, spec_want_abs, SPEC_AT(base, f->off));
}

int spec_h_env(const struct spec_ctx *c, const char *path, json_t *v, void *base,
	       const struct spec_field *f)
{
	return spec_parse_strv(c, path, v, (size_t)f->min, check_env, SPEC_AT(base, f->off));
}

/* object of string -> string; f->valid_key (optional) vets each key */
int spec_h_kv(const struct spec_ctx *c, const char *path, json_t *v, void *base,
	      const struct spec_field *f)
{
	struct hrun_kv **kv = SPEC_AT(base, f->off);
	size_t *n = SPEC_AT(base, f->cnt);
	char p[SPEC_PATH_LEN];
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return spec_fail(c, path, "expected an object, got %s", spec_describe(v).s);
	if (json_object_size(v) == 0)
		return 0;
	*kv = calloc(json_object_size(v), sizeof(**kv));
	if (!*kv)
		return spec_oom(c);
	json_object_foreach(v, key, val) {
		struct hrun_kv *e = &(*kv)[*n];
		int r;

		path_member(p, path, key);
		if (f->valid_key && !f->valid_key(key))
			return spec_fail(c, p, "invalid %s name", f->what);
		r = spec_want_string(c, p, val);
		if (r < 0)
			return r;
		(*n)++;
		e->key = strdup(key);
		e->value = strdup(json_string_value(val));
		if (!e->key || !e->value)
			return spec_oom(c);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* objects and arrays of objects                                       */

/* "Empty" for a known-but-unsupported field: null, "", [], {}, 0, false. */
static bool json_empty(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE:
		return true;
	case JSON_STRING:
		return json_string_length(v) == 0;
	case JSON_ARRAY:
		return json_array_size(v) == 0;
	case JSON_OBJECT:
		return json_object_size(v) == 0;
	case JSON_INTEGER:
		return json_integer_value(v) == 0;
	case JSON_REAL:
		return json_real_value(v) == 0.0;
	case JSON_TRUE:
		return false;
	}
	return false;
}

int spec_parse_object(const struct spec_ctx *c, const char *path, json_t *obj,
		      const struct spec_field *fields, size_t n, void *base)
{
	char p[SPEC_PATH_LEN];

	if (!json_is_object(obj))
		return spec_fail(c, path, "expected an object, got %s", spec_describe(obj).s);
	for (size_t i = 0; i < n; i++) {
		const struct spec_field *f = &fields[i];
		json_t *v = json_object_get(obj, f->name);
		int r;

		spec_path_key(p, path, f->name);
		if (!v || json_is_null(v)) {
			if (f->required)
				return spec_fail(c, p, "required field is missing");
			continue;
		}
		if (f->why) {
			if (!json_empty(v))
				return spec_fail(c, p, "not supported by hrun (%s)", f->why);
			continue;
		}
		r = f->parse(c, p, v, base, f);
		if (r < 0)
			return r;
		if (f->has)
			*(bool *)SPEC_AT(base, f->has - 1) = true;
	}
	return 0;
}

int spec_h_object(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	void *dst = SPEC_AT(base, f->off);
	int r;

	if (f->init)
		f->init(dst);
	r = spec_parse_object(c, path, v, f->sub, f->nsub, dst);
	if (r < 0)
		return r;
	return f->check ? f->check(c, path, dst) : 0;
}

/* array of objects into a counted (ptr, n) pair: f->off is the pointer,
 * f->cnt the count, f->elem_size the element size, f->sub the element
 * table, f->init/f->check per element. */
int spec_h_obj_array(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		     const struct spec_field *f)
{
	void **ptr = SPEC_AT(base, f->off);
	size_t *n = SPEC_AT(base, f->cnt);
	char p[SPEC_PATH_LEN];
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	if (json_array_size(v) == 0)
		return 0;
	*ptr = calloc(json_array_size(v), f->elem_size);
	if (!*ptr)
		return spec_oom(c);
	*n = json_array_size(v);
	json_array_foreach(v, i, e) {
		void *elem = (char *)*ptr + i * f->elem_size;
		int r;

		spec_path_idx(p, path, i);
		if (f->init)
			f->init(elem);
		r = spec_parse_object(c, p, e, f->sub, f->nsub, elem);
		if (r < 0)
			return r;
		if (f->check) {
			r = f->check(c, p, elem);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* shared tables                                                       */

static const struct spec_field idmap_fields[] = {
	SPEC_FLD("containerID", spec_h_u32, struct hrun_id_map, container_id, SPEC_U32, SPEC_REQ),
	SPEC_FLD("hostID", spec_h_u32, struct hrun_id_map, host_id, SPEC_U32, SPEC_REQ),
	SPEC_FLD("size", spec_h_u32, struct hrun_id_map, size, SPEC_RANGE(1, UINT32_MAX),
		 SPEC_REQ),
};

static int check_idmap(const struct spec_ctx *c, const char *path, void *elem)
{
	const struct hrun_id_map *m = elem;

	if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1 ||
	    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
		return spec_fail(c, path, "range exceeds the 32-bit ID space");
	return 0;
}

int spec_h_idmaps(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	const struct spec_field g = {
		.off = f->off,
		.cnt = f->cnt,
		.sub = idmap_fields,
		.nsub = ARRAY_SIZE(idmap_fields),
		.elem_size = sizeof(struct hrun_id_map),
		.check = check_idmap,
	};

	return spec_h_obj_array(c, path, v, base, &g);
}
