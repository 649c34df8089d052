/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_SECCOMP_H
#define HRUN_SECCOMP_H

#include <linux/filter.h>

#include "hrun/spec.h"

/*
 * The filter is compiled ONCE, in the runtime process before clone, into a
 * classic-BPF program; the container child only loads it (one syscall,
 * nothing left to allocate or fail after the user switch).
 */
struct hrun_bpf {
	struct sock_fprog prog; /* prog.filter is malloc'd */
	unsigned flags;         /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
};

/* Compile SPEC into RET. Unknown syscall names are skipped (as runc and crun
 * do, so profiles written for newer kernels still load); unknown
 * architectures, actions or argument indexes are errors. */
int seccomp_compile(const struct hrun_seccomp *spec, struct hrun_bpf *ret);

/* seccomp_compile() through a cache of compiled programs in CACHE_DIR
 * (NULL: no cache). A hit needs the full canonical filter to match, not
 * just its hash (see seccomp_cache.c). */
int seccomp_compile_cached(const struct hrun_seccomp *spec, const char *cache_dir,
			   struct hrun_bpf *ret);

/* The same with KEY, seccomp_canonical_key(SPEC), already computed (NULL:
 * compile without the cache). */
int seccomp_compile_keyed(const struct hrun_seccomp *spec, const char *key, const char *cache_dir,
			  struct hrun_bpf *ret);

/* The canonical text of SPEC that the cache (and the built-in program)
 * match on: every field of the filter, hrun's version, the cache format,
 * libseccomp's version and the native architecture. malloc'd; NULL when
 * out of memory. */
char *seccomp_canonical_key(const struct hrun_seccomp *spec);

/* What `create`, `run` and `exec` use (seccomp_builtin.c): the program
 * compiled into hrun at build time when SPEC is exactly the shipped
 * default profile (same canonical key), else seccomp_compile_cached()
 * with the cache of the state root STATE_ROOT (ROOT/@seccomp). */
int seccomp_compile_for_root(const struct hrun_seccomp *spec, const char *state_root,
			     struct hrun_bpf *ret);

/* The built-in program for canonical key KEY: 1 and a malloc'd copy in
 * RET when KEY is the shipped default profile's, 0 when not, -ENOMEM. */
int seccomp_builtin_find(const char *key, struct hrun_bpf *ret);

/* Install the compiled program in the calling thread (seccomp(2) with
 * ret->flags, falling back to prctl when flags are 0). Requires
 * no_new_privs or CAP_SYS_ADMIN. */
int seccomp_install(const struct hrun_bpf *bpf);

void seccomp_bpf_clear(struct hrun_bpf *bpf);

/* Names for features.json: known actions, operators, architectures, flags
 * (NULL-terminated static arrays). */
extern const char *const seccomp_known_actions[];
extern const char *const seccomp_known_operators[];
extern const char *const seccomp_known_archs[];
extern const char *const seccomp_known_flags[];

#endif
