/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_POLICY_H
#define HRUN_POLICY_H

/*
 * Launch policies: a JSON file naming check rules (check.h) that must not
 * produce any finding for a container to start. See hrun-policy(5).
 *
 *   {"name": "restricted", "description": "...",
 *    "rules": ["HR-USER-ROOT", ...],
 *    "allowedCapabilities": ["CAP_NET_BIND_SERVICE"]}
 */

#include "hrun/mount.h"
#include "hrun/spec.h"

struct policy {
	char *name;          /* "name" member, else the file name without ".json" */
	char *description;   /* may be NULL */
	char **rules;        /* NULL-terminated, validated rule ids */
	char **allowed_caps; /* NULL-terminated (possibly empty) */
};

/*
 * Load a policy. SPEC containing '/' is a file path; otherwise it is a
 * NAME ([A-Za-z0-9_.-], not starting with '.') looked up as NAME.json in
 * $HRUN_PROFILES/policy when that variable is set, else in
 * HRUN_SYSCONFDIR/policy, then HRUN_DATADIR/policy.
 */
int policy_load(const char *spec, struct policy **ret);
void policy_free(struct policy *p);

/*
 * Which policy applies: POLICY_ARG (--policy) if not NULL, else
 * $HRUN_POLICY if set and non-empty, else the "policy" key of the config
 * file ($HRUN_CONFIG, else HRUN_SYSCONFDIR/hrun.conf; a missing default
 * file is not an error). Sets *RET to a malloc'd policy spec, or NULL when
 * no policy applies (nothing configured, or the value "none").
 */
int policy_resolve(const char *policy_arg, char **ret);

/* Read the "policy" key of the hrun.conf file PATH (NULL when unset). */
int policy_conf_read(const char *path, char **ret);

/*
 * Evaluate SPEC (the parsed config, BINDS its resolved bind sources or
 * NULL, see check_config) against P. Returns 0 when it complies, -EPERM
 * with one line recorded when it does not:
 *   policy `restricted` refused `config.json`: HR-USER-ROOT (process.user.uid), ...
 * CONFIG_NAME is only used in that message.
 */
int policy_check(const struct policy *p, const struct hrun_spec *spec, const struct hrun_bind_sources *binds,
		 const char *config_name);

/*
 * The launch hook: resolve the policy (see policy_resolve), and if one
 * applies, check SPEC with it, the very model the runtime starts (never a
 * second read of config.json). 0 = allowed (or no policy).
 */
int policy_enforce(const struct hrun_spec *spec, const struct hrun_bind_sources *binds, const char *config_name,
		   const char *policy_arg);

#endif
