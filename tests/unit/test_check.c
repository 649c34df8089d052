/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hrun check / hrun spec / launch policies.
 *
 * Fixtures: the JSON files in tests/unit/data/check/, each a hardened config with one
 * deliberate weakness. The annotation "org.hrun.test.expect" lists the
 * EXACT findings expected ("RULE severity path; ..."), so a fixture fails
 * both on a missed finding and on a spurious one.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/check.h"
#include "hrun/error.h"
#include "hrun/policy.h"
#include "hrun/spec.h"
#include "hrun/specgen.h"
#include "hrun/util.h"
#include "../../src/cli/cmd_audit.h"

#include "config.h"

/* meson sets HRUN_PROFILES for `meson test`; default to the source tree so
 * the binary also works when run by hand. */
__attribute__((constructor)) static void default_profiles(void)
{
	(void)setenv("HRUN_PROFILES", HRUN_SOURCE_PROFILES, 0);
}

static const struct check_options no_lsm = { .lsm = CHECK_LSM_NONE };

static int run_check(char **out, ...);

/* A JSON config the way `hrun check FILE` sees it: serialised, then run's
 * own parse and checks (check_prepare, no bundle), then the rules on the
 * parsed model. A config the parser refuses returns its error. */
static int check_json(json_t *cfg, const struct check_options *o, struct check_report *rep)
{
	struct hrun_bind_sources binds;
	struct hrun_spec *spec = NULL;
	char *text = json_dumps(cfg, JSON_COMPACT | JSON_ENCODE_ANY);
	int r;

	cr_assert_not_null(text);
	r = check_prepare(text, strlen(text), NULL, &spec, &binds);
	free(text);
	if (r < 0)
		return r;
	r = check_config(spec, NULL, o, rep);
	spec_free(spec);
	return r;
}

static int policy_json(const struct policy *p, json_t *cfg, const char *name)
{
	struct hrun_bind_sources binds;
	struct hrun_spec *spec = NULL;
	char *text = json_dumps(cfg, JSON_COMPACT);
	int r;

	cr_assert_not_null(text);
	r = check_prepare(text, strlen(text), NULL, &spec, &binds);
	free(text);
	if (r < 0)
		return r;
	r = policy_check(p, spec, NULL, name);
	spec_free(spec);
	return r;
}

/* policy_enforce on a config file, as the runtime calls it after its one
 * read and parse. */
static int enforce_file(const char *path, const char *policy)
{
	struct hrun_bind_sources binds;
	struct hrun_spec *spec = NULL;
	char *text = NULL;
	size_t len = 0;
	int r = util_read_file(path, HRUN_SPEC_MAX_SIZE, &text, &len);

	cr_assert_eq(r, 0, "%s", hrun_errmsg());
	r = check_prepare(text, len, NULL, &spec, &binds);
	free(text);
	cr_assert_eq(r, 0, "%s: %s", path, hrun_errmsg());
	r = policy_enforce(spec, NULL, path, policy);
	spec_free(spec);
	return r;
}

static const char *data_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("HRUN_CHECK_DATA"), *prof = getenv("HRUN_PROFILES");

	if (env && *env)
		return env;
	if (prof && *prof)
		(void)snprintf(dir, sizeof(dir), "%s/../tests/unit/data/check", prof);
	else
		(void)snprintf(dir, sizeof(dir), "%.*s/data/check", (int)(strrchr(__FILE__, '/') - __FILE__),
			       __FILE__);
	return dir;
}

static char *fixture_path(const char *name)
{
	char *p;
	cr_assert(asprintf(&p, "%s/%s.json", data_dir(), name) > 0);
	return p;
}

static json_t *load_fixture(const char *name)
{
	char *p = fixture_path(name);
	json_t *j = NULL;
	int r = check_load_json(p, &j);

	cr_assert_eq(r, 0, "load %s: %s", p, hrun_errmsg());
	free(p);
	return j;
}

/* "RULE severity path" for every finding, '\n'-joined, in report order. */
static char *report_lines(const struct check_report *rep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	for (size_t i = 0; i < rep->n_findings; i++)
		fprintf(f, "%s %s %s\n", rep->findings[i].rule, check_severity_name(rep->findings[i].severity),
			rep->findings[i].path);
	fclose(f);
	return buf;
}

static bool report_has(const struct check_report *rep, const char *rule, const char *sev, const char *path)
{
	for (size_t i = 0; i < rep->n_findings; i++) {
		const struct check_finding *f = &rep->findings[i];
		if (strcmp(f->rule, rule) == 0 && (!sev || strcmp(check_severity_name(f->severity), sev) == 0) &&
		    (!path || strcmp(f->path, path) == 0))
			return true;
	}
	return false;
}

