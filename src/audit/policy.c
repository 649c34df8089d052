/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Launch policies (hrun-policy(5)): refuse to start a container whose
 * config.json produces a finding for any rule the policy names. The rule
 * engine is check.c's, so `hrun check` explains every refusal.
 */
#define _GNU_SOURCE
#include "hrun/policy.h"
#include "hrun/check.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->description);
	for (char **s = p->rules; s && *s; s++)
		free(*s);
	free(p->rules);
	for (char **s = p->allowed_caps; s && *s; s++)
		free(*s);
	free(p->allowed_caps);
	free(p);
}

static bool policy_name_valid(const char *name)
{
	if (!*name || name[0] == '.' || strlen(name) > 128)
		return false;
	for (const char *s = name; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return false;
	return true;
}

/* NAME -> path of NAME.json in the first policy directory that has it. */
static int policy_find(const char *name, char **ret)
{
	const char *env = getenv("HRUN_PROFILES");
	const char *dirs[2] = { HRUN_SYSCONFDIR "/policy", HRUN_DATADIR "/policy" };
	_cleanup_free_ char *envdir = NULL;
	size_t n = 2;

	if (!policy_name_valid(name))
		return hrun_err(EINVAL, "invalid policy name `%s` (letters, digits, `_`, `-`, `.`)", name);
	/* HRUN_PROFILES replaces the installed locations (tests, development) */
	if (env && *env) {
		if (asprintf(&envdir, "%s/policy", env) < 0)
			return hrun_err(ENOMEM, "out of memory");
		dirs[0] = envdir;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		char *p;
		if (asprintf(&p, "%s/%s.json", dirs[i], name) < 0)
			return hrun_err(ENOMEM, "out of memory");
		if (access(p, F_OK) == 0) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	return hrun_err(ENOENT, "policy `%s` not found in %s%s%s", name, dirs[0], n > 1 ? " or " : "",
			n > 1 ? dirs[1] : "");
}

/* JSON array of strings -> NULL-terminated strv; each element validated by OK. */
static int policy_strv(json_t *arr, const char *key, bool (*ok)(const char *), char ***ret)
{
	char **v;
	json_t *e;
	size_t i;

	if (!json_is_array(arr))
		return hrun_err(EINVAL, "`%s` must be an array of strings", key);
	v = calloc(json_array_size(arr) + 1, sizeof(*v));
	if (!v)
		return hrun_err(ENOMEM, "out of memory");
	*ret = v; /* owned by the policy from here on, freed with it */
	json_array_foreach(arr, i, e) {
		const char *s = json_string_value(e);
		if (!s)
			return hrun_err(EINVAL, "`%s[%zu]` must be a string", key, i);
		if (!ok(s))
			return hrun_err(EINVAL, "`%s[%zu]`: unknown name `%s`", key, i, s);
		if (!(v[i] = strdup(s)))
			return hrun_err(ENOMEM, "out of memory");
	}
	return 0;
}

static int policy_dup_str(json_t *v, const char *key, char **ret)
{
	if (!json_is_string(v))
		return hrun_err(EINVAL, "`%s` must be a string", key);
	*ret = strdup(json_string_value(v));
	return *ret ? 0 : hrun_err(ENOMEM, "out of memory");
}

static int policy_parse(json_t *j, struct policy *p)
{
	const char *key;
	json_t *v;
	int r = 0;

	if (!json_is_object(j))
		return hrun_err(EINVAL, "not a JSON object");
	/* Unknown members are errors: a misspelt "rules" must not yield an
	 * empty policy that allows everything. */
	json_object_foreach(j, key, v) {
		if (strcmp(key, "name") == 0)
			r = policy_dup_str(v, key, &p->name);
		else if (strcmp(key, "description") == 0)
			r = policy_dup_str(v, key, &p->description);
		else if (strcmp(key, "rules") == 0)
			r = policy_strv(v, key, check_rule_known, &p->rules);
		else if (strcmp(key, "allowedCapabilities") == 0)
			r = policy_strv(v, key, check_cap_known, &p->allowed_caps);
		else
			r = hrun_err(EINVAL, "unknown member `%s`", key);
		if (r < 0)
			return r;
	}
	if (!p->rules)
		return hrun_err(EINVAL, "missing `rules`");
	if (!p->allowed_caps && !(p->allowed_caps = calloc(1, sizeof(char *))))
		return hrun_err(ENOMEM, "out of memory");
	return 0;
}

static char *policy_default_name(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t n = strlen(base);

	if (n > 5 && strcmp(base + n - 5, ".json") == 0)
		n -= 5;
	return strndup(base, n);
}

int policy_load(const char *spec, struct policy **ret)
{
	_cleanup_free_ char *found = NULL;
	const char *path = spec;
	struct policy *p;
	json_t *j;
	int r;

	if (!strchr(spec, '/')) {
		if ((r = policy_find(spec, &found)) < 0)
			return r;
		path = found;
	}
	if ((r = check_load_json(path, &j)) < 0)
		return hrun_err_prefix(r, "policy");
	p = calloc(1, sizeof(*p));
	if (!p) {
		json_decref(j);
		return hrun_err(ENOMEM, "out of memory");
	}
	r = policy_parse(j, p);
	json_decref(j);
	if (r == 0 && !p->name && !(p->name = policy_default_name(path)))
		r = hrun_err(ENOMEM, "out of memory");
	if (r < 0) {
		policy_free(p);
		return hrun_err_prefix(r, "policy `%s`", path);
	}
	*ret = p;
	return 0;
}

static bool policy_has_rule(const struct policy *p, const char *rule)
{
	for (char **s = p->rules; *s; s++)
		if (strcmp(*s, rule) == 0)
			return true;
	return false;
}

/* Append "RULE (path detail)" items; when the line gets too long, end it
 * with "and N more" so the message stays ONE line that fits the buffer. */
static void policy_format(const struct policy *p, const struct check_report *rep, char *buf, size_t size)
{
	size_t len = strlen(buf), shown = 0, total = 0;

	for (size_t i = 0; i < rep->n_findings; i++) {
		const struct check_finding *f = &rep->findings[i];
		char item[512];

		if (!policy_has_rule(p, f->rule))
			continue;
		total++;
		(void)snprintf(item, sizeof(item), "%s%s (%s%s%s)", shown ? ", " : "", f->rule, f->path,
			       f->detail ? " " : "", f->detail ? f->detail : "");
		if (shown == total - 1 && len + strlen(item) + 32 < size) {
			memcpy(buf + len, item, strlen(item) + 1);
			len += strlen(item);
			shown++;
		}
	}
	if (total > shown)
		(void)snprintf(buf + len, size - len, " and %zu more", total - shown);
}

int policy_check(const struct policy *p, const struct hrun_spec *spec, const struct hrun_bind_sources *binds,
		 const char *config_name)
{
	struct check_options opts = { .allowed_caps = (const char *const *)p->allowed_caps };
	struct check_report rep;
	char msg[HRUN_ERRMSG_MAX];
	bool refused = false;
	int r;

	if ((r = check_config(spec, binds, &opts, &rep)) < 0)
		return r;
	for (size_t i = 0; i < rep.n_findings && !refused; i++)
		refused = policy_has_rule(p, rep.findings[i].rule);
	if (refused) {
		(void)snprintf(msg, sizeof(msg), "policy `%s` refused `%s`: ", p->name, config_name);
		policy_format(p, &rep, msg, sizeof(msg));
	}
	check_report_clear(&rep);
	return refused ? hrun_err(EPERM, "%s", msg) : 0;
}

static char *policy_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* One "key = value" line; value may be double-quoted. */
static int policy_conf_line(const char *path, unsigned lineno, char *line, char **policy)
{
	char *eq, *key, *value;
	size_t n;

	line[strcspn(line, "#")] = '\0'; /* values are names or paths: no '#' */
	line = policy_trim(line);
	if (!*line)
		return 0;
	if (!(eq = strchr(line, '=')))
		return hrun_err(EINVAL, "`%s`:%u: expected `key = value`", path, lineno);
	*eq = '\0';
	key = policy_trim(line);
	value = policy_trim(eq + 1);
	n = strlen(value);
	if (n >= 2 && value[0] == '"' && value[n - 1] == '"') {
		value[n - 1] = '\0';
		value++;
	}
	if (strcmp(key, "policy") != 0)
		return hrun_err(EINVAL, "`%s`:%u: unknown key `%s`", path, lineno, key);
	if (*policy)
		return hrun_err(EINVAL, "`%s`:%u: duplicate key `%s`", path, lineno, key);
	*policy = strdup(value);
	return *policy ? 0 : hrun_err(ENOMEM, "out of memory");
}

int policy_conf_read(const char *path, char **ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *line = NULL, *policy = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int r;

	if (!f)
		return hrun_syserr(errno, "open `%s`", path);
	errno = 0;
	while (getline(&line, &cap, f) >= 0) {
		if ((r = policy_conf_line(path, ++lineno, line, &policy)) < 0)
			return r;
		errno = 0;
	}
	if (ferror(f))
		return hrun_syserr(errno, "read `%s`", path);
	*ret = TAKE_PTR(policy);
	return 0;
}

int policy_resolve(const char *policy_arg, char **ret)
{
	const char *env = getenv("HRUN_POLICY");
	const char *conf = getenv("HRUN_CONFIG");
	bool explicit_conf = conf && *conf;
	char *value = NULL;
	int r;

	if (policy_arg)
		value = strdup(policy_arg);
	else if (env && *env)
		value = strdup(env);
	else {
		r = policy_conf_read(explicit_conf ? conf : HRUN_SYSCONFDIR "/hrun.conf", &value);
		/* no config file installed = no policy; a file named by
		 * $HRUN_CONFIG must exist */
		if (r == -ENOENT && !explicit_conf) {
			hrun_err_clear();
			*ret = NULL;
			return 0;
		}
		if (r < 0)
			return r;
		if (!value) {
			*ret = NULL;
			return 0;
		}
	}
	if (!value)
		return hrun_err(ENOMEM, "out of memory");
	if (!*value || strcmp(value, "none") == 0) {
		free(value);
		value = NULL;
	}
	*ret = value;
	return 0;
}

int policy_enforce(const struct hrun_spec *spec, const struct hrun_bind_sources *binds, const char *config_name,
		   const char *policy_arg)
{
	_cleanup_free_ char *name = NULL;
	struct policy *p = NULL;
	int r;

	if ((r = policy_resolve(policy_arg, &name)) < 0 || !name)
		return r;
	if ((r = policy_load(name, &p)) < 0)
		return r;
	r = policy_check(p, spec, binds, config_name);
	policy_free(p);
	return r;
}
