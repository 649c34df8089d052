/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_FEATURES_H
#define HRUN_FEATURES_H

#include <jansson.h>

/* The runtime-spec features.md object: what this build of hrun really
 * supports (namespaces, capabilities, seccomp, cgroup, mount options). */
json_t *features_json(void);

#endif