/* Compare the report with the fixture's expectation, both ways. */
static void expect_fixture(const char *file, json_t *cfg, size_t *n_expected)
{
	const char *exp = json_string_value(json_object_get(json_object_get(cfg, "annotations"), "org.hrun.test.expect"));
	struct check_report rep;
	char *copy, *save = NULL, *lines;
	size_t n = 0;

	cr_assert_not_null(exp, "%s: no org.hrun.test.expect annotation", file);
	cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
	lines = report_lines(&rep);
	copy = strdup(exp);
	for (char *tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		char rule[64], sev[16], path[256];
		cr_assert_eq(sscanf(tok, " %63s %15s %255s", rule, sev, path), 3, "%s: bad expectation `%s`", file, tok);
		cr_expect(report_has(&rep, rule, sev, path), "%s: missing `%s %s %s`; got:\n%s", file, rule, sev, path,
			  lines);
		n++;
	}
	cr_expect_eq(rep.n_findings, n, "%s: expected %zu findings, got %zu:\n%s", file, n, rep.n_findings, lines);
	*n_expected = n;
	free(copy);
	free(lines);
	check_report_clear(&rep);
}

Test(check, fixtures_produce_exactly_the_intended_findings)
{
	DIR *d = opendir(data_dir());
	struct dirent *e;
	size_t unsafe = 0, total = 0;
	bool covered[64] = { false };

	cr_assert_not_null(d, "opendir %s: %s", data_dir(), strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name), n = 0;
		char path[PATH_MAX];
		json_t *cfg = NULL;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", data_dir(), e->d_name);
		cr_assert_eq(check_load_json(path, &cfg), 0, "%s", hrun_errmsg());
		expect_fixture(e->d_name, cfg, &n);
		/* record which rules the fixtures exercise */
		struct check_report rep;
		cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
		for (size_t i = 0; i < rep.n_findings; i++)
			covered[rep.findings[i].rule_index] = true;
		check_report_clear(&rep);
		json_decref(cfg);
		total++;
		unsafe += n > 0;
	}
	closedir(d);
	cr_expect_geq(unsafe, 15, "only %zu unsafe fixtures", unsafe);
	cr_expect_lt(unsafe, total, "no clean fixture");
	/* every rule but HR-LSM-NONE (host dependent, tested below) has a fixture */
	for (size_t i = 0; i < check_rule_count(); i++)
		if (strcmp(check_rule_id(i), "HR-LSM-NONE") != 0)
			cr_expect(covered[i], "no fixture triggers %s", check_rule_id(i));
}

/* Configs `run` refuses (check-refused/NAME.json, run's message in
 * NAME.err): `check` refuses them too with exactly that message and prints
 * no report, never a pass. tests/attacks/ compares with `hrun run` itself. */
