/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for the config.json parser (not built by meson).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude \
 *       tests/fuzz/fuzz_spec.c src/spec.c src/spec_linux.c src/error.c \
 *       -ljansson -o fuzz_spec
 *   ./fuzz_spec -max_total_time=60 CORPUS_DIR   (seed it with valid configs)
 *
 * Each input is parsed three ways (full config, process object, resources
 * object); the parser must either succeed or fail with -EINVAL/-ENOMEM and
 * a single-line message, and never leak (libFuzzer's leak check).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/error.h"
#include "hrun/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_msg(int r)
{
	if (r == 0)
		return;
	if (r != -EINVAL && r != -ENOMEM)
		abort();
	if (!hrun_errmsg()[0] || strchr(hrun_errmsg(), '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrun_spec *spec = NULL;
	struct hrun_process proc;
	struct hrun_resources res;
	int r;

	r = spec_parse("config.json", (const char *)data, size, &spec);
	check_msg(r);
	if (r == 0) {
		/* touch the result so the sanitizers see every string */
		for (size_t i = 0; i < spec->n_mounts; i++)
			if (strlen(spec->mounts[i].destination) == 0)
				abort();
		spec_free(spec);
	}

	r = spec_parse_process("process.json", (const char *)data, size, &proc);
	check_msg(r);
	if (r == 0) {
		if (!proc.args || !proc.args[0] || !proc.cwd || proc.cwd[0] != '/')
			abort();
		spec_process_clear(&proc);
	}

	r = spec_parse_resources("resources.json", (const char *)data, size, &res);
	check_msg(r);
	if (r == 0)
		spec_resources_clear(&res);
	return 0;
}
