/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: ROOT/ID/state.json (state_parse, what state_read runs on
 * the file's text), then the OCI state object built from it. See fuzz.h. */
#include <jansson.h>

#include "fuzz.h"
#include "hrun/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrun_state st;
	json_t *o;
	char *text;
	int r;

	r = state_parse((const char *)data, size, &st);
	fuzz_check_result(r);
	if (r < 0)
		return 0;
	if (!st.id || !st.bundle)
		abort();
	o = state_to_json(&st, HRUN_STATUS_RUNNING);
	if (!o)
		abort();
	text = json_dumps(o, JSON_COMPACT);
	if (!text)
		abort();
	free(text);
	json_decref(o);
	state_clear(&st);
	return 0;
}