Test(check, configs_run_refuses_are_errors_with_runs_message)
{
	char dir[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	(void)snprintf(dir, sizeof(dir), "%s-refused", data_dir());
	d = opendir(dir);
	cr_assert_not_null(d, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[2 * PATH_MAX], errpath[2 * PATH_MAX], *want = NULL, *out = NULL;
		int r;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		(void)snprintf(errpath, sizeof(errpath), "%s/%.*s.err", dir, (int)(len - 5), e->d_name);
		cr_assert_eq(util_read_file(errpath, 4096, &want, NULL), 0, "%s", hrun_errmsg());
		want[strcspn(want, "\n")] = '\0';
		r = run_check(&out, path, NULL);
		cr_expect_lt(r, 0, "%s: check passed (exit %d)", e->d_name, r);
		cr_expect_str_eq(hrun_errmsg(), want, "%s", e->d_name);
		cr_expect_str_eq(out, "", "%s: a report was printed", e->d_name);
		free(out);
		free(want);
		n++;
	}
	closedir(d);
	cr_expect_geq(n, 8, "only %zu refused fixtures", n);
}

Test(check, lsm_rule_follows_host)
{
	json_t *cfg = load_fixture("clean");
	struct check_options aa = { .lsm = CHECK_LSM_APPARMOR }, se = { .lsm = CHECK_LSM_SELINUX };
	struct check_report rep;

	cr_assert_eq(check_json(cfg, &aa, &rep), 0);
	cr_expect(report_has(&rep, "HR-LSM-NONE", "low", "process.apparmorProfile"));
	check_report_clear(&rep);
	cr_assert_eq(check_json(cfg, &se, &rep), 0);
	cr_expect(report_has(&rep, "HR-LSM-NONE", "low", "process.selinuxLabel"));
	check_report_clear(&rep);
	cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
	cr_expect_eq(rep.n_findings, 0);
	check_report_clear(&rep);
	/* a profile confines: no finding; "unconfined" does not */
	json_object_set_new(json_object_get(cfg, "process"), "apparmorProfile", json_string("hrun-default"));
	cr_assert_eq(check_json(cfg, &aa, &rep), 0, "%s", hrun_errmsg());
	cr_expect_eq(rep.n_findings, 0);
	check_report_clear(&rep);
	json_object_set_new(json_object_get(cfg, "process"), "apparmorProfile", json_string("unconfined"));
	cr_assert_eq(check_json(cfg, &aa, &rep), 0, "%s", hrun_errmsg());
	cr_expect(report_has(&rep, "HR-LSM-NONE", "low", "process.apparmorProfile"));
	check_report_clear(&rep);
	json_object_set_new(json_object_get(cfg, "process"), "selinuxLabel",
			    json_string("system_u:system_r:container_t:s0"));
	cr_assert_eq(check_json(cfg, &se, &rep), 0, "%s", hrun_errmsg());
	cr_expect_eq(rep.n_findings, 0);
	check_report_clear(&rep);
	json_decref(cfg);
}

Test(check, allowed_caps_option)
{
	json_t *cfg = load_fixture("cap-sys-ptrace");
	const char *const allow[] = { "CAP_SYS_PTRACE", "CAP_NET_BIND_SERVICE", NULL };
	const char *const none[] = { NULL };
	struct check_options o = { .allowed_caps = allow, .lsm = CHECK_LSM_NONE };
	struct check_report rep;

	cr_assert_eq(check_json(cfg, &o, &rep), 0);
	cr_expect_eq(rep.n_findings, 0);
	check_report_clear(&rep);
	o.allowed_caps = none; /* now even NET_BIND_SERVICE is extra */
	cr_assert_eq(check_json(cfg, &o, &rep), 0);
	cr_expect(report_has(&rep, "HR-CAP-ADD", "medium", "process.capabilities.bounding[0]"));
	cr_expect(report_has(&rep, "HR-CAP-DANGEROUS", "high", "process.capabilities.bounding[1]"));
	cr_expect_eq(rep.n_findings, 2);
	check_report_clear(&rep);
	json_decref(cfg);
}

Test(check, paths_sort_numerically_and_messages_name_values)
{
	json_t *cfg = load_fixture("clean"), *mounts = json_object_get(cfg, "mounts");
	struct check_report rep;

	/* mounts[9] /etc, [10] a containerd socket, [11] /dev, [21] /proc: a
	 * plain strcmp would sort mounts[9] after mounts[21] */
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s]}", "destination", "/e", "type", "bind", "source",
						"/etc/", "options", "rbind"));
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s]}", "destination", "/s", "type", "bind", "source",
						"/run/containerd/containerd.sock", "options", "bind"));
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s,s]}", "destination", "/d", "type", "bind",
						"source", "/dev", "options", "rbind", "ro"));
	for (int i = 0; i < 9; i++) /* harmless tmpfs mounts to reach mounts[21] */
		json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s,s]}", "destination", "/x", "type",
							"tmpfs", "source", "tmpfs", "options", "nosuid", "nodev"));
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s]}", "destination", "/p", "type", "bind", "source",
						"/proc", "options", "rbind"));
	cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
	char *lines = report_lines(&rep);
	cr_expect_str_eq(lines, "HR-MOUNT-ENGINE-SOCKET critical mounts[10]\n"
				"HR-MOUNT-HOST-PATH high mounts[9]\n"
				"HR-MOUNT-HOST-PATH high mounts[11]\n"
				"HR-MOUNT-HOST-PATH critical mounts[21]\n");
	cr_expect(strstr(rep.findings[0].message, "`/run/containerd/containerd.sock`"));
	cr_expect_str_eq(rep.findings[0].detail, "/run/containerd/containerd.sock");
	free(lines);
	check_report_clear(&rep);
	json_decref(cfg);
}

Test(check, non_object_and_duplicate_keys)
{
	struct check_report rep;
	json_t *arr = json_array();
	char tmpl[] = "/tmp/hrun-check-XXXXXX";
	int fd = mkstemp(tmpl);
	json_t *j = NULL;

	cr_expect_eq(check_json(arr, NULL, &rep), -EINVAL);
	json_decref(arr);
	cr_assert_geq(fd, 0);
	cr_assert_gt(write(fd, "{\"a\":1,\"a\":2}", 13), 0);
	close(fd);
	cr_expect_eq(check_load_json(tmpl, &j), -EINVAL);
	cr_expect(strstr(hrun_errmsg(), "duplicate"), "%s", hrun_errmsg());
	unlink(tmpl);
	cr_expect_eq(check_load_json("/nonexistent/config.json", &j), -ENOENT);
}

