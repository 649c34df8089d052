/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "hrun/error.h"
#include "hrun/util.h"

static int log_fd = -1;
static enum hrun_log_format log_format = HRUN_LOG_TEXT;
static bool log_debug_enabled;

int log_init(const char *path, enum hrun_log_format format, bool debug)
{
	log_format = format;
	log_debug_enabled = debug;
	if (!path || !*path)
		return 0;
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log_fd < 0)
		return hrun_syserr(errno, "open log file `%s`", path);
	return 0;
}

int log_file_fd(void)
{
	return log_fd;
}

static void log_line(const char *level, const char *msg)
{
	char now[64];
	char *line = NULL;
	int len;

	if (log_fd < 0)
		return;
	util_rfc3339_now(now, sizeof(now));
	if (log_format == HRUN_LOG_JSON) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", now);
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		json_decref(o);
		if (!s)
			return;
		len = asprintf(&line, "%s\n", s);
		free(s);
	} else {
		json_t *q = json_string(msg);
		char *s = q ? json_dumps(q, JSON_ENCODE_ANY) : NULL;

		json_decref(q);
		if (!s)
			return;
		len = asprintf(&line, "time=\"%s\" level=%s msg=%s\n", now, level, s);
		free(s);
	}
	if (len > 0)
		(void)util_write_all(log_fd, line, (size_t)len);
	free(line);
}

void log_error(const char *msg)
{
	(void)fprintf(stderr, "hrun: %s\n", msg);
	log_line("error", msg);
}

void log_warn(const char *fmt, ...)
{
	char msg[HRUN_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "hrun: warning: %s\n", msg);
	/* engines decode a json log as ONE value: only errors go there */
	if (log_format == HRUN_LOG_TEXT)
		log_line("warning", msg);
}

void log_debug(const char *fmt, ...)
{
	char msg[HRUN_ERRMSG_MAX];
	va_list ap;

	if (!log_debug_enabled)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* a json log must stay ONE value (engines decode it whole): debug
	 * lines go to stderr then */
	if (log_fd >= 0 && log_format == HRUN_LOG_TEXT)
		log_line("debug", msg);
	else
		(void)fprintf(stderr, "hrun: debug: %s\n", msg);
}
