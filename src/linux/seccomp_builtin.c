/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shipped default profile (profiles/seccomp/default.json), compiled at
 * BUILD time: libseccomp needs ~20 ms for it, which every `run` with an
 * empty --root (and the first run after an upgrade) used to pay.
 *
 * seccomp_bpfgen (run by meson) parses the profile with the same parser,
 * compiles it with the same compiler and writes the canonical key
 * (seccomp_cache.c) and the program into seccomp_builtin_data.h. A config
 * gets the built-in program only if its filter's canonical key is equal,
 * byte for byte: the same rules, actions, errnos, arguments, flags and
 * architectures, and the same hrun version, cache format, libseccomp
 * version (at run time: an upgraded libseccomp compiles anew) and native
 * architecture. The match is on the content, never on a file name; any
 * difference, one rule or one errno, takes the normal path (the cache, or
 * a compile). The built-in program lives in hrun's sealed, read-only
 * image: nothing on disk can substitute it, unlike a cache entry.
 */
#define _GNU_SOURCE
#include "hrun/seccomp.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/state.h"

#include "seccomp_builtin_data.h"

int seccomp_builtin_find(const char *key, struct hrun_bpf *ret)
{
	size_t n = seccomp_builtin_n;

	if (n == 0 || !key || strcmp(key, seccomp_builtin_key) != 0)
		return 0;
	ret->prog.filter = malloc(n * sizeof(struct sock_filter));
	if (!ret->prog.filter)
		return -ENOMEM; /* the caller records */
	memcpy(ret->prog.filter, seccomp_builtin_insns, n * sizeof(struct sock_filter));
	ret->prog.len = (unsigned short)n;
	ret->flags = seccomp_builtin_flags;
	return 1;
}

int seccomp_compile_for_root(const struct hrun_seccomp *spec, const char *state_root,
			     struct hrun_bpf *ret)
{
	_cleanup_free_ char *key = seccomp_canonical_key(spec);
	char cache[PATH_MAX];
	int r = seccomp_builtin_find(key, ret);

	if (r < 0)
		return hrun_err(ENOMEM, "seccomp: out of memory");
	if (r > 0)
		return 0;
	(void)snprintf(cache, sizeof(cache), "%s/" HRUN_SECCOMP_CACHE, state_root);
	return seccomp_compile_keyed(spec, key, cache, ret);
}
