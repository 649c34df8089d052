/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The process `hrun exec` starts: from --process FILE (process.json), or
 * from the command line on the base of the container's own process (its
 * user, env, capabilities, rlimits, scheduling, LSM labels), with --user,
 * --additional-gids, --env, --cwd, --cap, --no-new-privs, --tty on top.
 */
#define _GNU_SOURCE
#include "exec-internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/lsm.h"
#include "hrun/util.h"

static int strv_append(char ***v, const char *s)
{
	size_t n = strv_length(*v);
	char **nv = realloc(*v, (n + 2) * sizeof(char *));

	if (!nv)
		return hrun_err(ENOMEM, "out of memory");
	nv[n] = strdup(s);
	nv[n + 1] = NULL;
	*v = nv;
	return nv[n] ? 0 : hrun_err(ENOMEM, "out of memory");
}

static char **strv_copy(char *const *v)
{
	size_t n = strv_length(v);
	char **c = calloc(n + 1, sizeof(char *));

	for (size_t i = 0; c && i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i]) {
			strv_free(c);
			return NULL;
		}
	}
	return c;
}

/* KEY=VALUE: replace an existing KEY or append. */
static int env_set(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);

	if (!eq)
		return hrun_err(EINVAL, "--env `%s`: expected KEY=VALUE", kv);
	for (char **e = *env; e && *e; e++) {
		if (strncmp(*e, kv, klen) == 0 && (*e)[klen] == '=') {
			char *d = strdup(kv);

			if (!d)
				return hrun_err(ENOMEM, "--env `%s`: out of memory", kv);
			free(*e);
			*e = d;
			return 0;
		}
	}
	return strv_append(env, kv);
}

static int parse_user(const char *s, struct hrun_user *u)
{
	char *end;
	unsigned long uid, gid;

	errno = 0;
	uid = strtoul(s, &end, 10);
	if (errno || end == s || (*end && *end != ':') || uid > UINT32_MAX - 1)
		return hrun_err(EINVAL, "--user `%s`: expected UID[:GID]", s);
	u->uid = (uint32_t)uid;
	if (*end == ':') {
		const char *g = end + 1;

		gid = strtoul(g, &end, 10);
		if (errno || end == g || *end || gid > UINT32_MAX - 1)
			return hrun_err(EINVAL, "--user `%s`: expected UID[:GID]", s);
		u->gid = (uint32_t)gid;
	}
	/* additional groups of the config belong to its user, not this one */
	free(u->additional_gids);
	u->additional_gids = NULL;
	u->n_additional_gids = 0;
	return 0;
}

/* --additional-gids 10,20: replaces the groups of the process. */
static int parse_gids(const char *list, struct hrun_user *u)
{
	size_t n = 1;
	const char *p = list;
	gid_t *gids;

	for (const char *q = list; *q; q++)
		n += *q == ',';
	gids = calloc(n, sizeof(gid_t));
	if (!gids)
		return hrun_err(ENOMEM, "--additional-gids: out of memory");
	for (size_t i = 0; i < n; i++) {
		char *end;
		unsigned long g;

		errno = 0;
		g = strtoul(p, &end, 10);
		if (errno || end == p || (*end && *end != ',') || g > UINT32_MAX - 1) {
			free(gids);
			return hrun_err(EINVAL, "--additional-gids `%s`: expected GID[,GID...]", list);
		}
		gids[i] = (gid_t)g;
		p = end + 1;
	}
	free(u->additional_gids);
	u->additional_gids = gids;
	u->n_additional_gids = n;
	return 0;
}

/* The process from the command line, based on the container's own. */
static int build_process_from_args(const struct hrun_exec_opts *o, const struct hrun_spec *spec,
				   struct hrun_process *p)
{
	const struct hrun_process *base = &spec->process;
	int r;

