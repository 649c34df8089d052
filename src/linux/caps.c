/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/caps.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cap-ng.h>

#include "hrun/error.h"
#include "hrun/util.h"

int caps_last_cap(void)
{
	static int last = -1;
	char *buf = NULL;
	long v;

	if (last >= 0)
		return last;
	if (util_read_file("/proc/sys/kernel/cap_last_cap", 64, &buf, NULL) == 0 &&
	    util_parse_long(buf, &v) == 0 && v >= 0 && v < 64)
		last = (int)v;
	else
		last = CAP_LAST_CAP;
	free(buf);
	return last;
}

/* Add every capability of MASK to libcap-ng's pending TYPE set; capabilities
 * the running kernel does not know are skipped (a config written for a newer
 * kernel still starts, with fewer privileges, never more). */
static int add_mask(capng_type_t type, uint64_t mask)
{
	int last = caps_last_cap();

	for (int cap = 0; cap <= last; cap++) {
		if (!(mask & (1ULL << cap)))
			continue;
		if (capng_update(CAPNG_ADD, type, (unsigned)cap) < 0)
			return hrun_err(EINVAL, "capability %d: cannot add to set", cap);
	}
	return 0;
}

int caps_apply_bounding(const struct hrun_caps *caps)
{
	int r;

	capng_clear(CAPNG_SELECT_BOUNDS);
	r = add_mask(CAPNG_BOUNDING_SET, caps ? caps->bounding : 0);
	if (r < 0)
		return r;
	if (capng_apply(CAPNG_SELECT_BOUNDS) < 0)
		return hrun_syserr(errno ? errno : EPERM, "set the capability bounding set");
	return 0;
}

int caps_switch_user(const struct hrun_user *user)
{
	if (setgroups(user->n_additional_gids, user->additional_gids) < 0 &&
	    !(errno == EPERM && user->n_additional_gids == 0))
		return hrun_syserr(errno, "setgroups (process.user.additionalGids)");
	if (setresgid(user->gid, user->gid, user->gid) < 0)
		return hrun_syserr(errno, "setresgid(%u) (process.user.gid)", user->gid);
	/* keep the permitted set across the uid change; caps_apply_sets()
	 * then trims it to exactly what the config grants */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hrun_syserr(errno, "prctl(PR_SET_KEEPCAPS)");
	if (setresuid(user->uid, user->uid, user->uid) < 0)
		return hrun_syserr(errno, "setresuid(%u) (process.user.uid)", user->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return hrun_syserr(errno, "prctl(PR_SET_KEEPCAPS)");
	if (user->has_umask)
		(void)umask(user->umask);
	return 0;
}

int caps_apply_sets(const struct hrun_caps *caps)
{
	int r;

	capng_clear(CAPNG_SELECT_CAPS);
	if (caps) {
		r = add_mask(CAPNG_EFFECTIVE, caps->effective);
		if (r == 0)
			r = add_mask(CAPNG_PERMITTED, caps->permitted);
		if (r == 0)
			r = add_mask(CAPNG_INHERITABLE, caps->inheritable);
		if (r < 0)
			return r;
	}
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		return hrun_syserr(errno ? errno : EPERM,
				   "set capabilities (process.capabilities)");
	/* ambient last: the kernel only accepts ambient caps that are both
	 * permitted and inheritable */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return hrun_syserr(errno, "clear ambient capabilities");
	if (!caps || !caps->ambient)
		return 0;
	for (int cap = 0; cap <= caps_last_cap(); cap++) {
		if (!(caps->ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return hrun_syserr(errno, "raise ambient capability %s (process.capabilities.ambient)",
					   capng_capability_to_name((unsigned)cap) ?: "?");
	}
	return 0;
}