Test(check, score_and_severity_names)
{
	struct check_report r = { 0 };
	enum check_severity s;

	cr_expect_eq(check_score(&r), 100);
	r.counts[CHECK_SEV_HIGH] = 2;
	r.counts[CHECK_SEV_MEDIUM] = 3;
	r.counts[CHECK_SEV_LOW] = 4;
	cr_expect_eq(check_score(&r), 100 - 30 - 15 - 4);
	r.counts[CHECK_SEV_CRITICAL] = 2;
	cr_expect_eq(check_score(&r), 0);
	cr_expect_eq(check_severity_parse("medium", &s), 0);
	cr_expect_eq(s, CHECK_SEV_MEDIUM);
	cr_expect_eq(check_severity_parse("none", &s), 0);
	cr_expect_eq(s, CHECK_SEV_NONE);
	cr_expect_eq(check_severity_parse("HIGH", &s), -EINVAL);
	cr_expect(check_rule_known("HR-USER-ROOT"));
	cr_expect_not(check_rule_known("HR-NOPE"));
}

/* ---- output, check_main -------------------------------------------------- */

/* Run check_main with stdout captured; returns its result, *out = stdout. */
static int run_check(char **out, ...)
{
	char *argv[16] = { "check" };
	int argc = 1, saved, r;
	FILE *tmp = tmpfile();
	va_list ap;
	long len;

	va_start(ap, out);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	cr_assert_not_null(tmp);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fileno(tmp), STDOUT_FILENO);
	r = cmd_check_main(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = lseek(fileno(tmp), 0, SEEK_END);
	*out = calloc(1, (size_t)len + 1);
	cr_assert_eq(pread(fileno(tmp), *out, (size_t)len, 0), len);
	fclose(tmp);
	return r;
}

Test(check, json_output_valid_sorted_and_stable)
{
	char *path = fixture_path("privileged"), *a, *b;
	json_error_t err;
	json_t *j, *f;
	size_t i;

	cr_assert_eq(run_check(&a, "--format", "json", path, NULL), 1, "%s", hrun_errmsg());
	cr_assert_eq(run_check(&b, "--format", "json", path, NULL), 1);
	cr_expect_str_eq(a, b, "two runs differ");
	j = json_loads(a, 0, &err);
	cr_assert_not_null(j, "invalid JSON: %s", err.text);
	cr_expect_str_eq(json_string_value(json_object_get(j, "config")), path);
	cr_expect_eq(json_integer_value(json_object_get(j, "score")), 0);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "critical")), 4);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "summary"), "total")), 12);
	cr_expect_eq(json_array_size(json_object_get(j, "findings")), 12);
	json_array_foreach(json_object_get(j, "findings"), i, f) {
		cr_expect_eq(json_object_size(f), 5);
		for (const char *const *k = (const char *const[]){ "rule", "severity", "path", "message", "fix", NULL };
		     *k; k++)
			cr_expect(json_is_string(json_object_get(f, *k)), "finding %zu lacks %s", i, *k);
	}
	/* keys sorted: "config" < "findings" < "score" < "summary" */
	cr_expect(strstr(a, "\"config\"") < strstr(a, "\"findings\""));
	cr_expect(strstr(a, "\"score\"") < strstr(a, "\"summary\""));
	/* rule-table order: HR-USER-ROOT first, HR-READONLY-PATHS last */
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "findings"), 0), "rule")),
			 "HR-USER-ROOT");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(json_object_get(j, "findings"), 11), "rule")),
			 "HR-READONLY-PATHS");
	json_decref(j);
	free(a);
	free(b);
	free(path);
}

Test(check, text_output_aligned_with_summary)
{
	char *path = fixture_path("cap-extra"), *out, *line, *save = NULL;
	long col = -1, pcol = -1;
	int lines = 0;

	cr_assert_eq(run_check(&out, path, NULL), 1); /* one high finding >= default high */
	cr_expect_null(strchr(out, '\033'), "colour on a non-tty");
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *rule = strstr(line, "HR-");
		lines++;
		if (!rule) {
			cr_expect_str_eq(line, "2 findings: 0 critical, 1 high, 1 medium, 0 low; score 80/100");
			continue;
		}
		char *jpath = strstr(line, "process.capabilities.");
		cr_assert_not_null(jpath, "%s", line);
		if (col < 0) {
			col = rule - line;
			pcol = jpath - line;
		}
		cr_expect_eq(rule - line, col, "rule column not aligned: `%s`", line);
		cr_expect_eq(jpath - line, pcol, "path column not aligned: `%s`", line);
		cr_expect(strstr(line, "Fix: "));
	}
	cr_expect_eq(lines, 3);
	free(out);
	free(path);
}

