#!/bin/bash
# Guest test + shared helpers for the cgroup v2 guest tests (10-49).
#
# Sourced by the other 1x-4x tests: defines helpers on top of
# tests/integration/lib.sh (new_bundle, set_args, ok/not_ok/expect_eq,
# finish; containers live in its private --root $ROOT and are force-deleted
# at exit). Executed by guest-suite.sh: a smoke test that hrun runs a
# container in the pure v2 VM, both with the hardened base config (user
# namespace, 0 -> 100000) and without a user namespace, that the container
# sees its own cgroup (cgroup namespace: "0::/", read-only cgroup2 on
# /sys/fs/cgroup), that an empty linux.cgroupsPath puts it in
# /sys/fs/cgroup/hrun/<id> and that delete removes that directory.
#
# The busybox rootfs (tests/mkrootfs.sh) is built once per VM in
# /tmp/hrun-vmtests/rootfs (it takes ~20 s under TCG, a copy of the host's
# $HRUN_BUILD/test-rootfs when that exists takes ~1 s) and shared by all tests.

# shellcheck source=../../integration/lib.sh
. "$HRUN_SRC/tests/integration/lib.sh"

CGROOT=/sys/fs/cgroup
ROOTFS_CACHE=/tmp/hrun-vmtests/rootfs
# cgroup parents this test created (removed at exit, see vm_cleanup)
VM_CG_PARENTS=()

make_rootfs() {
	[ -x "$ROOTFS_CACHE/bin/busybox" ] && return 0
	mkdir -p "$(dirname "$ROOTFS_CACHE")"
	if [ -x "${HRUN_BUILD:-/nonexistent}/test-rootfs/bin/busybox" ]; then
		cp -a "$HRUN_BUILD/test-rootfs" "$ROOTFS_CACHE.tmp.$$" &&
			mv "$ROOTFS_CACHE.tmp.$$" "$ROOTFS_CACHE"
	else
		"$HRUN_SRC/tests/mkrootfs.sh" "$ROOTFS_CACHE" >/dev/null
	fi
}

# jq filter: drop the user namespace and its mappings from the base config
NO_USERNS='.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'

skip_all() { echo "1..0 # SKIP $*"; exit 77; }
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }

# hr ARGS...: hrun with our state root
hr() { "$HRUN" --root "$ROOT" "$@"; }

# state_of ID: the status field of `hrun state` ("" if the state fails)
state_of() { hr state "$1" 2>/dev/null | jq -r .status 2>/dev/null; }
pid_of() { hr state "$1" 2>/dev/null | jq -r .pid 2>/dev/null; }

# wait_status ID STATUS [TENTHS]: poll until `hrun state` says STATUS
wait_status() {
	local i
	for ((i = 0; i < ${3:-100}; i++)); do
		[ "$(state_of "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# run_detached BUNDLE ID: `hrun run -d`, container stdio to BUNDLE/out.
# Detached containers keep their stdio: never let them hold our pipes.
run_detached() {
	hr run -d --bundle "$1" "$2" </dev/null >"$1/out" 2>&1
}

# cg_parent NAME: register /sys/fs/cgroup/NAME as a parent this test uses
cg_parent() {
	VM_CG_PARENTS+=("$CGROOT/$1")
	echo "$CGROOT/$1"
}

# cg_remove DIR: kill everything in a cgroup subtree and remove it
cg_remove() {
	local d=$1 sub
	[ -d "$d" ] || return 0
	for sub in "$d"/*/; do
		[ -d "$sub" ] && cg_remove "${sub%/}"
	done
	echo 1 >"$d/cgroup.kill" 2>/dev/null
	for _ in $(seq 50); do rmdir "$d" 2>/dev/null && return 0; sleep 0.1; done
	echo "# warning: cannot remove cgroup $d"
}

vm_cleanup() {
	local p
	cleanup_all
	for p in "${VM_CG_PARENTS[@]}"; do cg_remove "$p"; done
}
trap vm_cleanup EXIT

# cfile_in ID FILE...: cat cgroup files from INSIDE the container (exec)
cfile_in() {
	local id=$1; shift
	hr exec "$id" cat "${@/#//sys/fs/cgroup/}" </dev/null 2>&1
}

[ -x "$HRUN" ] || { echo "Bail out! no hrun binary at $HRUN"; exit 1; }
make_rootfs || { echo "Bail out! cannot build the rootfs"; exit 1; }

# ---------------------------------------------------------------------------
# Executed (not sourced): the smoke test.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "# hrun: $("$HRUN" --version 2>&1 | head -n1)"
	# what the container sees about its cgroup
	SEE='cat /proc/self/cgroup; awk '\''$2 == "/sys/fs/cgroup" { print $3, $4 }'\'' /proc/self/mounts; id -u; test -e /sys/fs/cgroup/memory.max && echo has-memory.max; touch /sys/fs/cgroup/x 2>/dev/null && echo writable'
	for variant in userns no-userns; do
		filter=.
		[ "$variant" = no-userns ] && filter=$NO_USERNS
		b=$(new_bundle "smoke-$variant" "$filter")
		set_args "$b" sh -c "$SEE"
		out=$(hr run --bundle "$b" "smoke-$variant" </dev/null 2>&1)
		rc=$?
		expect_eq "$variant: run exits 0" 0 "$rc"
		expect_match "$variant: own cgroup namespace (0::/)" '^0::/$' "$(echo "$out" | sed -n 1p)"
		expect_match "$variant: cgroup2 mounted read-only" '^cgroup2 ro,' "$(echo "$out" | sed -n 2p)"
		expect_eq "$variant: runs as uid 1000" 1000 "$(echo "$out" | sed -n 3p)"
		expect_match "$variant: controller files visible" '^has-memory.max$' "$(echo "$out" | sed -n 4p)"
		expect_eq "$variant: nothing more (cgroup fs not writable)" "" "$(echo "$out" | sed -n '5,$p')"

		# empty cgroupsPath -> /sys/fs/cgroup/hrun/<id>, removed by delete
		id=smoke-d-$variant
		set_args "$b" sleep 600
		run_detached "$b" "$id"
		expect_eq "$variant: run -d exits 0" 0 "$?"
		pid=$(pid_of "$id")
		cg=$CGROOT/hrun/$id
		check "$variant: default cgroup $cg exists" test -d "$cg"
		expect_eq "$variant: init pid $pid in $cg/cgroup.procs" "$pid" "$(cat "$cg/cgroup.procs" 2>&1)"
		expect_eq "$variant: /proc/$pid/cgroup" "0::/hrun/$id" "$(cat "/proc/$pid/cgroup" 2>&1)"
		hr delete --force "$id"
		expect_eq "$variant: delete --force exits 0" 0 "$?"
		check "$variant: delete removed $cg" test ! -e "$cg"
	done
	finish
	exit $?
fi
