/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for src/lsm.c: the context= mount option (lsm_mount_data) and
 * the parser's apparmorProfile / selinuxLabel / mountLabel fields. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/error.h"
#include "hrun/lsm.h"
#include "hrun/spec.h"

#define LABEL "system_u:object_r:container_file_t:s0:c1,c2"
#define CTX "context=\"" LABEL "\""

static char *data_for(const char *data, const char *type, const char *label)
{
	char *out = (char *)"unset";

	cr_assert_eq(lsm_mount_data(data, type, label, &out), 0, "%s", hrun_errmsg());
	return out;
}

Test(lsm, context_appended_to_existing_data)
{
	char *d = data_for("size=64m,mode=1777", "tmpfs", LABEL);

	cr_assert_str_eq(d, "size=64m,mode=1777," CTX);
	free(d);
}

Test(lsm, context_alone_without_data)
{
	char *d = data_for(NULL, "devpts", LABEL);

	cr_assert_str_eq(d, CTX);
	free(d);
	d = data_for("", "tmpfs", LABEL);
	cr_assert_str_eq(d, CTX);
	free(d);
}

Test(lsm, no_label_no_change)
{
	cr_assert_null(data_for("size=1m", "tmpfs", NULL));
	cr_assert_null(data_for("size=1m", "tmpfs", ""));
}

Test(lsm, filesystems_without_context_unchanged)
{
	static const char *const types[] = {"proc", "sysfs", "cgroup", "cgroup2", "mqueue",
					    "bind", "none", "", NULL};

	for (const char *const *t = types; *t; t++)
		cr_assert_null(data_for("x=1", *t, LABEL), "type %s", *t);
	cr_assert_null(data_for("x=1", NULL, LABEL));
}

Test(lsm, existing_context_kept)
{
	cr_assert_null(data_for("context=\"a:b:c:s0\"", "tmpfs", LABEL));
	cr_assert_null(data_for("size=1m,context=x", "tmpfs", LABEL));
	/* a "context=" inside another option's value is not an option */
	char *d = data_for("fscontext=x", "tmpfs", LABEL);

	cr_assert_str_eq(d, "fscontext=x," CTX);
	free(d);
}

Test(lsm, mqueue_labelled_after_mount)
{
	cr_assert(lsm_mount_label_after("mqueue"));
	cr_assert_not(lsm_mount_label_after("tmpfs"));
	cr_assert_not(lsm_mount_label_after(NULL));
}

static const char *const BASE = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
				"\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],"
				"\"user\":{\"uid\":0,\"gid\":0}%s},\"linux\":{%s}}";

static int parse(const char *proc, const char *lnx, struct hrun_spec **spec)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), BASE, proc, lnx);
	return spec_parse("config.json", buf, strlen(buf), spec);
}

Test(lsm, parser_stores_profile_and_labels)
{
	struct hrun_spec *s = NULL;

	cr_assert_eq(parse(",\"apparmorProfile\":\"hrun-default\",\"selinuxLabel\":\"" LABEL "\"",
			   "\"mountLabel\":\"" LABEL "\"", &s),
		     0, "%s", hrun_errmsg());
	cr_assert_str_eq(s->process.apparmor_profile, "hrun-default");
	cr_assert_str_eq(s->process.selinux_label, LABEL);
	cr_assert_str_eq(s->linux_cfg.mount_label, LABEL);
	spec_free(s);
}

Test(lsm, parser_empty_is_absent)
{
	struct hrun_spec *s = NULL;

	cr_assert_eq(parse(",\"apparmorProfile\":\"\",\"selinuxLabel\":\"\"", "\"mountLabel\":\"\"",
			   &s),
		     0, "%s", hrun_errmsg());
	cr_assert_null(s->process.apparmor_profile);
	cr_assert_null(s->process.selinux_label);
	cr_assert_null(s->linux_cfg.mount_label);
	spec_free(s);
}

Test(lsm, parser_refuses_non_strings_and_nul)
{
	struct hrun_spec *s = NULL;

	cr_assert_lt(parse(",\"apparmorProfile\":1", "", &s), 0);
	cr_assert(strstr(hrun_errmsg(), "apparmorProfile"), "%s", hrun_errmsg());
	/* (jansson already refuses \u0000 in the whole document) */
	cr_assert_lt(parse(",\"selinuxLabel\":\"a\\u0000b\"", "", &s), 0);
	cr_assert_lt(parse("", "\"mountLabel\":[]", &s), 0);
	cr_assert(strstr(hrun_errmsg(), "mountLabel"), "%s", hrun_errmsg());
}
