#!/bin/bash
# Attack: linux.namespaces [{type: mount, path: /proc/PID/ns/mnt}].
# setns(CLONE_NEWNS) resets root and cwd to the joined namespace's `/`: a
# runtime that then uses its cwd (or `/`) puts the container on that
# namespace's root (a container saw the host's /boot). hrun looks the rootfs
# up by its path in the joined namespace, checks it is the directory the
# runtime opened (device, inode) and chroots into it; it never mounts into
# the joined namespace (its other processes would see it). A rootfs that is
# not there, or another directory there, is refused with one line naming
# linux.namespaces, and nothing is left behind.
. "$(dirname "$0")/lib.sh"

make_rootfs
mkdir -p "$T/mb"
cp -a "$ROOTFS_CACHE" "$T/mb/rootfs"
echo in-rootfs > "$T/mb/rootfs/rootfs-marker-$$"
echo on-host > "$T/host-marker-$$"
"$HRUN_SRC/tests/base-config.sh" | jq "$ENGINE_DEFAULT"' | .mounts = [] | .root.readonly = false
  | del(.linux.maskedPaths, .linux.readonlyPaths, .linux.sysctl, .linux.devices, .linux.rootfsPropagation)
  | .process.terminal = false' > "$T/mb/config.json"
b=$T/mb

