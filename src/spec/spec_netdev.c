/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.netDevices (config-linux.md "Network Devices"): a map from the
 * name of a network device in the runtime's network namespace to
 * {"name": its name in the container}. The names are checked as the
 * kernel's dev_valid_name() does, so a bad one fails here with the field
 * named rather than as an EINVAL from rtnetlink; the move itself is
 * src/linux/netdev.c. Same table-driven scheme as spec.c.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "spec-internal.h"

/* dev_valid_name(): 1..IFNAMSIZ-1 bytes, not "." or "..", no '/', ':' or
 * white space. A container name may be a template with one "%d" (the
 * kernel numbers it: runtime-spec); a host name is a real device's. */
static const char *ifname_problem(const char *name, bool template)
{
	const char *pct;

	if (!name[0])
		return "empty";
	if (strlen(name) >= IFNAMSIZ)
		return "longer than 15 bytes (IFNAMSIZ)";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "`.` and `..` are not device names";
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p) ||
		    (unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains '/', ':', white space or a control character";
	pct = strchr(name, '%');
	if (pct && !template)
		return "contains '%'";
	if (pct && (pct[1] != 'd' || strchr(pct + 2, '%')))
		return "a template takes one \"%d\" and no other '%'";
	return NULL;
}

static const struct spec_field net_device_fields[] = {
	SPEC_FLD("name", spec_h_str, struct hrun_net_device, name),
};

static int parse_net_device(const struct spec_ctx *c, const char *path, const char *key,
			    json_t *val, struct hrun_net_device *d)
{
	char p[SPEC_PATH_LEN], pn[SPEC_PATH_LEN];
	const char *why = ifname_problem(key, false);
	int r;

	if (why) {
		json_t *k = json_string(key);
		struct spec_desc q = spec_describe(k);

		json_decref(k);
		return spec_fail(c, path, "invalid device name %s: %s", q.s, why);
	}
	spec_path_key(p, path, key);
	d->host_name = strdup(key);
	if (!d->host_name)
		return spec_oom(c);
	r = spec_parse_object(c, p, val, net_device_fields, ARRAY_SIZE(net_device_fields), d);
	if (r < 0)
		return r;
	if (d->name && !d->name[0]) { /* "" is read as not given (Go's zero value) */
		free(d->name);
		d->name = NULL;
	}
	spec_path_key(pn, p, "name");
	why = d->name ? ifname_problem(d->name, true) : NULL;
	if (why)
		return spec_fail(c, pn, "invalid device name %s: %s",
				 spec_describe(json_object_get(val, "name")).s, why);
	return 0;
}

static const char *target_name(const struct hrun_net_device *d)
{
	return d->name ? d->name : d->host_name;
}

int spec_h_net_devices(const struct spec_ctx *c, const char *path, json_t *v, void *base,
		       const struct spec_field *f)
{
	struct hrun_net_device **devs = SPEC_AT(base, f->off);
	size_t *n = SPEC_AT(base, f->cnt);
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return spec_fail(c, path, "expected an object, got %s", spec_describe(v).s);
	if (json_object_size(v) == 0)
		return 0;
	*devs = calloc(json_object_size(v), sizeof(**devs));
	if (!*devs)
		return spec_oom(c);
	json_object_foreach(v, key, val) {
		struct hrun_net_device *d = &(*devs)[*n];
		int r;

		(*n)++;
		r = parse_net_device(c, path, key, val, d);
		if (r < 0)
			return r;
		/* two devices cannot have one name (a template gets its own) */
		for (size_t i = 0; i + 1 < *n; i++)
			if (!strchr(target_name(d), '%') &&
			    strcmp(target_name(&(*devs)[i]), target_name(d)) == 0)
				return spec_fail(c, path,
						 "`%s` and `%s` would both be named `%s` in "
						 "the container",
						 (*devs)[i].host_name, d->host_name,
						 target_name(d));
	}
	return 0;
}

/* After the whole config is read: the devices need a network namespace of
 * the container's own (a path naming the runtime's own is refused where
 * it is opened, netdev.c). */
int spec_check_net_devices(const struct spec_ctx *c, const struct hrun_linux *l)
{
	if (l->n_net_devices && !l->namespaces[HRUN_NS_NET].enabled)
		return spec_fail(c, "linux.netDevices",
				 "requires a network namespace in linux.namespaces (without one "
				 "the container shares the runtime's)");
	return 0;
}

void spec_net_devices_free(struct hrun_net_device *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].host_name);
		free(d[i].name);
	}
	free(d);
}
