/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_EXEC_INTERNAL_H
#define HRUN_EXEC_INTERNAL_H

/* exec_process.c, for exec.c: the process `hrun exec` starts, from
 * --process FILE or from O's options on the base of SPEC's process, its LSM
 * labels checked. P is filled in place (spec_process_clear frees it, also
 * after a failure). */

#include "hrun/exec.h"
#include "hrun/spec.h"

int exec_build_process(const struct hrun_exec_opts *o, const struct hrun_spec *spec,
		       struct hrun_process *p);

#endif
