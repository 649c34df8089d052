/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_HOOKS_H
#define HRUN_HOOKS_H

#include "hrun/spec.h"
#include "hrun/state.h"

/* Run the hooks of KIND in order, each with STATE_JSON on stdin, its args
 * and env, killed after its timeout. The first failure stops the list and
 * returns an error naming "hooks.KIND[i]". */
int hooks_run(const struct hrun_spec *spec, enum hrun_hook_kind kind, const char *state_json);

/* hooks_run() with the state ST, as STATUS, encoded as the runtime-spec's
 * state JSON: what every caller passes. No hooks of KIND: 0. */
int hooks_run_state(const struct hrun_spec *spec, enum hrun_hook_kind kind,
		    const struct hrun_state *st, enum hrun_status status);

const char *hooks_kind_name(enum hrun_hook_kind kind);

#endif