Test(check, colour_only_on_request)
{
	json_t *cfg = load_fixture("user-root");
	struct check_report rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
	cr_assert_eq(check_report_print_text(f, &rep, true), 0);
	fclose(f);
	cr_expect(strstr(buf, "\033[31mHIGH\033[0m"), "%s", buf);
	free(buf);
	check_report_clear(&rep);
	json_decref(cfg);
}

Test(check, fail_on_thresholds)
{
	char *medium = fixture_path("tmpfs-suid"), *low = fixture_path("devices-no-deny");
	char *crit = fixture_path("privileged"), *clean = fixture_path("clean"), *out;

	cr_expect_eq(run_check(&out, medium, NULL), 0); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "medium", medium, NULL), 1); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "low", medium, NULL), 1); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "critical", medium, NULL), 0); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "low", low, NULL), 1); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "medium", low, NULL), 0); free(out);
	cr_expect_eq(run_check(&out, crit, NULL), 1); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "critical", crit, NULL), 1); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "none", crit, NULL), 0); free(out);
	cr_expect_eq(run_check(&out, "--fail-on", "low", clean, NULL), 0); free(out);
	free(medium); free(low); free(crit); free(clean);
}

Test(check, usage_and_io_errors)
{
	char *clean = fixture_path("clean"), *out;

	cr_expect_eq(run_check(&out, "--fail-on", "severe", clean, NULL), -EINVAL); free(out);
	cr_expect(strstr(hrun_errmsg(), "severe"), "%s", hrun_errmsg());
	cr_expect_eq(run_check(&out, "--format", "xml", clean, NULL), -EINVAL); free(out);
	cr_expect_eq(run_check(&out, "--bogus", NULL), -EINVAL); free(out);
	cr_expect_eq(run_check(&out, "--bundle", "/tmp", clean, NULL), -EINVAL); free(out);
	cr_expect_eq(run_check(&out, clean, clean, NULL), -EINVAL); free(out);
	cr_expect_eq(run_check(&out, "/nonexistent.json", NULL), -ENOENT); free(out);
	cr_expect(strstr(hrun_errmsg(), "`/nonexistent.json`"), "%s", hrun_errmsg());
	cr_expect_eq(run_check(&out, "--help", NULL), 0);
	cr_expect(strstr(out, "Usage: hrun check"));
	free(out);
	free(clean);
}

/* ---- hrun spec --------------------------------------------------------- */

static void need_seccomp_profile(void)
{
	char *p = NULL;

	if (specgen_seccomp_path(&p) < 0 || access(p, R_OK) != 0)
		cr_skip_test("default seccomp profile not available yet (%s)", p ? p : hrun_errmsg());
	free(p);
}

static void expect_nothing_above_low(const struct specgen_options *o, const char *what)
{
	struct check_report rep;
	json_t *cfg = NULL;

	cr_assert_eq(specgen_build(o, &cfg), 0, "%s", hrun_errmsg());
	/* real host probing here: an LSM finding would be low, which is allowed */
	cr_assert_eq(check_json(cfg, NULL, &rep), 0);
	for (size_t i = 0; i < rep.n_findings; i++)
		cr_expect_leq(rep.findings[i].severity, CHECK_SEV_LOW, "%s: %s %s %s", what, rep.findings[i].rule,
			      rep.findings[i].path, rep.findings[i].message);
	cr_expect_gt(json_array_size(json_object_get(json_object_get(json_object_get(cfg, "linux"), "seccomp"),
						     "syscalls")),
		     0, "seccomp profile not inlined");
	check_report_clear(&rep);
	json_decref(cfg);
}

Test(spec, default_and_rootless_configs_pass_check)
{
	struct specgen_options o = { .uid = 1000, .gid = 1000 };

	need_seccomp_profile();
	expect_nothing_above_low(&o, "default");
	o.rootless = true;
	expect_nothing_above_low(&o, "rootless");
	o.uid = 0;
	o.gid = 0;
	if (getuid() != 0) {
		/* root inside a single-id user namespace is not host root */
		expect_nothing_above_low(&o, "rootless uid 0");
	} else {
		/* ...unless the caller is root: then it maps host root */
		struct check_report rep;
		json_t *cfg = NULL;
		cr_assert_eq(specgen_build(&o, &cfg), 0);
		cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
		cr_expect(report_has(&rep, "HR-USER-ROOT", "high", "process.user.uid"));
		cr_expect_eq(rep.n_findings, 1);
		check_report_clear(&rep);
		json_decref(cfg);
	}
}

