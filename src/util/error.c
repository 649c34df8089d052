/* SPDX-License-Identifier: Apache-2.0 */
#include "hrun/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char errmsg[HRUN_ERRMSG_MAX];

__attribute__((format(printf, 1, 0))) static void record(const char *fmt, va_list ap)
{
	(void)vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
}

int hrun_err(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(fmt, ap);
	va_end(ap);
	return errnum > 0 ? -errnum : -EINVAL;
}

int hrun_syserr(int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (errnum <= 0)
		errnum = EIO;
	va_start(ap, fmt);
	record(fmt, ap);
	va_end(ap);
	len = strlen(errmsg);
	(void)snprintf(errmsg + len, sizeof(errmsg) - len, ": %s", strerror(errnum));
	return -errnum;
}

int hrun_err_prefix(int ret, const char *fmt, ...)
{
	char prefix[HRUN_ERRMSG_MAX];
	char old[HRUN_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, errmsg, sizeof(old));
	/* truncation is acceptable: the message stays one bounded line */
	(void)snprintf(errmsg, sizeof(errmsg), "%.*s: %.*s", 256, prefix,
		       (int)(sizeof(errmsg) - 256 - 3), old);
	return ret;
}

const char *hrun_errmsg(void)
{
	return errmsg;
}

void hrun_err_set(const char *msg)
{
	(void)snprintf(errmsg, sizeof(errmsg), "%s", msg);
}

void hrun_err_clear(void)
{
	errmsg[0] = '\0';
}
