/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "features.h"

#include <stdio.h>

#include <cap-ng.h>

#include "config.h"
#include "hrun/caps.h"
#include "hrun/cleanup.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"

static json_t *strings(const char *const *v)
{
	json_t *a = json_array();

	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *capabilities(void)
{
	json_t *a = json_array();

	for (int cap = 0; cap <= caps_last_cap(); cap++) {
		const char *name = capng_capability_to_name((unsigned)cap);
		char buf[64];

		if (!name)
			continue;
		(void)snprintf(buf, sizeof(buf), "CAP_%s", name);
		for (char *p = buf; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		json_array_append_new(a, json_string(buf));
	}
	return a;
}

static json_t *namespaces(void)
{
	json_t *a = json_array();

	for (int t = 0; t < HRUN_NS_COUNT; t++)
		json_array_append_new(a, json_string(spec_ns_name(t)));
	return a;
}

static json_t *known_names(enum spec_names_table t)
{
	const char *names[16];
	size_t n = spec_known_names(t, names, ARRAY_SIZE(names));
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *mount_options(void)
{
	const char *names[128];
	size_t n = spec_mount_options(names, ARRAY_SIZE(names));
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

json_t *features_json(void)
{
	static const char *const hooks[] = {"prestart",	      "createRuntime", "createContainer",
					    "startContainer", "poststart",     "poststop",
					    NULL};
	json_t *seccomp = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions",
				    strings(seccomp_known_actions), "operators",
				    strings(seccomp_known_operators), "archs",
				    strings(seccomp_known_archs), "knownFlags",
				    strings(seccomp_known_flags), "supportedFlags",
				    strings(seccomp_known_flags));
	json_t *lnx = json_pack(
		"{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}",
		"namespaces", namespaces(), "capabilities", capabilities(), "cgroup", "v1", 0, "v2",
		1, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp", seccomp, "apparmor",
		"enabled", 1, "selinux", "enabled", 1, "intelRdt", "enabled", 0, "mountExtensions",
		"idmap", "enabled", 1);

	/* features-linux.md: netDevices (moved by the runtime, netdev.c) */
	json_object_set_new(lnx, "netDevices", json_pack("{s:b}", "enabled", 1));
	/* features-linux.md: memoryPolicy.modes and .flags */
	json_object_set_new(lnx, "memoryPolicy",
			    json_pack("{s:o, s:o}", "modes", known_names(SPEC_NAMES_MPOL_MODE),
				      "flags", known_names(SPEC_NAMES_MPOL_FLAG)));

	return json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin", "1.0.0",
			 "ociVersionMax", HRUN_OCI_VERSION, "hooks", strings(hooks), "mountOptions",
			 mount_options(), "linux", lnx, "annotations", "org.hrun.version",
			 HRUN_VERSION, "org.hrun.default-policy", "none");
}
