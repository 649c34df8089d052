/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "hrun check" output and command line (see check.h): the score, severity
 * names, the text and JSON renderings of a report, check_load_json(),
 * check_prepare() (run's validation) and check_main(). The rules themselves are in check.c.
 */
#define _GNU_SOURCE
#include "hrun/check.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int check_score(const struct check_report *r)
{
	long s = 100 - 40 * (long)r->counts[CHECK_SEV_CRITICAL] - 15 * (long)r->counts[CHECK_SEV_HIGH] -
		 5 * (long)r->counts[CHECK_SEV_MEDIUM] - (long)r->counts[CHECK_SEV_LOW];
	return s < 0 ? 0 : (int)s;
}

static const char *const sev_names[] = { "none", "low", "medium", "high", "critical" };

const char *check_severity_name(enum check_severity s)
{
	return (size_t)s < ARRAY_SIZE(sev_names) ? sev_names[s] : "?";
}

int check_severity_parse(const char *name, enum check_severity *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(sev_names); i++) {
		if (strcmp(name, sev_names[i]) == 0) {
			*ret = (enum check_severity)i;
			return 0;
		}
	}
	return hrun_err(EINVAL, "unknown severity `%s` (critical, high, medium, low, none)", name);
}

json_t *check_report_to_json(const struct check_report *r, const char *config_path)
{
	json_t *root = json_object(), *findings = json_array(), *summary = json_object();
	int bad = !root || !findings || !summary;

	bad |= json_object_set_new(summary, "critical", json_integer((json_int_t)r->counts[CHECK_SEV_CRITICAL]));
	bad |= json_object_set_new(summary, "high", json_integer((json_int_t)r->counts[CHECK_SEV_HIGH]));
	bad |= json_object_set_new(summary, "medium", json_integer((json_int_t)r->counts[CHECK_SEV_MEDIUM]));
	bad |= json_object_set_new(summary, "low", json_integer((json_int_t)r->counts[CHECK_SEV_LOW]));
	bad |= json_object_set_new(summary, "total", json_integer((json_int_t)r->n_findings));
	for (size_t i = 0; i < r->n_findings && !bad; i++) {
		const struct check_finding *f = &r->findings[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "rule", f->rule, "severity",
				      check_severity_name(f->severity), "path", f->path, "message", f->message,
				      "fix", f->fix);
		bad |= json_array_append_new(findings, o);
	}
	bad |= json_object_set_new(root, "config", json_string(config_path));
	bad |= json_object_set_new(root, "score", json_integer(check_score(r)));
	bad |= json_object_set(root, "summary", summary);
	bad |= json_object_set(root, "findings", findings);
	json_decref(summary);
	json_decref(findings);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

static size_t max_width(const struct check_report *r, int col)
{
	size_t w = col == 0 ? strlen("SEVERITY") : col == 1 ? strlen("RULE") : strlen("PATH");

	for (size_t i = 0; i < r->n_findings; i++) {
		const struct check_finding *f = &r->findings[i];
		size_t n = strlen(col == 0 ? check_severity_name(f->severity) : col == 1 ? f->rule : f->path);
		if (n > w)
			w = n;
	}
	return w;
}

int check_report_print_text(FILE *out, const struct check_report *r, bool color)
{
	static const char *const colors[] = { "", "\033[36m", "\033[33m", "\033[31m", "\033[1;31m" };
	size_t w0 = max_width(r, 0), w1 = max_width(r, 1), w2 = max_width(r, 2);

	for (size_t i = 0; i < r->n_findings; i++) {
		const struct check_finding *f = &r->findings[i];
		char sev[16];
		size_t n = 0;

		for (const char *s = check_severity_name(f->severity); *s && n < sizeof(sev) - 1; s++)
			sev[n++] = (char)(*s - ('a' <= *s && *s <= 'z' ? 'a' - 'A' : 0));
		sev[n] = '\0';
		/* pad outside the escape sequence so the columns stay aligned */
		(void)fprintf(out, "%s%s%s%*s  %-*s  %-*s  %s. Fix: %s.\n", color ? colors[f->severity] : "", sev,
			      color ? "\033[0m" : "", (int)(w0 - n), "", (int)w1, f->rule, (int)w2, f->path,
			      f->message, f->fix);
	}
	(void)fprintf(out, "%zu finding%s: %zu critical, %zu high, %zu medium, %zu low; score %d/100\n",
		      r->n_findings, r->n_findings == 1 ? "" : "s", r->counts[CHECK_SEV_CRITICAL],
		      r->counts[CHECK_SEV_HIGH], r->counts[CHECK_SEV_MEDIUM], r->counts[CHECK_SEV_LOW],
		      check_score(r));
	if (fflush(out) != 0 || ferror(out))
		return hrun_syserr(errno, "write report");
	return 0;
}

int check_load_json(const char *path, json_t **ret)
{
	_cleanup_free_ char *text = NULL;
	json_error_t jerr;
	size_t len = 0;
	json_t *j;
	int r;

	r = strcmp(path, "-") == 0 ? util_read_fd(STDIN_FILENO, "stdin", HRUN_SPEC_MAX_SIZE, &text, &len)
				   : util_read_file(path, HRUN_SPEC_MAX_SIZE, &text, &len);
	if (r < 0)
		return r;
	/* Duplicate keys would let two readers see different values for the
	 * same field: refuse them. */
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		util_scrub_control(jerr.text);
		return hrun_err(EINVAL, "`%s`:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
	}
	*ret = j;
	return 0;
}

/* Relative bind sources without a bundle to resolve them in: refuse the
 * ones that climb out with `..`, as the runtime would. */
static int check_relative_sources(const struct hrun_spec *spec)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct hrun_mount *m = &spec->mounts[i];

		if (mount_is_bind(m) && m->source && m->source[0] != '/' && mount_source_climbs(m->source))
			return mount_source_escapes(i, m->source);
	}
	return 0;
}

