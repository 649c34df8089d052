/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_LSM_H
#define HRUN_LSM_H

#include <stdbool.h>

#include "hrun/spec.h"

/*
 * AppArmor and SELinux, as runc and crun apply them:
 *   - process.apparmorProfile: "exec PROFILE" written to the process's own
 *     attr/apparmor/exec (change_onexec): the profile takes over at execve;
 *   - process.selinuxLabel: written to attr/exec (the domain of execve)
 *     and to attr/keycreate (the label of the session keyring);
 *   - linux.mountLabel: the context="LABEL" option of the mounts hrun
 *     makes whose filesystem takes one.
 * A profile or label asked on a host whose LSM is off is refused before
 * anything is created: nothing fails open.
 */

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);

/* Runtime side, before anything is created: refuse a profile or label the
 * host cannot apply (one line naming the field). */
int lsm_check_process(const struct hrun_process *proc);
int lsm_check_spec(const struct hrun_spec *spec);

/* Container side: the label of keys created from now on (before joining
 * the session keyring). No-op without a selinuxLabel. */
int lsm_set_keycreate(const struct hrun_process *proc);

/* Container side, after pivot_root (the container's /proc, checked to be
 * procfs): the profile / label the next execve enters. */
int lsm_set_exec(const struct hrun_process *proc);

/* The data string of a mount of TYPE with mount LABEL: *ret is a new
 * string ("DATA,context=\"LABEL\"") or NULL when nothing changes (no
 * label, a filesystem that takes none, or a context= already given).
 * Pure: unit-tested. */
int lsm_mount_data(const char *data, const char *type, const char *label, char **ret);

/* Whether TYPE gets its label as a file label after the mount (mqueue:
 * runc labels it with setxattr, older kernels refuse context=). */
bool lsm_mount_label_after(const char *type);

/* security.selinux of the mount root FD (mqueue). */
int lsm_set_file_label(int fd, const char *label, const char *what);

#endif
