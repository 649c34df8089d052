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

# Under TCG every exec of a dynamically linked program costs 0.1-0.4 s (jq:
# 0.4 s, base-config.sh: 0.7 s), a fork alone is cheap: the helpers below
# use bash builtins where they can, and bundles cost one jq run.
BASE_JSON=/tmp/hrun-vmtests/base-config.json
make_base() {
	[ -s "$BASE_JSON" ] && return 0
	"$HRUN_SRC/tests/base-config.sh" >"$BASE_JSON.tmp.$$" && mv "$BASE_JSON.tmp.$$" "$BASE_JSON"
}

# bundle NAME JQ-FILTER [ARGS...]: $T/NAME with the base config modified by
# the filter and process.args = ARGS (when given; args may contain newlines,
# unlike lib.sh's set_args). Prints the bundle path.
bundle() {
	local b=$T/$1 filter=$2
	shift 2
	mkdir -p "$b" && ln -sfn "$ROOTFS_CACHE" "$b/rootfs" || return 1
	if [ $# -gt 0 ]; then
		filter="$filter | .process.args = (\$a | split(\"\\u0000\") | .[:-1])"
	fi
	printf '%s\0' "$@" | jq --rawfile a /dev/stdin "$filter" "$BASE_JSON" >"$b/config.json" || return 1
	echo "$b"
}

# set_args BUNDLE ARGS...: lib.sh's, safe for arguments with newlines
set_args() {
	local b=$1
	shift
	printf '%s\0' "$@" | jq --rawfile a /dev/stdin '.process.args = ($a | split("\u0000") | .[:-1])' \
		"$b/config.json" >"$b/config.json.new" && mv "$b/config.json.new" "$b/config.json"
}

# jq filter: drop the user namespace and its mappings from the base config
NO_USERNS='.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'

skip_all() { echo "1..0 # SKIP $*"; exit 77; }
diag() { local l; while IFS= read -r l; do echo "#   $l"; done <<<"$*"; }
# expect_re DESCRIPTION ERE ACTUAL: bash regex (whole string, no exec)
expect_re() {
	if [[ $3 =~ $2 ]]; then ok "$1"; else not_ok "$1"; echo "#   /$2/ not in: [$3]"; fi
}
# rd FILE: its content, lines joined with ';' (no exec)
rd() {
	local l s=
	while IFS= read -r l || [ -n "$l" ]; do s+=${s:+;}$l; done <"$1" || return 1
	printf '%s' "$s"
}
# kv FILE KEY: the value of "KEY value" in a flat-keyed cgroup file
kv() {
	local k v
	while read -r k v; do [ "$k" = "$2" ] && { printf '%s' "$v"; return 0; }; done <"$1"
	return 1
}
# count_lines FILE
count_lines() { local n=0 l; while IFS= read -r l; do n=$((n + 1)); done <"$1"; echo $n; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# hr ARGS...: hrun with our state root
hr() { "$HRUN" --root "$ROOT" "$@"; }

# state_of ID / pid_of ID: fields of `hrun state` ("" on failure)
state_field() {
	local s
	s=$(hr state "$1" 2>/dev/null) || return 1
	[[ $s =~ \"$2\":\ *\"?([^\",]*) ]] && printf '%s' "${BASH_REMATCH[1]}"
}
state_of() { state_field "$1" status; }
pid_of() { state_field "$1" pid; }

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
# (removed at exit); prints its path
cg_parent() {
	VM_CG_PARENTS+=("$CGROOT/$1")
	echo "$CGROOT/$1"
}

# cg_remove DIR: kill everything in a cgroup subtree and remove it
cg_remove() {
	local d=$1 sub i
	[ -d "$d" ] || return 0
	for sub in "$d"/*/; do
		[ -d "$sub" ] && cg_remove "${sub%/}"
	done
	echo 1 >"$d/cgroup.kill" 2>/dev/null
	for ((i = 0; i < 50; i++)); do rmdir "$d" 2>/dev/null && return 0; sleep 0.1; done
	echo "# warning: cannot remove cgroup $d"
}

vm_cleanup() {
	local p
	cleanup_all
	for p in "${VM_CG_PARENTS[@]}"; do cg_remove "$p"; done
}
trap vm_cleanup EXIT

[ -x "$HRUN" ] || { echo "Bail out! no hrun binary at $HRUN"; exit 1; }
make_rootfs || { echo "Bail out! cannot build the rootfs"; exit 1; }
make_base || { echo "Bail out! tests/base-config.sh failed"; exit 1; }

# ---------------------------------------------------------------------------
# Executed (not sourced): the smoke test.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "# hrun: $("$HRUN" --version 2>&1)"
	# hrun's shared parent for empty cgroupsPaths: remove it if we make it
	[ -d "$CGROOT/hrun" ] || cg_parent hrun >/dev/null
	# what the container sees about its cgroup, one fact per line
	SEE='cat /proc/self/cgroup
awk '\''$2 == "/sys/fs/cgroup" { print $3, $4 }'\'' /proc/self/mounts
id -u
test -e /sys/fs/cgroup/memory.max && echo has-memory.max
if touch /sys/fs/cgroup/x 2>/dev/null; then echo writable; fi'
	for variant in userns no-userns; do
		filter=.
		[ "$variant" = no-userns ] && filter=$NO_USERNS
		b=$(bundle "smoke-$variant" "$filter" sh -c "$SEE")
		out=$(hr run --bundle "$b" "smoke-$variant" </dev/null 2>&1)
		rc=$?
		mapfile -t L <<<"$out"
		expect_eq "$variant: run exits 0" 0 "$rc"
		expect_eq "$variant: own cgroup namespace" "0::/" "${L[0]}"
		expect_re "$variant: cgroup2 mounted read-only" '^cgroup2 ro,' "${L[1]}"
		expect_eq "$variant: runs as uid 1000" 1000 "${L[2]}"
		expect_eq "$variant: controller files visible" has-memory.max "${L[3]}"
		expect_eq "$variant: nothing more (cgroup fs not writable)" 4 "${#L[@]}"
		[ "${#L[@]}" = 4 ] || diag "$out"

		# empty cgroupsPath -> /sys/fs/cgroup/hrun/<id>, removed by delete
		id=smoke-d-$variant
		set_args "$b" sleep 600
		run_detached "$b" "$id"
		expect_eq "$variant: run -d exits 0" 0 "$?"
		pid=$(pid_of "$id")
		cg=$CGROOT/hrun/$id
		check "$variant: default cgroup $cg exists" test -d "$cg"
		expect_eq "$variant: init pid $pid in $cg/cgroup.procs" "$pid" "$(rd "$cg/cgroup.procs")"
		expect_eq "$variant: /proc/$pid/cgroup" "0::/hrun/$id" "$(rd "/proc/$pid/cgroup")"
		hr delete --force "$id"
		expect_eq "$variant: delete --force exits 0" 0 "$?"
		check "$variant: delete removed $cg" test ! -e "$cg"
	done
	finish
	exit $?
fi
