/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cache of compiled seccomp programs, so a profile is compiled once, not
 * at every container start (libseccomp needs ~20 ms for hrun's default
 * profile; loading the cached program takes well under 1 ms).
 *
 * Key: a canonical text rendering of the filter (every field of struct
 * hrun_seccomp), plus hrun's version, the cache format, the libseccomp
 * version and the native architecture: a fixed compiler in a new hrun or
 * libseccomp never reuses an old program.
 * The file is named after a 64-bit FNV-1a hash of the key but stores the
 * whole key, and a hit needs a byte-for-byte equal key: a hash collision,
 * accidental or crafted, can only cause a recompile, never a wrong filter.
 *
 * File: "HRUNBPF1" | u32 key_len | key | u32 flags | u32 n_insns | insns.
 * Written to a temporary file and renamed, so readers never see a partial
 * file.
 *
 * Trust: a cached program is loaded into every container without being
 * checked, so whoever can write an entry chooses the filter. The directory
 * (ROOT/@seccomp) is used only if it is one hrun made: not a symlink,
 * owned by the effective uid, mode 0700; an entry only if it is a regular
 * file with one link, owned by the effective uid, not group/other
 * writable, opened O_NOFOLLOW below the directory fd. Anything else is
 * ignored (recompiled), never loaded: the cache can only fail closed.
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

#include "config.h"
#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/log.h"
#include "hrun/util.h"

#define CACHE_MAGIC "HRUNBPF1"
/* Bump when the key, the file layout or the compiler's output changes
 * without a version change (a fixed seccomp.c must take effect). */
#define CACHE_FORMAT 4
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

