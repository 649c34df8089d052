/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_PROCESS_H
#define HRUN_PROCESS_H

#include <stdbool.h>

#include "hrun/seccomp.h"
#include "hrun/spec.h"

/*
 * The last steps of a container process, after its filesystem is ready:
 * kernel settings that need privilege, then the privilege drop, then exec.
 */

/* linux.sysctl, hostname, domainname: before readonlyPaths lock /proc/sys. */
int process_set_kernel_params(const struct hrun_spec *spec);

/* rlimits, personality: before the user switch. */
int process_set_limits(const struct hrun_process *proc, const struct hrun_linux *l);

/* Runtime side: write /proc/PID/oom_score_adj (the container process is
 * non-dumpable, so its own /proc files are not writable by it). */
int process_set_oom_score_adj(pid_t pid, const struct hrun_process *proc);

/* HOME absent from process.env: add HOME from the container's /etc/passwd
 * entry of process.user.uid, else "/" (as runc and crun). Run with "/" the
 * container's root, before the privilege drop. */
int process_default_home(struct hrun_process *proc);

/* Find the executable for args[0] with the container's PATH (from env).
 * The error messages keep the words engines match on: "executable file not
 * found in $PATH" and "no such file or directory". */
int process_find_executable(const struct hrun_process *proc, char **ret_path);

/* The caller first closes every fd it does not keep (util_close_fds_from).
 * cwd (resolved inside "/", see process.c), bounding set, user switch, caps, no_new_privs, seccomp, in the
 * order the kernel requires. bpf may be NULL (no filter). */
int process_drop_privileges(const struct hrun_process *proc, const struct hrun_bpf *bpf);

/* execve; returns only on failure. */
int process_exec(const char *path, const struct hrun_process *proc);

#endif