Test(spec, options_change_the_config)
{
	const char *const args[] = { "/bin/echo", "hi", NULL };
	struct specgen_options o = { .uid = 0, .gid = 0, .no_limits = true, .rootfs = "/srv/rootfs", .args = args };
	struct check_report rep;
	json_t *cfg = NULL;

	need_seccomp_profile();
	cr_assert_eq(specgen_build(&o, &cfg), 0, "%s", hrun_errmsg());
	cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
	char *lines = report_lines(&rep);
	cr_expect_str_eq(lines, "HR-USER-ROOT high process.user.uid\n"
				"HR-NO-MEMORY-LIMIT medium linux.resources.memory.limit\n"
				"HR-NO-CPU-LIMIT medium linux.resources.cpu.quota\n"
				"HR-NO-PIDS-LIMIT medium linux.resources.pids.limit\n");
	free(lines);
	check_report_clear(&rep);
	cr_expect_str_eq(json_string_value(json_object_get(json_object_get(cfg, "root"), "path")), "/srv/rootfs");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(cfg, "process"), "args"), 1)),
			 "hi");
	/* devpts keeps gid=5 when not rootless */
	json_t *pts = json_array_get(json_object_get(cfg, "mounts"), 2);
	cr_expect_str_eq(json_string_value(json_object_get(pts, "destination")), "/dev/pts");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(pts, "options"), 5)), "gid=5");
	json_decref(cfg);
}

Test(spec, main_writes_bundle_and_refuses_overwrite)
{
	char dir[] = "/tmp/hrun-spec-XXXXXX", path[PATH_MAX];
	char *argv[] = { "spec", "--rootless", "--user", "1234:4321", "-b", dir, "--", "/bin/true", NULL };
	struct check_report rep;
	json_t *cfg = NULL;

	need_seccomp_profile();
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_eq(cmd_spec_main(8, argv), 0, "%s", hrun_errmsg());
	(void)snprintf(path, sizeof(path), "%s/config.json", dir);
	cr_assert_eq(check_load_json(path, &cfg), 0, "%s", hrun_errmsg());
	json_t *user = json_object_get(json_object_get(cfg, "process"), "user");
	cr_expect_eq(json_integer_value(json_object_get(user, "uid")), 1234);
	cr_expect_eq(json_integer_value(json_object_get(user, "gid")), 4321);
	json_t *m = json_array_get(json_object_get(json_object_get(cfg, "linux"), "uidMappings"), 0);
	cr_expect_eq(json_integer_value(json_object_get(m, "containerID")), 1234);
	cr_expect_eq(json_integer_value(json_object_get(m, "hostID")), getuid());
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(cfg, "process"), "args"), 0)),
			 "/bin/true");
	cr_assert_eq(check_json(cfg, &no_lsm, &rep), 0);
	cr_expect_eq(rep.n_findings, 0);
	check_report_clear(&rep);
	json_decref(cfg);

	cr_expect_eq(cmd_spec_main(8, argv), -EEXIST);
	cr_expect(strstr(hrun_errmsg(), "exists. Remove it first"), "%s", hrun_errmsg());
	unlink(path);
	rmdir(dir);

	char *bad[] = { "spec", "--user", "x:1", NULL };
	cr_expect_eq(cmd_spec_main(3, bad), -EINVAL);
	char *missing[] = { "spec", "-b", "/nonexistent-dir", NULL };
	cr_expect_eq(cmd_spec_main(3, missing), -ENOENT);
}

/* ---- policy ------------------------------------------------------------ */

static void unset_policy_env(void)
{
	unsetenv("HRUN_POLICY");
	setenv("HRUN_CONFIG", "/nonexistent/hrun.conf", 1);
}

/* For every fixture: refused exactly when one of its expected findings is
 * a rule the policy enforces, and the message names each such finding. */
