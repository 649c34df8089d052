#!/bin/bash
# Bad input: one clear line naming the field, exit 1, and nothing left
# behind (no state, no cgroup, no mount, no process).
. "$(dirname "$0")/lib.sh"

B=$(new_bundle bad)
GOOD=$(cat "$B/config.json")
cg_before=$(ls /sys/fs/cgroup/unified/hrun 2>/dev/null | wc -l)
mounts_before=$(grep -c "$T" /proc/self/mountinfo)

bad() { # bad DESCRIPTION REGEX JQ-FILTER
	printf '%s' "$GOOD" | jq "$3" > "$B/config.json"
	out=$("$HRUN" --root "$ROOT" run --bundle "$B" bad-1 2>&1); rc=$?
	expect_eq "$1: exit 1" "1" "$rc"
	expect_match "$1: message" "$2" "$out"
	expect_eq "$1: one line" "1" "$(printf '%s\n' "$out" | wc -l)"
}
bad "uid is a string" 'config.json: process.user.uid: expected a non-negative integer, got "root"' '.process.user.uid = "root"'
bad "negative uid" 'process.user.uid' '.process.user.uid = -1'
bad "unknown namespace" 'linux.namespaces\[0\].type' '.linux.namespaces[0].type = "bogus"'
bad "relative mount destination" 'mounts\[0\].destination' '.mounts[0].destination = "proc"'
bad "bad capability" 'CAP_BOGUS' '.process.capabilities.bounding = ["CAP_BOGUS"]'
bad "unknown seccomp action" 'linux.seccomp.defaultAction' '.linux.seccomp.defaultAction = "SCMP_ACT_BOGUS"'
bad "missing process.args" 'process.args' 'del(.process.args)'
bad "apparmor profile set" 'process.apparmorProfile' '.process.apparmorProfile = "docker-default"'
bad "root.path missing on disk" 'root.path' '.root.path = "no-such-rootfs"'
bad "missing command" 'executable file not found' '.process.args = ["no-such-command"]'
bad "cwd is a file" 'process.cwd' '.process.cwd = "/bin/busybox"'
bad "idmapped mount: uidMappings without the idmap option" '^hrun: config.json: mounts\[7\]: uidMappings requires the "idmap" or "ridmap" option$' \
	'.mounts[7].uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
bad "idmapped mount: gidMappings without the idmap option" 'mounts\[7\]: gidMappings requires the "idmap"' \
	'.mounts[7].gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
bad "idmapped mount: idmap on a tmpfs" '^hrun: config.json: mounts\[7\].options: "idmap": hrun idmaps bind mounts only$' '.mounts[7].options += ["idmap"]'
printf '{"ociVersion": "1.2.0", "root": ' > "$B/config.json"
out=$("$HRUN" --root "$ROOT" run --bundle "$B" bad-2 2>&1); rc=$?
expect_eq "malformed JSON: exit 1" "1" "$rc"
expect_match "malformed JSON: message names the file" "config.json: invalid JSON" "$out"
out=$("$HRUN" --root "$ROOT" run --bundle "$T/no-such-bundle" bad-3 2>&1); rc=$?
expect_eq "missing bundle: exit 1" "1" "$rc"
expect_match "missing bundle: message" "no-such-bundle/config.json.*No such file or directory" "$out"
printf '%s' "$GOOD" > "$B/config.json"
for id in "../x" "a/b" "" "." "x y"; do
	out=$("$HRUN" --root "$ROOT" run --bundle "$B" "$id" 2>&1); rc=$?
	expect_eq "bad id [$id] is refused" "1" "$rc"
done

expect_eq "no state is left behind" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx "@seccomp")"
expect_eq "no cgroup is left behind" "$cg_before" "$(ls /sys/fs/cgroup/unified/hrun 2>/dev/null | wc -l)"
expect_eq "no mount is left behind" "$mounts_before" "$(grep -c "$T" /proc/self/mountinfo)"
expect_eq "no container process is left behind" "" "$(pgrep -f "hrun --root $ROOT" || true)"
finish
