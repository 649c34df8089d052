/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_TERMINAL_H
#define HRUN_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

#include "hrun/spec.h"

/* Container side: allocate a pty in the container's devpts (through
 * rootfd), send the master over SOCK (SCM_RIGHTS), bind the slave on
 * /dev/console when a /dev tmpfs exists, and make it the controlling
 * terminal and stdio. The caller must already be a session leader. */
int terminal_setup_child(int rootfd, int sock, const struct hrun_process *proc,
			 int (*bind_console)(void *arg, const char *slave_path), void *arg);

/* Runtime side (`run` without --console-socket): relay between our stdio and
 * MASTER until the process behind PIDFD exits. Puts our tty in raw mode and
 * restores it. */
int terminal_relay(int master, int pidfd);

/* Put our stdin's tty in raw mode for a relay, saving its settings in
 * *RET_SAVED (false: stdin is no tty, nothing changed). */
bool terminal_raw(struct termios *ret_saved);
void terminal_restore(const struct termios *saved);
/* Copy the window size of tty FROM to tty TO (errors ignored). */
void terminal_copy_winsize(int from, int to);

/* Connect to an AF_UNIX --console-socket path. */
int terminal_connect_socket(const char *path, int *ret_fd);

#endif
