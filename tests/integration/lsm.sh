#!/bin/bash
# AppArmor and SELinux on a host where neither is enabled (this one: no
# /sys/module/apparmor, no /sys/fs/selinux): a profile or label asked for
# is refused with one line naming the field, exit 1, nothing left behind
# (run, create, exec --apparmor / --process-label, a process.json with a
# profile); the config without them still runs; `hrun features` lists
# both LSMs; `hrun spec` names no profile here. (AppArmor enforced for real:
# tests/vm/guest.d/20-apparmor.sh.)
. "$(dirname "$0")/lib.sh"

if [ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] || [ -e /sys/fs/selinux/enforce ]; then
	echo "1..0 # SKIP an LSM is enabled on this host"
	exit 0
fi
B=$(new_bundle lsm)
GOOD=$(cat "$B/config.json")
cg_before=$(ls /sys/fs/cgroup/unified/hrun 2>/dev/null | wc -l)
mounts_before=$(grep -c "$T" /proc/self/mountinfo)
AA='^hrun: process.apparmorProfile: AppArmor is not enabled on this host$'
SE='^hrun: process.selinuxLabel: SELinux is not enabled on this host$'
ML='^hrun: linux.mountLabel: SELinux is not enabled on this host$'
id=lsm-$$

refused() { # refused DESCRIPTION REGEX JQ-FILTER [COMMAND]
	local cmd=${4:-run}
	printf '%s' "$GOOD" | jq "$3" > "$B/config.json"
	out=$("$HRUN" --root "$ROOT" "$cmd" --bundle "$B" "$id" 2>&1 </dev/null); rc=$?
	expect_eq "$1: exit 1" 1 "$rc"
	expect_match "$1: the one line" "$2" "$out"
	expect_eq "$1: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
	expect_eq "$1: no state" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx "@seccomp")"
}
refused "run with apparmorProfile" "$AA" '.process.apparmorProfile = "hrun-default"'
refused "create with apparmorProfile" "$AA" '.process.apparmorProfile = "hrun-default"' create
refused "run with selinuxLabel" "$SE" '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
refused "run with mountLabel" "$ML" '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
refused "create with mountLabel" "$ML" '.linux.mountLabel = "system_u:object_r:container_file_t:s0"' create

# "" is "not given" (Go generators write the zero value): runs
printf '%s' "$GOOD" | jq '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""
	| .process.args = ["sh", "-c", "echo ran"]' > "$B/config.json"
out=$("$HRUN" --root "$ROOT" run --bundle "$B" "$id-e" 2>&1 </dev/null); rc=$?
expect_eq "empty profile and labels: runs" "0:ran" "$rc:$out"

# exec into a running container: refused before any process is made
printf '%s' "$GOOD" | jq '.process.args = ["sleep", "600"]' > "$B/config.json"
"$HRUN" --root "$ROOT" run -d --bundle "$B" "$id-x" </dev/null >/dev/null 2>&1
expect_eq "container for exec is running" running \
	"$("$HRUN" --root "$ROOT" state "$id-x" 2>/dev/null | jq -r .status)"
pids_before=$(cat /proc/"$("$HRUN" --root "$ROOT" state "$id-x" | jq -r .pid)"/task/*/children 2>/dev/null)
out=$("$HRUN" --root "$ROOT" exec --apparmor hrun-default "$id-x" true 2>&1); rc=$?
expect_eq "exec --apparmor: exit 1" 1 "$rc"
expect_match "exec --apparmor: the one line" "$AA" "$out"
out=$("$HRUN" --root "$ROOT" exec --process-label system_u:system_r:container_t:s0 "$id-x" true 2>&1); rc=$?
expect_eq "exec --process-label: exit 1" 1 "$rc"
expect_match "exec --process-label: the one line" "$SE" "$out"
jq -n '{args: ["true"], cwd: "/", user: {uid: 0, gid: 0}, apparmorProfile: "hrun-default"}' > "$T/p.json"
out=$("$HRUN" --root "$ROOT" exec --process "$T/p.json" "$id-x" 2>&1); rc=$?
expect_eq "exec --process with apparmorProfile: exit 1" 1 "$rc"
expect_match "exec --process with apparmorProfile: the one line" "$AA" "$out"
out=$("$HRUN" --root "$ROOT" exec "$id-x" sh -c 'echo plain' 2>&1); rc=$?
expect_eq "exec without a profile still works" "0:plain" "$rc:$out"
expect_eq "no exec process left in the container" "$pids_before" \
	"$(cat /proc/"$("$HRUN" --root "$ROOT" state "$id-x" | jq -r .pid)"/task/*/children 2>/dev/null)"
"$HRUN" --root "$ROOT" delete --force "$id-x" >/dev/null 2>&1

feat=$("$HRUN" features)
expect_eq "features: linux.apparmor.enabled" true "$(jq -r .linux.apparmor.enabled <<<"$feat")"
expect_eq "features: linux.selinux.enabled" true "$(jq -r .linux.selinux.enabled <<<"$feat")"
mkdir -p "$T/spec" && (cd "$T/spec" && "$HRUN" spec >/dev/null 2>&1)
expect_eq "spec: no apparmorProfile without AppArmor" null \
	"$(jq -r .process.apparmorProfile "$T/spec/config.json" 2>&1)"

expect_eq "no state is left behind" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx "@seccomp")"
expect_eq "no cgroup is left behind" "$cg_before" "$(ls /sys/fs/cgroup/unified/hrun 2>/dev/null | wc -l)"
expect_eq "no mount is left behind" "$mounts_before" "$(grep -c "$T" /proc/self/mountinfo)"
expect_eq "no container process is left behind" "" "$(pgrep -f "hrun --root $ROOT" || true)"
finish
