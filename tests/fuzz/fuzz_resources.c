/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: `hrun update --resources FILE` (spec_parse_resources). See fuzz.h. */
#include "fuzz.h"
#include "hrun/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrun_resources res;
	int r;

	r = spec_parse_resources("resources.json", (const char *)data, size, &res);
	fuzz_check_result(r);
	if (r == 0)
		spec_resources_clear(&res);
	return 0;
}