int check_prepare(const char *text, size_t len, const char *bundle, struct hrun_spec **ret_spec,
		  struct hrun_bind_sources *ret_binds)
{
	_cleanup_free_ char *abs = NULL, *rootfs = NULL;
	struct hrun_spec *spec = NULL;
	int r;

	*ret_binds = (struct hrun_bind_sources){ 0 };
	r = spec_parse("config.json", text, len, &spec);
	if (r < 0)
		return r;
	r = spec_validate_run(spec);
	if (r == 0 && !bundle)
		r = check_relative_sources(spec);
	if (r == 0 && bundle) {
		abs = realpath(bundle, NULL);
		r = abs ? 0 : hrun_syserr(errno, "bundle `%s`", bundle);
		if (r == 0)
			r = mount_resolve_rootfs(abs, spec->root_path, &rootfs);
		if (r == 0)
			r = mount_resolve_sources(spec, abs, ret_binds);
	}
	if (r < 0) {
		spec_free(spec);
		return r;
	}
	*ret_spec = spec;
	return 0;
}

/* ---- command ---------------------------------------------------------- */

/* The file to read, and the bundle directory when one is checked. */
static int check_config_path(const struct check_cli_options *a, char **ret, const char **ret_bundle)
{
	struct stat st;
	const char *dir = a->bundle;

	if (!dir && a->file && strcmp(a->file, "-") != 0 && stat(a->file, &st) == 0 && S_ISDIR(st.st_mode))
		dir = a->file;
	if (!dir && !a->file)
		dir = "."; /* like `run`: the bundle is the current directory */
	if (!dir)
		*ret = strdup(a->file);
	else if (asprintf(ret, "%s/config.json", dir) < 0)
		*ret = NULL;
	*ret_bundle = dir;
	return *ret ? 0 : hrun_err(ENOMEM, "check: out of memory");
}

static int check_report_output(const struct check_cli_options *a, const struct check_report *rep, const char *path)
{
	_cleanup_free_ char *text = NULL;
	json_t *j;

	if (!a->json)
		return check_report_print_text(stdout, rep, isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	j = check_report_to_json(rep, path);
	if (!j)
		return hrun_err(ENOMEM, "check: out of memory");
	text = json_dumps(j, JSON_SORT_KEYS | JSON_INDENT(2));
	json_decref(j);
	if (!text)
		return hrun_err(ENOMEM, "check: out of memory");
	if (printf("%s\n", text) < 0 || fflush(stdout) != 0)
		return hrun_syserr(errno, "write report");
	return 0;
}

int check_main(const struct check_cli_options *a)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	struct hrun_bind_sources binds = { 0 };
	struct check_report rep = { 0 };
	struct hrun_spec *spec = NULL;
	const char *bundle = NULL;
	size_t len = 0;
	int r, fail = 0;

	if ((r = check_config_path(a, &path, &bundle)) < 0)
		return r;
	/* the one read of the config, then run's own parse and checks */
	r = strcmp(path, "-") == 0 ? util_read_fd(STDIN_FILENO, "stdin", HRUN_SPEC_MAX_SIZE, &text, &len)
				   : util_read_file(path, HRUN_SPEC_MAX_SIZE, &text, &len);
	if (r < 0)
		return r;
	if ((r = check_prepare(text, len, bundle, &spec, &binds)) < 0)
		return r;
	r = check_config(spec, bundle ? &binds : NULL, NULL, &rep);
	mount_sources_clear(&binds);
	spec_free(spec);
	if (r < 0)
		return r;
	r = check_report_output(a, &rep, path);
	for (size_t i = 0; i < rep.n_findings && a->fail_on != CHECK_SEV_NONE; i++)
		if (rep.findings[i].severity >= a->fail_on)
			fail = 1;
	check_report_clear(&rep);
	return r < 0 ? r : fail;
}
