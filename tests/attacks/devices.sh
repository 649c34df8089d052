#!/bin/bash
# Attack: CAP_MKNOD (containerd's default set) to make and open a host
# device node. Where the eBPF device filter can be attached (this host's
# cgroup2), the node is made but opening it fails (EPERM). Where it cannot
# (no cgroup v2 hierarchy: simulated for real in a private mount namespace
# where /sys/fs/cgroup/unified is covered by an empty tmpfs; host mounts
# untouched), CAP_MKNOD and device allow rules beyond the standard set are
# refused with one line naming the field.
. "$(dirname "$0")/lib.sh"

MKNOD='.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)
  | .process.user = {uid: 0, gid: 0}
  | .process.capabilities = {bounding: ["CAP_MKNOD"], effective: ["CAP_MKNOD"], permitted: ["CAP_MKNOD"]}
  | .mounts += [{destination: "/mnt", type: "tmpfs", source: "tmpfs", options: ["nosuid", "mode=755"]}]'
b=$(new_bundle devb "$MKNOD")
set_args "$b" sh -c 'mknod /mnt/mem c 1 1 && echo made; head -c1 /mnt/mem >/dev/null 2>/mnt/err; cat /mnt/err; mknod /mnt/sda b 8 0 && head -c1 /mnt/sda >/dev/null 2>/mnt/err; cat /mnt/err; head -c1 /dev/null && echo null-ok'
out=$(H run --bundle "$b" "$ID" 2>&1)
printf '%s\n' "$out" | sed 's/^/# /'
expect_match "filter attached: CAP_MKNOD makes c 1:1" "^made" "$out"
expect_match "filter attached: opening c 1:1 (/dev/mem) is refused" "mem.*Operation not permitted" "$out"
expect_match "filter attached: opening b 8:0 is refused" "sda.*Operation not permitted" "$out"
expect_match "filter attached: /dev/null still works" "null-ok" "$out"

# no cgroup v2 hierarchy: the filter cannot exist
nocg() { unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/fs/cgroup/unified && exec "$@"' nocg "$@"; }
set_args "$b" echo RAN
out=$(nocg "$HRUN" --root "$ROOT" run --bundle "$b" "$ID" 2>&1); rc=$?
expect_eq "no filter: CAP_MKNOD is refused (exit 1)" "1" "$rc"
expect_match "no filter: one line naming the field" "^hrun: process.capabilities.bounding: CAP_MKNOD: this host has no cgroup v2 hierarchy for a device filter$" "$out"
jq '.process.capabilities = {} | .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 1, access: "rw"}]' "$b/config.json" > "$b/c" && mv "$b/c" "$b/config.json"
out=$(nocg "$HRUN" --root "$ROOT" run --bundle "$b" "$ID" 2>&1); rc=$?
expect_eq "no filter: allowing c 1:1 is refused (exit 1)" "1" "$rc"
expect_match "no filter: one line naming the rule" "^hrun: linux.resources.devices\[1\]: this host has no cgroup v2 hierarchy" "$out"
expect_eq "no filter: nothing left behind" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx '@seccomp')"
# the standard set (as Docker sends it) and no CAP_MKNOD: runs
jq '.linux.resources.devices = [{allow: false, access: "rwm"}, {allow: true, type: "c", major: 1, minor: 3, access: "rwm"}, {allow: true, type: "c", major: 136, access: "rwm"}, {allow: true, type: "b", access: "m"}]' "$b/config.json" > "$b/c" && mv "$b/c" "$b/config.json"
out=$(nocg "$HRUN" --root "$ROOT" run --bundle "$b" "$ID" 2>&1)
expect_eq "no filter: default deny plus standard devices, no CAP_MKNOD: runs" "RAN" "$out"
finish