static void policy_matches_fixtures(const char *name)
{
	struct policy *p = NULL;
	DIR *d = opendir(data_dir());
	struct dirent *e;
	int refused = 0;

	cr_assert_eq(policy_load(name, &p), 0, "%s", hrun_errmsg());
	cr_assert_str_eq(p->name, name);
	cr_assert_not_null(d);
	while ((e = readdir(d))) {
		char path[PATH_MAX], *exp, *save = NULL;
		json_t *cfg = NULL;
		bool want = false;
		int r;

		if (!strstr(e->d_name, ".json"))
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", data_dir(), e->d_name);
		cr_assert_eq(check_load_json(path, &cfg), 0);
		r = policy_json(p, cfg, e->d_name);
		exp = strdup(json_string_value(json_object_get(json_object_get(cfg, "annotations"), "org.hrun.test.expect")));
		for (char *tok = strtok_r(exp, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
			char rule[64], sev[16], jpath[256], item[400];
			cr_assert_eq(sscanf(tok, " %63s %15s %255s", rule, sev, jpath), 3);
			for (char **s = p->rules; *s; s++) {
				if (strcmp(*s, rule) != 0)
					continue;
				want = true;
				(void)snprintf(item, sizeof(item), "%s (%s", rule, jpath);
				cr_expect(r != -EPERM || strstr(hrun_errmsg(), item), "%s/%s: message lacks `%s`: %s",
					  name, e->d_name, item, hrun_errmsg());
			}
		}
		cr_expect_eq(r, want ? -EPERM : 0, "%s/%s: r=%d %s", name, e->d_name, r, r ? hrun_errmsg() : "");
		refused += r == -EPERM;
		free(exp);
		json_decref(cfg);
	}
	closedir(d);
	cr_expect_geq(refused, 10, "%s refused only %d fixtures", name, refused);
	policy_free(p);
}

Test(policy, restricted_refuses_each_violation_class)
{
	unset_policy_env();
	policy_matches_fixtures("restricted");
}

Test(policy, baseline_refuses_only_escalations)
{
	unset_policy_env();
	policy_matches_fixtures("baseline");
}

Test(policy, message_format_and_compliant_config)
{
	char *path = fixture_path("root-with-sys-admin"), *clean = fixture_path("clean"), expect[PATH_MAX + 200];

	unset_policy_env();
	cr_expect_eq(enforce_file(path, "restricted"), -EPERM);
	(void)snprintf(expect, sizeof(expect),
		       "policy `restricted` refused `%s`: HR-USER-ROOT (process.user.uid), "
		       "HR-CAP-DANGEROUS (process.capabilities.bounding[0] CAP_SYS_ADMIN)",
		       path);
	cr_expect_str_eq(hrun_errmsg(), expect);
	cr_expect_eq(enforce_file(clean, "restricted"), 0, "%s", hrun_errmsg());
	cr_expect_eq(enforce_file(clean, "baseline"), 0, "%s", hrun_errmsg());
	free(path);
	free(clean);
}

Test(policy, specgen_output_complies_with_restricted)
{
	struct specgen_options o = { .uid = 1000, .gid = 1000, .rootless = true };
	struct policy *p = NULL;
	json_t *cfg = NULL;

	need_seccomp_profile();
	cr_assert_eq(specgen_build(&o, &cfg), 0);
	cr_assert_eq(policy_load("restricted", &p), 0, "%s", hrun_errmsg());
	cr_expect_eq(policy_json(p, cfg, "config.json"), 0, "%s", hrun_errmsg());
	policy_free(p);
	json_decref(cfg);
}

static char *write_tmp(const char *content)
{
	char *p = strdup("/tmp/hrun-test-XXXXXX");
	int fd = mkstemp(p);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	return p;
}

Test(policy, custom_policy_file_and_allowed_caps)
{
	char *ptrace = fixture_path("cap-sys-ptrace");
	char *allow = write_tmp("{\"rules\": [\"HR-CAP-DANGEROUS\", \"HR-CAP-ADD\"],"
				" \"allowedCapabilities\": [\"CAP_SYS_PTRACE\", \"CAP_NET_BIND_SERVICE\"]}");
	char *deny = write_tmp("{\"name\": \"strict\", \"rules\": [\"HR-CAP-ADD\"]}");

	unset_policy_env();
	cr_expect_eq(enforce_file(ptrace, allow), 0, "%s", hrun_errmsg());
	/* no allowedCapabilities: even CAP_NET_BIND_SERVICE is "added" */
	cr_expect_eq(enforce_file(ptrace, deny), -EPERM);
	cr_expect(strstr(hrun_errmsg(), "policy `strict` refused"), "%s", hrun_errmsg());
	cr_expect(strstr(hrun_errmsg(), "HR-CAP-ADD (process.capabilities.bounding[0] CAP_NET_BIND_SERVICE)"), "%s",
		  hrun_errmsg());
	unlink(allow);
	unlink(deny);
	free(allow);
	free(deny);
	free(ptrace);
}

Test(policy, invalid_policies_are_errors)
{
	static const char *const bad[] = {
		"{\"rules\": [\"HR-NOT-A-RULE\"]}",
		"{\"rules\": [], \"rulez\": []}",
		"{\"description\": \"no rules\"}",
		"{\"rules\": [], \"allowedCapabilities\": [\"CAP_GODMODE\"]}",
		"{\"rules\": \"HR-USER-ROOT\"}",
		"[\"HR-USER-ROOT\"]",
		"{\"rules\": [1]}",
	};
	char *clean = fixture_path("clean");
	struct policy *p = NULL;

	unset_policy_env();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *f = write_tmp(bad[i]);
		cr_expect_eq(enforce_file(clean, f), -EINVAL, "accepted %s", bad[i]);
		cr_expect(strstr(hrun_errmsg(), "policy"), "%s", hrun_errmsg());
		unlink(f);
		free(f);
	}
	cr_expect_eq(policy_load("../restricted", &p), -ENOENT); /* has a `/`: a path, which does not exist */
	cr_expect_eq(policy_load("..restricted", &p), -EINVAL);
	cr_expect_eq(policy_load("no-such-policy", &p), -ENOENT);
	cr_expect(strstr(hrun_errmsg(), "`no-such-policy` not found"), "%s", hrun_errmsg());
	free(clean);
}

