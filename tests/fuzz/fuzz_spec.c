/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: config.json (spec_parse). See fuzz.h. */
#include "fuzz.h"
#include "hrun/spec.h"

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
	spec_free(spec);
	return 0;
}
