/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: `hrun exec --process FILE` (spec_parse_process). See fuzz.h. */
#include "fuzz.h"
#include "hrun/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrun_process proc;
	int r;

	r = spec_parse_process("process.json", (const char *)data, size, &proc);
	fuzz_check_result(r);
	if (r < 0)
		return 0;
	if (!proc.args || !proc.args[0] || !proc.cwd || proc.cwd[0] != '/')
		abort();
	for (char **a = proc.args; *a; a++)
		fuzz_touch(*a);
	if (proc.env)
		for (char **e = proc.env; *e; e++)
			fuzz_touch(*e);
	spec_process_clear(&proc);
	return 0;
}
