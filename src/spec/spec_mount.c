/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json "mounts" (config.md, Mounts): the options table (-> MS_*
 * flags, the recursive MOUNT_ATTR_* bits, propagation, idmap) and the
 * per-mount uidMappings/gidMappings, with the checks that need the whole
 * config (spec_check_mounts). Same table-driven scheme as spec.c (see
 * spec-internal.h).
 */
#define _GNU_SOURCE
#include "spec-internal.h"

#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

enum opt_kind {
	OPT_FLAG,     /* MS_* set/clear on the mount itself */
	OPT_PROP,     /* propagation */
	OPT_REC,      /* MOUNT_ATTR_* set/clear with AT_RECURSIVE */
	OPT_REC_TIME, /* a recursive atime mode (MOUNT_ATTR__ATIME) */
	OPT_IDMAP,    /* idmap / ridmap */
	OPT_TMPCOPYUP,
	OPT_NOOP,
};

struct mount_opt {
	const char *name;
	enum opt_kind kind;
	unsigned long set;
	unsigned long clear;
};

static const struct mount_opt mount_opts[] = {
	{ "defaults", OPT_NOOP, 0, 0 },
	{ "ro", OPT_FLAG, MS_RDONLY, 0 },
	{ "rw", OPT_FLAG, 0, MS_RDONLY },
	{ "nosuid", OPT_FLAG, MS_NOSUID, 0 },
	{ "suid", OPT_FLAG, 0, MS_NOSUID },
	{ "nodev", OPT_FLAG, MS_NODEV, 0 },
	{ "dev", OPT_FLAG, 0, MS_NODEV },
	{ "noexec", OPT_FLAG, MS_NOEXEC, 0 },
	{ "exec", OPT_FLAG, 0, MS_NOEXEC },
	{ "sync", OPT_FLAG, MS_SYNCHRONOUS, 0 },
	{ "async", OPT_FLAG, 0, MS_SYNCHRONOUS },
	{ "dirsync", OPT_FLAG, MS_DIRSYNC, 0 },
	{ "remount", OPT_FLAG, MS_REMOUNT, 0 },
	{ "mand", OPT_FLAG, MS_MANDLOCK, 0 },
	{ "nomand", OPT_FLAG, 0, MS_MANDLOCK },
	{ "noatime", OPT_FLAG, MS_NOATIME, 0 },
	{ "atime", OPT_FLAG, 0, MS_NOATIME },
	{ "nodiratime", OPT_FLAG, MS_NODIRATIME, 0 },
	{ "diratime", OPT_FLAG, 0, MS_NODIRATIME },
	{ "relatime", OPT_FLAG, MS_RELATIME, 0 },
	{ "norelatime", OPT_FLAG, 0, MS_RELATIME },
	{ "strictatime", OPT_FLAG, MS_STRICTATIME, 0 },
	{ "nostrictatime", OPT_FLAG, 0, MS_STRICTATIME },
	{ "lazytime", OPT_FLAG, MS_LAZYTIME, 0 },
	{ "nolazytime", OPT_FLAG, 0, MS_LAZYTIME },
	{ "nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW, 0 },
	{ "symfollow", OPT_FLAG, 0, MS_NOSYMFOLLOW },
	{ "silent", OPT_FLAG, MS_SILENT, 0 },
	{ "loud", OPT_FLAG, 0, MS_SILENT },
	{ "bind", OPT_FLAG, MS_BIND, 0 },
	{ "rbind", OPT_FLAG, MS_BIND | MS_REC, 0 },
	{ "private", OPT_PROP, HRUN_PROP_PRIVATE, 0 },
	{ "rprivate", OPT_PROP, HRUN_PROP_RPRIVATE, 0 },
	{ "shared", OPT_PROP, HRUN_PROP_SHARED, 0 },
	{ "rshared", OPT_PROP, HRUN_PROP_RSHARED, 0 },
	{ "slave", OPT_PROP, HRUN_PROP_SLAVE, 0 },
	{ "rslave", OPT_PROP, HRUN_PROP_RSLAVE, 0 },
	{ "unbindable", OPT_PROP, HRUN_PROP_UNBINDABLE, 0 },
	{ "runbindable", OPT_PROP, HRUN_PROP_RUNBINDABLE, 0 },
	/* runtime-spec 1.1: mount_setattr(AT_RECURSIVE) on the whole tree */
	{ "rro", OPT_REC, MOUNT_ATTR_RDONLY, 0 },
	{ "rrw", OPT_REC, 0, MOUNT_ATTR_RDONLY },
	{ "rnosuid", OPT_REC, MOUNT_ATTR_NOSUID, 0 },
	{ "rsuid", OPT_REC, 0, MOUNT_ATTR_NOSUID },
	{ "rnodev", OPT_REC, MOUNT_ATTR_NODEV, 0 },
	{ "rdev", OPT_REC, 0, MOUNT_ATTR_NODEV },
	{ "rnoexec", OPT_REC, MOUNT_ATTR_NOEXEC, 0 },
	{ "rexec", OPT_REC, 0, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", OPT_REC, MOUNT_ATTR_NODIRATIME, 0 },
	{ "rdiratime", OPT_REC, 0, MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow", OPT_REC, MOUNT_ATTR_NOSYMFOLLOW, 0 },
	{ "rsymfollow", OPT_REC, 0, MOUNT_ATTR_NOSYMFOLLOW },
	/* the atime modes exclude each other: the kernel takes one mode with
	 * the whole MOUNT_ATTR__ATIME mask cleared. The "no" forms return to
	 * the kernel's default, relatime (as mount(2) does for "atime" and
	 * "norelatime", and as runc does) */
	{ "rnoatime", OPT_REC_TIME, MOUNT_ATTR_NOATIME, 0 },
	{ "ratime", OPT_REC_TIME, MOUNT_ATTR_RELATIME, 0 },
	{ "rrelatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME, 0 },
	{ "rnorelatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME, 0 },
	{ "rstrictatime", OPT_REC_TIME, MOUNT_ATTR_STRICTATIME, 0 },
	{ "rnostrictatime", OPT_REC_TIME, MOUNT_ATTR_RELATIME, 0 },
	{ "idmap", OPT_IDMAP, HRUN_IDMAP_TOP, 0 },
	{ "ridmap", OPT_IDMAP, HRUN_IDMAP_RECURSIVE, 0 },
	{ "tmpcopyup", OPT_TMPCOPYUP, 0, 0 },
};

size_t spec_mount_options(const char **ret, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(mount_opts) && n < max; i++)
		ret[n++] = mount_opts[i].name;
	return n;
}

static int append_data(const struct spec_ctx *c, struct hrun_mount *m, const char *opt)
{
	size_t old = m->data ? strlen(m->data) : 0;
	char *d = realloc(m->data, old + strlen(opt) + 2);

	if (!d)
		return spec_oom(c);
	if (old)
		d[old++] = ',';
	strcpy(d + old, opt);
	m->data = d;
	return 0;
}

/* Options apply in order: the last of "ro,rw" (or "rro,rrw") wins. */
static void apply_opt(struct hrun_mount *m, const struct mount_opt *o)
{
	switch (o->kind) {
	case OPT_FLAG:
		m->flags = (m->flags | o->set) & ~o->clear;
		m->clear_flags = (m->clear_flags | o->clear) & ~o->set;
		break;
	case OPT_PROP:
		m->propagation = (enum hrun_propagation)o->set;
		break;
	case OPT_REC:
		m->rec_attr_set = (m->rec_attr_set | (unsigned)o->set) & ~(unsigned)o->clear;
		m->rec_attr_clr = (m->rec_attr_clr | (unsigned)o->clear) & ~(unsigned)o->set;
		break;
	case OPT_REC_TIME:
		m->rec_attr_set = (m->rec_attr_set & ~(unsigned)MOUNT_ATTR__ATIME) | (unsigned)o->set;
		m->rec_attr_clr |= MOUNT_ATTR__ATIME;
		break;
	case OPT_IDMAP:
		m->idmap = (enum hrun_idmap)o->set;
		break;
	case OPT_TMPCOPYUP:
		m->tmpcopyup = true;
		break;
	case OPT_NOOP:
		break;
	}
}

static int parse_mount_opt(const struct spec_ctx *c, const char *path, const json_t *v,
			   struct hrun_mount *m)
{
	const char *s;
	int r = spec_want_string(c, path, v);

	if (r < 0)
		return r;
	s = json_string_value(v);
	if (!s[0] || strchr(s, ','))
		return spec_fail(c, path, "invalid mount option %s", spec_describe(v).s);
	for (size_t i = 0; i < ARRAY_SIZE(mount_opts); i++) {
		if (strcmp(mount_opts[i].name, s) == 0) {
			apply_opt(m, &mount_opts[i]);
			return 0;
		}
	}
	/* crun's own syntax; never filesystem data (the mount would come
	 * up without the mapping it asks for) */
	if (strncmp(s, "idmap=", 6) == 0 || strncmp(s, "ridmap=", 7) == 0)
		return spec_fail(c, path,
				 "%s is not supported by hrun (crun's inline mapping syntax: give "
				 "the mapping in uidMappings/gidMappings and the option \"%s\")",
				 spec_describe(v).s, s[0] == 'r' ? "ridmap" : "idmap");
	return append_data(c, m, s);
}

static int h_mount_options(const struct spec_ctx *c, const char *path, json_t *v, void *base,
			   const struct spec_field *f)
{
	char p[SPEC_PATH_LEN];
	size_t i;
	json_t *e;

	(void)f;
	if (!json_is_array(v))
		return spec_fail(c, path, "expected an array, got %s", spec_describe(v).s);
	json_array_foreach(v, i, e) {
		int r;

		spec_path_idx(p, path, i);
		r = parse_mount_opt(c, p, e, base);
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct spec_field mount_fields[] = {
	SPEC_FLD("destination", spec_h_abs, struct hrun_mount, destination, SPEC_REQ),
	SPEC_FLD("type", spec_h_str, struct hrun_mount, type),
	SPEC_FLD("source", spec_h_str, struct hrun_mount, source),
	SPEC_FLD("options", h_mount_options, struct hrun_mount, flags),
	SPEC_IDMAPS("uidMappings", struct hrun_mount, uid_mappings, n_uid_mappings),
	SPEC_IDMAPS("gidMappings", struct hrun_mount, gid_mappings, n_gid_mappings),
};

int spec_h_mounts(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		  const struct spec_field *f)
{
	const struct spec_field g = {
		.off = f->off,
		.cnt = f->cnt,
		.sub = mount_fields,
		.nsub = ARRAY_SIZE(mount_fields),
		.elem_size = sizeof(struct hrun_mount),
	};

	return spec_h_obj_array(c, path, v, base, &g);
}

/* the kernel's limit on the lines of one uid_map/gid_map */
#define IDMAP_MAX_EXTENTS 340

static bool ranges_overlap(uint32_t a, uint32_t b, uint32_t size_a, uint32_t size_b)
{
	return (uint64_t)a < (uint64_t)b + size_b && (uint64_t)b < (uint64_t)a + size_a;
}

/* One mapping of an idmapped mount, as the kernel will take it for a
 * uid_map: at most 340 lines, no two overlapping on either side. */
static int check_mapping(const struct spec_ctx *c, size_t i, const char *what,
			 const struct hrun_id_map *v, size_t n)
{
	char p[SPEC_PATH_LEN];

	(void)snprintf(p, sizeof(p), "mounts[%zu].%s", i, what);
	if (n > IDMAP_MAX_EXTENTS)
		return spec_fail(c, p, "%zu entries, the kernel takes at most %d", n,
				 IDMAP_MAX_EXTENTS);
	for (size_t j = 1; j < n; j++)
		for (size_t k = 0; k < j; k++) {
			bool inside = ranges_overlap(v[j].container_id, v[k].container_id,
						     v[j].size, v[k].size);

			if (inside || ranges_overlap(v[j].host_id, v[k].host_id, v[j].size, v[k].size)) {
				(void)snprintf(p, sizeof(p), "mounts[%zu].%s[%zu]", i, what, j);
				return spec_fail(c, p, "its %s range overlaps that of entry %zu",
						 inside ? "containerID" : "hostID", k);
			}
		}
	return 0;
}

static int check_idmapped_mount(const struct spec_ctx *c, const struct hrun_spec *s, size_t i)
{
	const struct hrun_mount *m = &s->mounts[i];
	const char *opt = m->idmap == HRUN_IDMAP_RECURSIVE ? "ridmap" : "idmap";
	char p[SPEC_PATH_LEN];
	int r;

	(void)snprintf(p, sizeof(p), "mounts[%zu]", i);
	if ((m->n_uid_mappings || m->n_gid_mappings) && m->idmap == HRUN_IDMAP_NONE)
		return spec_fail(c, p, "%s requires the \"idmap\" or \"ridmap\" option",
				 m->n_uid_mappings ? "uidMappings" : "gidMappings");
	if (m->idmap == HRUN_IDMAP_NONE)
		return 0;
	/* the spec's MUST: one given without the other */
	if (!m->n_uid_mappings != !m->n_gid_mappings)
		return spec_fail(c, p, "%s requires %s too",
				 m->n_uid_mappings ? "uidMappings" : "gidMappings",
				 m->n_uid_mappings ? "gidMappings" : "uidMappings");
	(void)snprintf(p, sizeof(p), "mounts[%zu].options", i);
	if (!((m->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0)))
		return spec_fail(c, p, "\"%s\": hrun idmaps bind mounts only", opt);
	/* no mapping of its own: the container's, which needs a user namespace */
	if (!m->n_uid_mappings && !s->linux_cfg.namespaces[HRUN_NS_USER].enabled)
		return spec_fail(c, p,
				 "\"%s\" without uidMappings/gidMappings takes the container's user "
				 "namespace mapping, and linux.namespaces has no user namespace",
				 opt);
	r = check_mapping(c, i, "uidMappings", m->uid_mappings, m->n_uid_mappings);
	if (r < 0)
		return r;
	return check_mapping(c, i, "gidMappings", m->gid_mappings, m->n_gid_mappings);
}

int spec_check_mounts(const struct spec_ctx *c, const struct hrun_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		int r = check_idmapped_mount(c, s, i);

		if (r < 0)
			return r;
	}
	return 0;
}

void spec_mount_clear(struct hrun_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	free(m->data);
	free(m->uid_mappings);
	free(m->gid_mappings);
}