Test(policy, long_refusals_stay_one_bounded_line)
{
	json_t *cfg = load_fixture("clean"), *hooks = json_array();
	char *pol = write_tmp("{\"name\": \"nohooks\", \"rules\": [\"HR-HOOKS\"]}");
	struct policy *p = NULL;

	for (int i = 0; i < 200; i++)
		json_array_append_new(hooks, json_pack("{s:s}", "path", "/usr/libexec/some/rather/long/hook/path"));
	json_object_set_new(cfg, "hooks", json_pack("{s:o}", "prestart", hooks));
	cr_assert_eq(policy_load(pol, &p), 0, "%s", hrun_errmsg());
	cr_expect_eq(policy_json(p, cfg, "config.json"), -EPERM);
	cr_expect_lt(strlen(hrun_errmsg()), HRUN_ERRMSG_MAX - 1);
	cr_expect_null(strchr(hrun_errmsg(), '\n'));
	cr_expect(strstr(hrun_errmsg(), " more"), "%s", hrun_errmsg());
	cr_expect(strstr(hrun_errmsg(), "HR-HOOKS (hooks.prestart[0] "), "%s", hrun_errmsg());
	policy_free(p);
	unlink(pol);
	free(pol);
	json_decref(cfg);
}

Test(policy, resolution_order)
{
	char *root = fixture_path("user-root");
	char *conf = write_tmp("# hrun configuration\n\n  policy = \"restricted\"   # enforce\n");
	char *v = NULL;

	unsetenv("HRUN_POLICY");
	setenv("HRUN_CONFIG", conf, 1);
	cr_expect_eq(policy_resolve(NULL, &v), 0);
	cr_expect_str_eq(v, "restricted");
	free(v);
	cr_expect_eq(enforce_file(root, NULL), -EPERM, "config file not honoured");
	cr_expect(strstr(hrun_errmsg(), "HR-USER-ROOT (process.user.uid)"), "%s", hrun_errmsg());

	setenv("HRUN_POLICY", "baseline", 1); /* env beats the config file */
	cr_expect_eq(enforce_file(root, NULL), 0, "%s", hrun_errmsg());
	cr_expect_eq(enforce_file(root, "restricted"), -EPERM); /* --policy beats env */
	cr_expect_eq(enforce_file(root, "none"), 0);
	setenv("HRUN_POLICY", "none", 1);
	cr_expect_eq(enforce_file(root, NULL), 0);
	unsetenv("HRUN_POLICY");

	/* nothing configured: no policy (OCI-compatible default) */
	char *empty = write_tmp("# no policy here\n");
	setenv("HRUN_CONFIG", empty, 1);
	cr_expect_eq(policy_resolve(NULL, &v), 0);
	cr_expect_null(v);
	cr_expect_eq(enforce_file(root, NULL), 0);

	/* an explicitly named config file must exist */
	setenv("HRUN_CONFIG", "/nonexistent/hrun.conf", 1);
	cr_expect_eq(enforce_file(root, NULL), -ENOENT);
	cr_expect(strstr(hrun_errmsg(), "/nonexistent/hrun.conf"), "%s", hrun_errmsg());
	unlink(conf);
	unlink(empty);
	free(conf);
	free(empty);
	free(root);
}

Test(policy, config_file_errors)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "polcy = restricted\n", ":1: unknown key `polcy`" },
		{ "\n# c\npolicy restricted\n", ":3: expected `key = value`" },
		{ "policy = restricted\npolicy = baseline\n", ":2: duplicate key `policy`" },
	};
	char *v = NULL;

	unsetenv("HRUN_POLICY");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *f = write_tmp(bad[i].text);
		setenv("HRUN_CONFIG", f, 1);
		cr_expect_eq(policy_resolve(NULL, &v), -EINVAL, "accepted `%s`", bad[i].text);
		cr_expect(strstr(hrun_errmsg(), bad[i].msg), "`%s`: %s", bad[i].text, hrun_errmsg());
		unlink(f);
		free(f);
	}
	char *f = write_tmp("policy = /etc/hrun/custom.json\n");
	cr_expect_eq(policy_conf_read(f, &v), 0);
	cr_expect_str_eq(v, "/etc/hrun/custom.json");
	free(v);
	unlink(f);
	free(f);
}
