/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_ERROR_H
#define HRUN_ERROR_H

/*
 * One error convention for all of hrun:
 *   - functions return 0 (or a non-negative value) on success and a
 *     negative errno on failure;
 *   - the function that detects a failure records ONE human-readable line
 *     with hrun_err() or hrun_syserr() and returns its result directly:
 *         if (mount(...) < 0)
 *                 return hrun_syserr(errno, "mount `%s`", dst);
 *   - callers propagate the negative value untouched; they may prefix
 *     context with hrun_err_prefix();
 *   - only main() (and the container child, which ships it to its parent
 *     over the sync socket) prints the message, prefixed with "hrun: ".
 * The message lives in a static buffer: hrun is single-threaded.
 */

#include <stdarg.h>

#define HRUN_ERRMSG_MAX 1024

/* Record "MSG" and return -errnum (-EINVAL when errnum is 0). */
int hrun_err(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record "MSG: strerror(errnum)" and return -errnum (-EIO when errnum is 0). */
int hrun_syserr(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepend "PREFIX: " to the recorded message; returns ret unchanged. */
int hrun_err_prefix(int ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The last recorded message ("" when none). */
const char *hrun_errmsg(void);

/* Replace the recorded message verbatim (used by the parent for messages
 * received from the container child). */
void hrun_err_set(const char *msg);

void hrun_err_clear(void);

#endif
