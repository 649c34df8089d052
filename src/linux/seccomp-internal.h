/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by seccomp.c and seccomp_mux.c only. */
#ifndef HRUN_SECCOMP_INTERNAL_H
#define HRUN_SECCOMP_INTERNAL_H

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

#include "hrun/seccomp.h"

#define SECCOMP_MUX_N 2 /* socketcall, ipc */

/* The i386 multiplexers answered by a guard ahead of libseccomp's program
 * (see seccomp_mux.c). */
struct seccomp_mux {
	bool guard[SECCOMP_MUX_N];
	uint32_t action; /* the default action */
};

/* Decide the guards for SPEC in CTX (its architectures already added) and
 * add their placeholder rules; call before any rule is added. ACTION maps
 * a rule to its libseccomp action. */
int seccomp_mux_prepare(scmp_filter_ctx ctx, const struct hrun_seccomp *spec, uint32_t default_act,
			int (*action)(const struct hrun_seccomp_rule *, uint32_t *),
			struct seccomp_mux *ret);

/* Prepend the guards to the exported program PROG. */
int seccomp_mux_apply(const struct seccomp_mux *mux, struct sock_fprog *prog);

#endif
