/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CHECK_H
#define HRUN_CHECK_H

/*
 * Security audit of an OCI config.json ("hrun check", and the rule engine
 * behind launch policies, see policy.h).
 *
 * The checker works on the PARSED model (struct hrun_spec), the very one
 * `run` starts: config.json is read and parsed once (spec_load), `check`
 * first makes every check `run` makes before creating anything (a config
 * `run` refuses is an error with run's message, never a pass), and bind
 * sources are judged as the host paths the runtime resolved
 * (mount_resolve_sources: relative ones beneath the bundle, symlinks
 * followed), not as written.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "hrun/mount.h"
#include "hrun/spec.h"

enum check_severity {
	CHECK_SEV_NONE = 0, /* only as a --fail-on threshold: never fail */
	CHECK_SEV_LOW,
	CHECK_SEV_MEDIUM,
	CHECK_SEV_HIGH,
	CHECK_SEV_CRITICAL,
};

struct check_finding {
	const char *rule;              /* stable id, e.g. "HR-USER-ROOT" (static) */
	size_t rule_index;             /* position in the rule table (ordering) */
	enum check_severity severity;
	char *path;                    /* JSON path, e.g. "process.capabilities.bounding[0]" */
	char *detail;                  /* short subject ("CAP_SYS_ADMIN"), may be NULL */
	char *message;                 /* one sentence: the problem */
	const char *fix;               /* one sentence: the remedy (static) */
};

struct check_report {
	struct check_finding *findings; /* sorted: rule table order, then path */
	size_t n_findings;
	size_t counts[CHECK_SEV_CRITICAL + 1]; /* per severity */
};

enum check_lsm_mode {
	CHECK_LSM_PROBE = 0, /* look at /sys/kernel/security/apparmor, /sys/fs/selinux */
	CHECK_LSM_NONE,      /* host has no LSM: never report HR-LSM-NONE */
	CHECK_LSM_APPARMOR,  /* pretend AppArmor is enabled (tests) */
	CHECK_LSM_SELINUX,   /* pretend SELinux is enabled (tests) */
};

struct check_options {
	/* Capabilities ("CAP_NET_BIND_SERVICE") that never produce a
	 * HR-CAP-* finding. NULL-terminated; NULL = check_default_allowed_caps. */
	const char *const *allowed_caps;
	enum check_lsm_mode lsm;
};

/* { "CAP_NET_BIND_SERVICE", NULL } */
extern const char *const check_default_allowed_caps[];

/* Audit SPEC. BINDS (may be NULL) are its resolved bind sources, one per
 * mounts[i] (see mount_resolve_sources): a bind is judged by BINDS->v[i].path
 * when set, else by its source as written (absolute ones normalised,
 * relative ones are inside the bundle). OPTS may be NULL (defaults).
 * On success fills *RET (free with check_report_clear) and returns 0;
 * returns -ENOMEM (message recorded) on allocation failure. */
int check_config(const struct hrun_spec *spec, const struct hrun_bind_sources *binds,
		 const struct check_options *opts, struct check_report *ret);

void check_report_clear(struct check_report *r);

/* 100 - 40*critical - 15*high - 5*medium - 1*low, floored at 0. */
int check_score(const struct check_report *r);

/* "critical", "high", "medium", "low", "none" */
const char *check_severity_name(enum check_severity s);
/* Parse one of the names above; -EINVAL (recorded) otherwise. */
int check_severity_parse(const char *name, enum check_severity *ret);

/* Is ID a known rule id? */
bool check_rule_known(const char *id);
/* Rule table (for documentation and policy validation): number of rules
 * and the id / default severity / title of rule I. */
size_t check_rule_count(void);
const char *check_rule_id(size_t i);
const char *check_rule_title(size_t i);

/* Is NAME ("CAP_SYS_ADMIN") a capability name the checker knows? */
bool check_cap_known(const char *name);

/* {"config", "score", "summary": {...}, "findings": [...]}; NULL on ENOMEM. */
json_t *check_report_to_json(const struct check_report *r, const char *config_path);

/* Aligned text report plus the summary line; COLOR adds ANSI colours.
 * Returns 0 or -EIO (recorded) on a write error. */
int check_report_print_text(FILE *out, const struct check_report *r, bool color);

/* Read (util_read_file: regular files only, 16 MiB at most) and parse a
 * JSON file ("-" = stdin) into *RET: for policies. Duplicate keys refused. */
int check_load_json(const char *path, json_t **ret);

/*
 * What `check` and `run` both do before anything is created: parse TEXT
 * (LEN bytes) as config.json, require `process`, and when BUNDLE is not
 * NULL resolve root.path and every bind source below it exactly as the
 * runtime does (mount_resolve_rootfs, mount_resolve_sources: *RET_BINDS
 * filled, free with mount_sources_clear). Without a bundle, relative bind
 * sources are only checked lexically (one that climbs out with `..` is
 * refused with the runtime's message). Errors are run's one-line messages.
 */
int check_prepare(const char *text, size_t len, const char *bundle, struct hrun_spec **ret_spec,
		  struct hrun_bind_sources *ret_binds);

/* "hrun check"'s options (parsed in src/cli/cmd_audit.c). */
struct check_cli_options {
	const char *bundle; /* --bundle DIR */
	const char *file;   /* FILE operand: a config.json, "-" (stdin) or a bundle dir */
	bool json;          /* --format json */
	enum check_severity fail_on; /* --fail-on, default high */
};

/*
 * "hrun check [--bundle DIR | FILE] [--format text|json] [--fail-on SEV]"
 * once parsed. Prints the report on stdout. Returns 0 when no finding
 * reaches the --fail-on threshold (default high), 1 when one does, and a
 * negative errno (message recorded) on usage or I/O errors and for every
 * config `run` refuses (same message). A directory (--bundle DIR, DIR, or
 * nothing: ".") is a bundle: root.path and bind sources are resolved in it.
 */
int check_main(const struct check_cli_options *o);

#endif