# join_cfg NSPATH: the bundle joins the mount namespace at NSPATH
join_cfg() {
	jq --arg p "$1" '.linux.namespaces |= (map(select(.type != "mount")) + [{type: "mount", path: $p}])' \
		"$b/config.json" > "$b/c" && mv "$b/c" "$b/config.json"
}
# ns_proc [SETUP]: a process in a new private mount namespace (after the
# shell SETUP ran in it), sleeping; sets NSPID
ns_proc() {
	unshare -m --propagation private sh -c "${1:-true} && exec sleep 60" &
	NSPID=$!
	for _ in $(seq 100); do
		[ "$(readlink /proc/$NSPID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] &&
			[ "$(readlink /proc/$NSPID/exe)" = "$(readlink -f "$(command -v sleep)")" ] && return 0
		sleep 0.05
	done
	return 1
}
leftovers() {
	ls -A "$ROOT" 2>/dev/null | grep -vx '@seccomp'
	[ -e "/sys/fs/cgroup/unified/hrun/$1" ] && echo cgroup
	pgrep -f "rootfs-marker-$$" >/dev/null && echo process
}

# --- join a private mount namespace made by the test --------------------
check "a private mount namespace to join" ns_proc
mi_before=$(cat /proc/$NSPID/mountinfo)
join_cfg "/proc/$NSPID/ns/mnt"
set_args "$b" sh -c "cat /rootfs-marker-$$; test -e '$T/host-marker-$$' && echo SAW-HOST; ls /; true"
id=$ID-j
H create --bundle "$b" "$id" > "$T/out" 2>&1
pid=$(H state "$id" | jq -r .pid)
expect_eq "joined: the init is in the joined mount namespace" "$(readlink /proc/$NSPID/ns/mnt)" "$(readlink /proc/$pid/ns/mnt 2>&1)"
expect_eq "joined: the init's root is the bundle's rootfs (device:inode)" "$(stat -c %d:%i "$T/mb/rootfs")" "$(stat -Lc %d:%i /proc/$pid/root 2>&1)"
H start "$id"
for _ in $(seq 100); do [ "$(H state "$id" | jq -r .status)" = stopped ] && break; sleep 0.05; done
out=$(cat "$T/out")
printf '%s\n' "$out" | sed 's/^/# /'
expect_match "joined: the container sees the rootfs marker" "^in-rootfs" "$out"
if printf '%s' "$out" | grep -q SAW-HOST; then not_ok "joined: the host marker is not visible"; else ok "joined: the host marker is not visible"; fi
if printf '%s' "$out" | grep -qx boot; then not_ok "joined: / has no host /boot"; else ok "joined: / has no host /boot"; fi
H delete --force "$id"
expect_eq "joined: the namespace's process keeps its root" "/" "$(readlink /proc/$NSPID/root)"
check "joined: ... and sees the host marker through it" test -e "/proc/$NSPID/root$T/host-marker-$$"
expect_eq "joined: the namespace's mount table is unchanged" "$mi_before" "$(cat /proc/$NSPID/mountinfo)"
kill $NSPID; wait $NSPID 2>/dev/null

# --- mounts into the joined namespace are refused at parse time ----------
jq '.mounts = [{destination: "/proc", type: "proc", source: "proc"}]' "$b/config.json" > "$T/c" &&
	cp "$b/config.json" "$T/c.keep" && mv "$T/c" "$b/config.json"
out=$(H run --bundle "$b" "$ID-m" 2>&1); rc=$?
expect_eq "mounts with a joined mount namespace: exit 1" 1 "$rc"
expect_match "... one line naming mounts and the namespace" "^hrun: config.json: mounts: requires a new mount namespace in linux.namespaces \(hrun never mounts into the joined mount namespace \`/proc/[0-9]+/ns/mnt\`" "$out"
mv "$T/c.keep" "$b/config.json"

# --- the rootfs is not there in the joined namespace ---------------------
check "a namespace where the bundle is covered by a tmpfs" ns_proc "mount -t tmpfs none '$T/mb'"
join_cfg "/proc/$NSPID/ns/mnt"
out=$(H run --bundle "$b" "$ID-n" 2>&1); rc=$?
expect_eq "rootfs not visible: exit 1" 1 "$rc"
expect_eq "rootfs not visible: one line" 1 "$(printf '%s\n' "$out" | wc -l)"
expect_match "rootfs not visible: names linux.namespaces" "^hrun: linux.namespaces: mount \`/proc/$NSPID/ns/mnt\`: the rootfs \`$T/mb/rootfs\` is not reachable in that mount namespace: No such file or directory$" "$out"
expect_eq "rootfs not visible: nothing left behind" "" "$(leftovers "$ID-n")"
expect_eq "rootfs not visible: the namespace still has only its tmpfs there" "0" "$(ls -A "/proc/$NSPID/root$T/mb" | wc -l)"
kill $NSPID; wait $NSPID 2>/dev/null

# --- another directory at the rootfs path there --------------------------
check "a namespace with another directory at the rootfs path" ns_proc "mount -t tmpfs none '$T/mb' && mkdir '$T/mb/rootfs'"
join_cfg "/proc/$NSPID/ns/mnt"
out=$(H run --bundle "$b" "$ID-o" 2>&1); rc=$?
expect_eq "another directory: exit 1" 1 "$rc"
expect_match "another directory: one line naming linux.namespaces" "^hrun: linux.namespaces: mount \`/proc/$NSPID/ns/mnt\`: \`$T/mb/rootfs\` is another directory in that mount namespace than the bundle's rootfs$" "$out"
expect_eq "another directory: nothing left behind" "" "$(leftovers "$ID-o")"
kill $NSPID; wait $NSPID 2>/dev/null

# --- a new user namespace cannot join the host's mount namespace ---------
"$HRUN_SRC/tests/base-config.sh" | jq '.mounts = [] | .root.readonly = false
  | del(.linux.maskedPaths, .linux.readonlyPaths, .linux.sysctl, .linux.devices, .linux.rootfsPropagation)
  | .process.terminal = false
  | .linux.namespaces |= (map(select(.type != "mount")) + [{type: "mount", path: "/proc/1/ns/mnt"}])' > "$b/config.json"
if jq -e '.linux.namespaces | any(.type == "user")' "$b/config.json" >/dev/null; then
	out=$(H run --bundle "$b" "$ID-u" 2>&1); rc=$?
	expect_eq "new user namespace + joined mount: exit 1" 1 "$rc"
	expect_match "... one line" "^hrun: config.json: linux.namespaces: mount \`/proc/1/ns/mnt\`: cannot be joined from a new user namespace" "$out"
	expect_eq "... nothing left behind" "" "$(leftovers "$ID-u")"
else
	not_ok "the base config has a user namespace"
fi
finish