	p->args = strv_copy(o->args);
	p->env = base->env ? strv_copy(base->env) : calloc(1, sizeof(char *));
	p->cwd = strdup(o->cwd ? o->cwd : base->cwd ? base->cwd : "/");
	if (!p->args || !p->env || !p->cwd)
		return hrun_err(ENOMEM, "exec: the process: out of memory");
	if (o->cwd && o->cwd[0] != '/')
		return hrun_err(EINVAL, "--cwd `%s`: must be an absolute path", o->cwd);
	p->user = base->user;
	p->user.username = NULL;
	p->user.additional_gids = NULL;
	if (base->user.n_additional_gids) {
		size_t sz = base->user.n_additional_gids * sizeof(gid_t);

		p->user.additional_gids = malloc(sz);
		if (!p->user.additional_gids)
			return hrun_err(ENOMEM, "exec: process.user.additionalGids: out of memory");
		memcpy(p->user.additional_gids, base->user.additional_gids, sz);
	}
	if (o->user) {
		r = parse_user(o->user, &p->user);
		if (r < 0)
			return r;
	}
	if (o->additional_gids) {
		r = parse_gids(o->additional_gids, &p->user);
		if (r < 0)
			return r;
	}
	for (char **e = o->env; e && *e; e++) {
		r = env_set(&p->env, *e);
		if (r < 0)
			return r;
	}
	p->has_caps = true;
	if (base->has_caps)
		p->caps = base->caps;
	/* --cap X: bounding, effective and permitted only. Inheritable or
	 * ambient would hand X on across every later execve of an
	 * unprivileged program in the container (CVE-2022-29162). */
	p->caps.bounding |= o->caps;
	p->caps.effective |= o->caps;
	p->caps.permitted |= o->caps;
	p->no_new_privileges = base->no_new_privileges || o->no_new_privs;
	p->terminal = o->tty;
	/* as runc: the container's scheduling settings carry over */
	p->has_io_priority = base->has_io_priority;
	p->io_priority = base->io_priority;
	p->has_scheduler = base->has_scheduler;
	p->scheduler = base->scheduler;
	if ((base->cpus_initial && !(p->cpus_initial = strdup(base->cpus_initial))) ||
	    (base->cpus_final && !(p->cpus_final = strdup(base->cpus_final))))
		return hrun_err(ENOMEM, "exec: process.execCPUAffinity: out of memory");
	if (base->n_rlimits) {
		p->rlimits = malloc(base->n_rlimits * sizeof(*p->rlimits));
		if (!p->rlimits)
			return hrun_err(ENOMEM, "exec: process.rlimits: out of memory");
		memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof(*p->rlimits));
		p->n_rlimits = base->n_rlimits;
	}
	return 0;
}

/* OPT if given, else the process's own, else the container's (BASE). */
static int pick_label(char **dst, const char *opt, const char *base)
{
	const char *v = opt && *opt ? opt : *dst ? NULL : base;
	char *s;

	if (!v)
		return 0;
	s = strdup(v);
	if (!s)
		return hrun_err(ENOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* --apparmor, --process-label: an exec process is as confined as the
 * init unless told otherwise (a process.json without a profile inherits
 * the container's: it does not run unconfined). */
static int build_lsm(const struct hrun_exec_opts *o, const struct hrun_spec *spec,
		     struct hrun_process *p)
{
	const struct hrun_process *base = &spec->process;
	int r;

	r = pick_label(&p->apparmor_profile, o->apparmor, base->apparmor_profile);
	if (r < 0)
		return r;
	r = pick_label(&p->selinux_label, o->process_label, base->selinux_label);
	if (r < 0)
		return r;
	return lsm_check_process(p);
}

static int read_process(const struct hrun_exec_opts *o, const struct hrun_spec *spec,
			struct hrun_process *p)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (!o->process_file) {
		if (!o->args || !o->args[0])
			return hrun_err(EINVAL, "exec: missing command (or --process FILE)");
		return build_process_from_args(o, spec, p);
	}
	r = util_read_file(o->process_file, HRUN_SPEC_MAX_SIZE, &text, &len);
	if (r < 0)
		return hrun_err_prefix(r, "--process");
	r = spec_parse_process(o->process_file, text, len, p);
	if (r < 0)
		return r;
	if (o->tty)
		p->terminal = true;
	return 0;
}

int exec_build_process(const struct hrun_exec_opts *o, const struct hrun_spec *spec,
		       struct hrun_process *p)
{
	int r = read_process(o, spec, p);

	return r < 0 ? r : build_lsm(o, spec, p);
}
