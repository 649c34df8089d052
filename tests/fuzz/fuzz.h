/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_FUZZ_H
#define HRUN_FUZZ_H
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c). Each target is
 * built two ways:
 *   -Dfuzz=true (clang): linked with -fsanitize=fuzzer,address,undefined,
 *                        run by tests/fuzz/run.sh;
 *   every build:         linked with replay.c, a main() that feeds each
 *                        file of tests/fuzz/corpus/TARGET/ to the target
 *                        (meson test suite `fuzz-corpus`).
 * A parser must either succeed or fail with a negative errno and a single
 * line naming what was wrong (include/hrun/error.h); anything else aborts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_check_result(int r)
{
	const char *msg;

	if (r == 0)
		return;
	if (r != -EINVAL && r != -ENOMEM && r != -EFBIG)
		abort();
	msg = hrun_errmsg();
	if (!msg[0] || strchr(msg, '\n'))
		abort();
}

/* Walk a string so the sanitizers see every byte of it. */
static inline void fuzz_touch(const char *s)
{
	if (s && strlen(s) > SIZE_MAX / 2)
		abort();
}

#endif
