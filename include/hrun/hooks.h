/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_HOOKS_H
#define HRUN_HOOKS_H

#include "hrun/spec.h"

/* Run the hooks of KIND in order, each with STATE_JSON on stdin, its args
 * and env, killed after its timeout. The first failure stops the list and
 * returns an error naming "hooks.KIND[i]". */
int hooks_run(const struct hrun_spec *spec, enum hrun_hook_kind kind, const char *state_json);

const char *hooks_kind_name(enum hrun_hook_kind kind);

#endif
