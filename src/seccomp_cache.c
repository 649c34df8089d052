/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of compiled seccomp programs, so a profile is compiled once, not
 * at every container start (libseccomp needs ~20 ms for hrun's default
 * profile; loading the cached program takes well under 1 ms).
 *
 * Key: a canonical text rendering of the filter (every field of struct
 * hrun_seccomp, plus the libseccomp version and the native architecture).
 * The file is named after a 64-bit FNV-1a hash of the key but stores the
 * whole key, and a hit needs a byte-for-byte equal key: a hash collision,
 * accidental or crafted, can only cause a recompile, never a wrong filter.
 *
 * File: "HRUNBPF1" | u32 key_len | key | u32 flags | u32 n_insns | insns.
 * Written to a temporary file and renamed, in a directory only root can
 * write (under the state root), so readers never see a partial file.
 */
#define _GNU_SOURCE
#include "hrun/seccomp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/state.h"
#include "hrun/util.h"

#define CACHE_MAGIC "HRUNBPF1"
#define MAX_INSNS 4096

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t ncap = (b->cap ? b->cap * 2 : 4096) + (size_t)n;
		char *np = realloc(b->p, ncap);

		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
}

/* Strings are written with their length, so no content can fake a field
 * boundary. */
static void put_str(struct buf *b, const char *s)
{
	put(b, "%zu:%s;", strlen(s), s);
}

static char *canonical_key(const struct hrun_seccomp *s)
{
	const struct scmp_version *v = seccomp_version();
	struct buf b = {0};

	put(&b, "libseccomp %u.%u.%u native %u\n", v->major, v->minor, v->micro,
	    seccomp_arch_native());
	put(&b, "default %d errno %d/%u flags %u\narchs", (int)s->default_action,
	    s->has_default_errno_ret, s->default_errno_ret, s->flags);
	for (char **a = s->architectures; a && *a; a++)
		put_str(&b, *a);
	put(&b, "\n");
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct hrun_seccomp_rule *r = &s->syscalls[i];

		put(&b, "rule %d errno %d/%u names", (int)r->action, r->has_errno_ret, r->errno_ret);
		for (char **n = r->names; n && *n; n++)
			put_str(&b, *n);
		for (size_t j = 0; j < r->n_args; j++)
			put(&b, " arg %u %d %llu %llu", r->args[j].index, (int)r->args[j].op,
			    (unsigned long long)r->args[j].value,
			    (unsigned long long)r->args[j].value_two);
		put(&b, "\n");
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Load PATH if its key equals KEY; 0 on a hit, -ENOENT on any miss. */
static int cache_load(const char *path, const char *key, struct hrun_bpf *ret)
{
	_cleanup_free_ char *data = NULL;
	size_t len, klen = strlen(key), off;
	uint32_t u[3];

	if (util_read_file(path, 64 + klen + MAX_INSNS * sizeof(struct sock_filter), &data, &len) < 0) {
		hrun_err_clear();
		return -ENOENT;
	}
	off = strlen(CACHE_MAGIC);
	if (len < off + 4 || memcmp(data, CACHE_MAGIC, off) != 0)
		return -ENOENT;
	memcpy(&u[0], data + off, 4);
	off += 4;
	if (u[0] != klen || len < off + klen + 8 || memcmp(data + off, key, klen) != 0)
		return -ENOENT;
	off += klen;
	memcpy(&u[1], data + off, 4);
	memcpy(&u[2], data + off + 4, 4);
	off += 8;
	if (u[2] == 0 || u[2] > MAX_INSNS || len != off + u[2] * sizeof(struct sock_filter))
		return -ENOENT;
	ret->prog.filter = malloc(u[2] * sizeof(struct sock_filter));
	if (!ret->prog.filter)
		return -ENOENT;
	memcpy(ret->prog.filter, data + off, u[2] * sizeof(struct sock_filter));
	ret->prog.len = (unsigned short)u[2];
	ret->flags = u[1];
	return 0;
}

/* Best effort: a cache that cannot be written only costs speed. */
static void cache_store(const char *dir, const char *path, const char *key,
			const struct hrun_bpf *bpf)
{
	uint32_t klen = (uint32_t)strlen(key), flags = bpf->flags, n = bpf->prog.len;
	size_t isz = n * sizeof(struct sock_filter);
	size_t len = strlen(CACHE_MAGIC) + 4 + klen + 8 + isz;
	_cleanup_free_ char *data = malloc(len);
	char *p = data;

	if (!data || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return;
	memcpy(p, CACHE_MAGIC, strlen(CACHE_MAGIC));
	p += strlen(CACHE_MAGIC);
	memcpy(p, &klen, 4);
	memcpy(p + 4, key, klen);
	p += 4 + klen;
	memcpy(p, &flags, 4);
	memcpy(p + 4, &n, 4);
	memcpy(p + 8, bpf->prog.filter, isz);
	if (util_write_file_atomic(path, data, len, 0600) < 0)
		hrun_err_clear();
}

int seccomp_compile_cached(const struct hrun_seccomp *spec, const char *cache_dir,
			   struct hrun_bpf *ret)
{
	_cleanup_free_ char *key = cache_dir ? canonical_key(spec) : NULL;
	char path[PATH_MAX];
	int r;

	if (!key)
		return seccomp_compile(spec, ret);
	(void)snprintf(path, sizeof(path), "%s/%016llx.bpf", cache_dir,
		       (unsigned long long)fnv1a(key, strlen(key)));
	if (cache_load(path, key, ret) == 0)
		return 0;
	r = seccomp_compile(spec, ret);
	if (r == 0)
		cache_store(cache_dir, path, key, ret);
	return r;
}

int seccomp_compile_for_root(const struct hrun_seccomp *spec, const char *state_root,
			     struct hrun_bpf *ret)
{
	char cache[PATH_MAX];

	(void)snprintf(cache, sizeof(cache), "%s/" HRUN_SECCOMP_CACHE, state_root);
	return seccomp_compile_cached(spec, cache, ret);
}
