#!/bin/bash
# Guest test: hrun's BPF device filter (cgroup v2 has no devices.* files).
# Containers without a user namespace, running as uid 0 with CAP_MKNOD in
# every capability set and /tmp mounted without nodev, so that only the
# device cgroup program can refuse a device open:
#   - /dev/null and /dev/zero work; mknod of a c/b node succeeds (mknod is
#     always allowed, as in runc/crun), /tmp/null2 c 1:3 works (the filter
#     matches numbers, not paths)
#   - open of /tmp/sda (b 8:0) and /tmp/mem (c 1:1) fails with EPERM: the
#     filter, not the driver (an allowed absent b 8:0 would give ENXIO)
#   - linux.devices /dev/kmsg (c 1:11) + resources.devices allow c 1:11 rw:
#     writing a message to /dev/kmsg works and the message reaches the
#     kernel log (dmesg on the VM)
#   - the same /dev/kmsg node WITHOUT the allow rule: EPERM
. "$(dirname "$0")/10-cgroup-lib.sh"

P=$(cg_parent hrun-vmtest-dev)
MARK="hrun-vmtest-kmsg-$$-$RANDOM"

# one "tag: ok" or "tag: fail: <error>" line per probe
PROBE='t() { if out=$(sh -c "$2" 2>&1); then echo "$1: ok"; else echo "$1: fail: $out"; fi; }
while read -r k v; do [ "$k" = CapEff: ] && echo "caps: $v"; done < /proc/self/status
t null "echo x > /dev/null"
t zero "test \"\$(head -c 4 /dev/zero | wc -c)\" = 4"
t mknod-sda "mknod /tmp/sda b 8 0"
t open-sda "exec 3</tmp/sda"
t mknod-mem "mknod /tmp/mem c 1 1"
t open-mem "exec 3</tmp/mem"
t mknod-null2 "mknod /tmp/null2 c 1 3"
t open-null2 "echo x > /tmp/null2"
t kmsg "echo \"<6>$1\" > /dev/kmsg"'

CAPS='["CAP_MKNOD"]'
BASE="$NO_USERNS
 | .process.user = {uid: 0, gid: 0}
 | .process.capabilities = {bounding: $CAPS, effective: $CAPS, permitted: $CAPS, inheritable: $CAPS, ambient: $CAPS}
 | .mounts |= map(if .destination == \"/tmp\" then .options |= map(select(. != \"nodev\")) else . end)
 | .linux.devices = [{path: \"/dev/kmsg\", type: \"c\", major: 1, minor: 11, fileMode: 438, uid: 0, gid: 0}]"
DENY='{allow: false, access: "rwm"}'
ALLOW_KMSG='{allow: true, type: "c", major: 1, minor: 11, access: "rw"}'

EPERM='fail: .*Operation not permitted'
for variant in allow deny; do
	if [ "$variant" = allow ]; then rules="[$DENY, $ALLOW_KMSG]"; else rules="[$DENY]"; fi
	b=$(bundle "dev-$variant" "$BASE | .linux.cgroupsPath = \"/hrun-vmtest-dev/$variant\" | .linux.resources.devices = $rules" \
		sh -c "$PROBE" sh "$MARK-$variant")
	out=$(hr run --bundle "$b" "dev-$variant" </dev/null 2>&1)
	expect_eq "$variant: run exits 0" 0 "$?"
	diag "$out"
	unset R
	declare -A R=()
	while IFS= read -r line; do R[${line%%:*}]=${line#*: }; done <<<"$out"
	get() { printf '%s' "${R[$1]:-}"; }
	expect_re "$variant: CAP_MKNOD (only) effective" '^0+8000000$' "$(get caps)"
	expect_eq "$variant: /dev/null usable" ok "$(get null)"
	expect_eq "$variant: /dev/zero usable" ok "$(get zero)"
	expect_eq "$variant: mknod b 8:0 allowed" ok "$(get mknod-sda)"
	expect_re "$variant: open b 8:0 -> EPERM" "$EPERM" "$(get open-sda)"
	expect_eq "$variant: mknod c 1:1 allowed" ok "$(get mknod-mem)"
	expect_re "$variant: open c 1:1 (mem) -> EPERM" "$EPERM" "$(get open-mem)"
	expect_eq "$variant: mknod c 1:3 allowed" ok "$(get mknod-null2)"
	expect_eq "$variant: c 1:3 under another path usable" ok "$(get open-null2)"
	if [ "$variant" = allow ]; then
		expect_eq "allow: /dev/kmsg (c 1:11 allowed) writable" ok "$(get kmsg)"
		expect_match "allow: the message reached the kernel log" "$MARK-allow" "$(dmesg | grep -- "$MARK")"
	else
		expect_re "deny: /dev/kmsg without allow rule -> EPERM" "$EPERM" "$(get kmsg)"
		check "deny: no message in the kernel log" test -z "$(dmesg | grep -- "$MARK-deny")"
	fi
	check "$variant: cgroup removed" test ! -e "$P/$variant"
done
finish
