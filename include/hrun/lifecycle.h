/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_LIFECYCLE_H
#define HRUN_LIFECYCLE_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>

/* Commands on an existing container (state under ROOT). All return 0 or a
 * negative errno with the message recorded. */
int lifecycle_start(const char *root, const char *id);
int lifecycle_state(const char *root, const char *id, json_t **ret_state);
int lifecycle_kill(const char *root, const char *id, int signo, bool all);
int lifecycle_delete(const char *root, const char *id, bool force);
int lifecycle_pause(const char *root, const char *id, bool pause);
int lifecycle_pids(const char *root, const char *id, pid_t **ret_pids, size_t *ret_n);
/* Array of state objects (runc list --format json shape). */
int lifecycle_list(const char *root, json_t **ret_list);

/* "KILL", "SIGKILL", "9" -> 9. */
int lifecycle_parse_signal(const char *s, int *ret_signo);

#endif
