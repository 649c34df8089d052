/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_UTIL_H
#define HRUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * THE whole-file reader (config.json, process.json, resources, state,
 * policies, procfs): open with O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_NOCTTY (a
 * FIFO never hangs), fstat and refuse anything but a regular file ("`PATH`:
 * not a regular file"), read at most MAX bytes ("`PATH`: larger than the
 * limit of MAX bytes") into a NUL-terminated malloc'd buffer. Exactly one
 * open of PATH.
 */
int util_read_file(const char *path, size_t max, char **ret_buf, size_t *ret_len);
int util_read_file_at(int dirfd, const char *path, size_t max, char **ret_buf, size_t *ret_len);
/* The same from an open FD (stdin: a pipe is fine there); NAME for messages. */
int util_read_fd(int fd, const char *name, size_t max, char **ret_buf, size_t *ret_len);

/* Replace control characters in S with '?', in place: text quoted from
 * hostile input (jansson's "near '...'") stays on one line and cannot drive
 * the terminal. */
void util_scrub_control(char *s);

/* Write BUF to PATH (O_WRONLY|O_TRUNC|O_CLOEXEC, no create): for /proc and cgroup files. */
int util_write_file(const char *path, const char *buf, size_t len);
int util_write_file_at(int dirfd, const char *path, const char *buf, size_t len);

/* Atomically replace PATH (write to PATH.tmp, fsync-free rename). */
int util_write_file_atomic(const char *path, const char *buf, size_t len, mode_t mode);

/* write(2) and read(2) until done / EOF, retrying on EINTR. */
int util_write_all(int fd, const void *buf, size_t len);
ssize_t util_read_all(int fd, void *buf, size_t len);

/* openat2(dirfd, path, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS): the
 * path is resolved as if dirfd were "/" (symlinks and ".." cannot leave it).
 * Falls back to a component-by-component walk when openat2 is missing. */
int util_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* mkdir -p PATH inside rootfd (each component resolved in root). MODE for new dirs. */
int util_mkdir_in_root(int rootfd, const char *path, mode_t mode);

/* Create an empty regular file at PATH inside rootfd if nothing exists there
 * (parents are created as directories). */
int util_touch_in_root(int rootfd, const char *path);

/* Copy the content of directory SRC_DIR into DST_DIR (regular files,
 * directories, symlinks, device nodes where permitted), keeping modes and
 * owners; DEPTH is the current recursion level (start with 0). */
int util_copy_tree(int src_dir, int dst_dir, int depth);

/* "/proc/self/fd/N" into buf (size >= 32). */
const char *util_fd_path(int fd, char *buf, size_t size);

/* Parse a decimal integer / unsigned; -EINVAL on garbage or overflow. */
int util_parse_long(const char *s, long *ret);

/* Current time as RFC3339 with nanoseconds, UTC (e.g. 2026-11-27T23:44:17.123456789Z). */
void util_rfc3339_now(char *buf, size_t size);

/* Start time (field 22 of /proc/PID/stat), for pid-reuse checks. */
int util_proc_start_time(pid_t pid, unsigned long long *ret);

/* Set CLOEXEC on every fd >= from (close_range, or a /proc/self/fd walk). */
int util_cloexec_from(int from);

/* Close every fd >= FROM except the N_KEEP fds of KEEP (negative entries
 * are ignored): close_range, or one close per fd on old kernels. */
int util_close_fds_from(int from, const int *keep, size_t n_keep);


/* strv helpers (NULL-terminated string arrays) */
size_t strv_length(char *const *v);

#endif
