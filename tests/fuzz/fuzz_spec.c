/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: config.json (spec_parse), then `hrun check`'s audit of
 * what parsed (check_config and both report formats). See fuzz.h. */
#include <stdio.h>

#include <jansson.h>

#include "fuzz.h"
#include "hrun/check.h"
#include "hrun/spec.h"

static void fuzz_check(const struct hrun_spec *spec)
{
	static FILE *devnull;
	struct check_report rep;
	json_t *j;
	char *text;

	if (!devnull)
		devnull = fopen("/dev/null", "we");
	if (!devnull || check_config(spec, NULL, NULL, &rep) < 0)
		abort();
	j = check_report_to_json(&rep, "config.json");
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!text)
		abort();
	free(text);
	json_decref(j);
	if (check_report_print_text(devnull, &rep, true) < 0 || check_score(&rep) < 0)
		abort();
	check_report_clear(&rep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrun_spec *spec = NULL;
	int r;

	r = spec_parse("config.json", (const char *)data, size, &spec);
	fuzz_check_result(r);
	if (r < 0) {
		if (spec)
			abort(); /* *ret_spec must stay untouched on failure */
		return 0;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (!spec->mounts[i].destination || spec->mounts[i].destination[0] != '/')
			abort();
		fuzz_touch(spec->mounts[i].source);
		fuzz_touch(spec->mounts[i].type);
	}
	if (spec->process.args)
		for (char **a = spec->process.args; *a; a++)
			fuzz_touch(*a);
	fuzz_check(spec);
	spec_free(spec);
	return 0;
}
