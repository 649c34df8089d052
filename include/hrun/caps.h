/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CAPS_H
#define HRUN_CAPS_H

#include <stdbool.h>

#include "hrun/spec.h"

/*
 * Privilege drop, in the order the kernel needs:
 *   1. caps_apply_bounding()  (needs CAP_SETPCAP: before the user switch)
 *   2. caps_switch_user()     (groups, gid, uid; keeps the permitted set)
 *   3. caps_apply_sets()      (effective, permitted, inheritable, then ambient)
 * A NULL caps pointer means "no capabilities at all" (hrun's choice when
 * process.capabilities is absent: least privilege).
 */
int caps_apply_bounding(const struct hrun_caps *caps);
int caps_switch_user(const struct hrun_user *user);
int caps_apply_sets(const struct hrun_caps *caps);

/* Highest capability number the running kernel knows. */
int caps_last_cap(void);

#endif
