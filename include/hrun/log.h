/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_LOG_H
#define HRUN_LOG_H

#include <stdbool.h>

enum hrun_log_format {
	HRUN_LOG_TEXT = 0,
	HRUN_LOG_JSON,
};

/* Configure the --log destination (NULL: stderr only) and format. */
int log_init(const char *path, enum hrun_log_format format, bool debug);

/* The --log file's fd (-1 if none): a container process keeps it open
 * until execve, when it closes every other fd. */
int log_file_fd(void);

/* Report an error: "hrun: MSG" on stderr and, when --log is set, one line in
 * the log file ({"level":"error","msg":"MSG","time":"RFC3339"} for json,
 * `time="..." level=error msg="..."` for text). */
void log_error(const char *msg);

/* Debug line, only with --debug (to the log file, else stderr). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Warning line: stderr and log. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