char *seccomp_canonical_key(const struct hrun_seccomp *s)
{
	const struct scmp_version *v = seccomp_version();
	struct buf b = {0};

	put(&b, "hrun %s cache-format %d libseccomp %u.%u.%u native %u\n", HRUN_VERSION,
	    CACHE_FORMAT, v->major, v->minor, v->micro, seccomp_arch_native());
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

/* Open the cache directory DIR, creating it 0700 if it is missing. It is
 * used only if it is one hrun could have created: a real directory (not a
 * symlink: O_NOFOLLOW), owned by the effective uid (root, or the caller
 * when rootless), mode exactly 0700. Anything else means someone else made
 * or loosened it: then -1, and the caller compiles without the cache. */
static int cache_open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool created = false;
	struct stat st;

	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) == 0)
			created = true;
		else if (errno != EEXIST) {
			log_debug("seccomp cache: cannot create `%s`: %s (not using a cache)", dir, strerror(errno));
			return -1;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0) {
		log_debug("seccomp cache: cannot open `%s`: %s (not using a cache)", dir, strerror(errno));
		return -1;
	}
	/* a umask wider than 077 would leave the new directory unusable */
	if (created && fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 07777) != 0700)
		(void)fchmod(fd, 0700);
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 07777) != 0700) {
		log_debug("seccomp cache: `%s` is not a mode 0700 directory owned by uid %u (not using it)",
			  dir, (unsigned)geteuid());
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Open entry NAME in the cache directory for reading: a regular file (not
 * a symlink, FIFO or device: O_NOFOLLOW, O_NONBLOCK, S_ISREG), with one
 * link, owned by the effective uid and writable by nobody else. */
static int cache_open_entry(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_debug("seccomp cache: ignoring entry `%s` (not a private regular file of uid %u)",
			  name, (unsigned)geteuid());
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* Read the whole of FD (at most MAX bytes: a larger file is no entry). */
static int cache_read(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *data = malloc(max + 1);
	size_t len = 0;

	if (!data)
		return -ENOMEM; /* the caller records */
	while (len <= max) {
		ssize_t n = read(fd, data + len, max + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			*ret = TAKE_PTR(data);
			*ret_len = len;
			return 0;
		}
		len += (size_t)n;
	}
	return -EFBIG; /* the caller records */
}

/* Load entry NAME if its key equals KEY; 0 on a hit, -ENOENT on any miss
 * (absent, untrusted, truncated, corrupt, or another filter's entry). */
static int cache_load(int dfd, const char *name, const char *key, struct hrun_bpf *ret)
{
	_cleanup_free_ char *data = NULL;
	_cleanup_close_ int fd = cache_open_entry(dfd, name);
	size_t len = 0, klen = strlen(key), off = strlen(CACHE_MAGIC);
	uint32_t u[3];

	if (fd < 0 || cache_read(fd, off + 12 + klen + MAX_INSNS * sizeof(struct sock_filter), &data, &len) < 0)
		return -ENOENT; /* the caller records */
	if (len < off + 4 || memcmp(data, CACHE_MAGIC, off) != 0)
		return -ENOENT; /* the caller records */
	memcpy(&u[0], data + off, 4);
	off += 4;
	if (u[0] != klen || len < off + klen + 8 || memcmp(data + off, key, klen) != 0)
		return -ENOENT; /* the caller records */
	off += klen;
	memcpy(&u[1], data + off, 4);
	memcpy(&u[2], data + off + 4, 4);
	off += 8;
	if (u[2] == 0 || u[2] > MAX_INSNS || len != off + u[2] * sizeof(struct sock_filter))
		return -ENOENT; /* the caller records */
	ret->prog.filter = malloc(u[2] * sizeof(struct sock_filter));
	if (!ret->prog.filter)
		return -ENOENT; /* the caller records */
	memcpy(ret->prog.filter, data + off, u[2] * sizeof(struct sock_filter));
	ret->prog.len = (unsigned short)u[2];
	ret->flags = u[1];
	return 0;
}

/* Write NAME.tmp in the directory (O_EXCL|O_NOFOLLOW, 0600) and rename it
 * over NAME, so readers never see a partial file. Best effort: a cache
 * that cannot be written only costs speed. */
static void cache_store(int dfd, const char *name, const char *key, const struct hrun_bpf *bpf)
{
	uint32_t klen = (uint32_t)strlen(key), flags = bpf->flags, n = bpf->prog.len;
	size_t isz = n * sizeof(struct sock_filter);
	size_t len = strlen(CACHE_MAGIC) + 4 + klen + 8 + isz;
	_cleanup_free_ char *data = malloc(len);
	_cleanup_close_ int fd = -1;
	char tmp[64], *p = data;

	if (!data)
		return;
	memcpy(p, CACHE_MAGIC, strlen(CACHE_MAGIC));
	p += strlen(CACHE_MAGIC);
	memcpy(p, &klen, 4);
	memcpy(p + 4, key, klen);
	p += 4 + klen;
	memcpy(p, &flags, 4);
	memcpy(p + 4, &n, 4);
	memcpy(p + 8, bpf->prog.filter, isz);
	(void)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", name, (int)getpid());
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (util_write_all(fd, data, len) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		hrun_err_clear();
		(void)unlinkat(dfd, tmp, 0);
	}
}

int seccomp_compile_keyed(const struct hrun_seccomp *spec, const char *key, const char *cache_dir,
			  struct hrun_bpf *ret)
{
	_cleanup_close_ int dfd = key && cache_dir ? cache_open_dir(cache_dir) : -1;
	char name[32];
	int r;

	if (dfd < 0)
		return seccomp_compile(spec, ret);
	(void)snprintf(name, sizeof(name), "%016llx.bpf", (unsigned long long)fnv1a(key, strlen(key)));
	if (cache_load(dfd, name, key, ret) == 0)
		return 0;
	r = seccomp_compile(spec, ret);
	if (r == 0)
		cache_store(dfd, name, key, ret);
	return r;
}

int seccomp_compile_cached(const struct hrun_seccomp *spec, const char *cache_dir,
			   struct hrun_bpf *ret)
{
	_cleanup_free_ char *key = cache_dir ? seccomp_canonical_key(spec) : NULL;

	return seccomp_compile_keyed(spec, key, cache_dir, ret);
}
