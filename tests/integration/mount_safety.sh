#!/bin/bash
# Mount destinations are resolved inside the rootfs: a symlink in the
# rootfs that points at / or at ../.. must not put a mount on the host.
. "$(dirname "$0")/lib.sh"

# a private copy of the rootfs we can plant symlinks in
make_rootfs
EVIL=$T/evil-rootfs
cp -a "$ROOTFS_CACHE" "$EVIL"
# owned by the root of the test user namespace, as a userns rootfs is
chown -R 100000:100000 "$EVIL"
ln -s / "$EVIL/abs-escape"
ln -s ../../../../../../.. "$EVIL/rel-escape"
ln -s /etc "$EVIL/etc-link"
mkdir -p "$T/marker-src" && echo planted > "$T/marker-src/file"
B=$T/evil && mkdir -p "$B" && ln -s "$EVIL" "$B/rootfs"
host_mounts_before=$(grep -c "$T" /proc/self/mountinfo)

try_mount() { # try_mount ID DESTINATION
	"$HRUN_SRC/tests/base-config.sh" | jq --arg d "$2" --arg s "$T/marker-src" \
		'.mounts += [{destination: $d, type: "bind", source: $s, options: ["bind", "ro"]}] | .process.args = ["sh", "-c", "cat " + $d + "/file"]' \
		> "$B/config.json"
	"$HRUN" --root "$ROOT" run --bundle "$B" "$1" 2>&1
}

out=$(try_mount esc1 /abs-escape/hrun-escaped)
expect_eq "a destination through a symlink to / lands inside the rootfs" "planted" "$out"
check "... the mount point was created inside the rootfs" test -d "$EVIL/hrun-escaped"
check "... and not on the host" test ! -e /hrun-escaped

out=$(try_mount esc2 /rel-escape/tmp/hrun-escaped2)
expect_eq "a destination through a ../.. symlink lands inside the rootfs" "planted" "$out"
check "... the host has no /tmp/hrun-escaped2" test ! -e /tmp/hrun-escaped2

out=$(try_mount esc3 /etc-link/hrun-escaped3)
expect_eq "a destination through a symlink to /etc stays in the rootfs's /etc" "planted" "$out"
check "... the host's /etc is untouched" test ! -e /etc/hrun-escaped3
check "... the rootfs's /etc got the mount point" test -d "$EVIL/etc/hrun-escaped3"

expect_eq "no mount is left on the host" "$host_mounts_before" "$(grep -c "$T" /proc/self/mountinfo)"

# process.cwd through an escaping symlink stays inside too
"$HRUN_SRC/tests/base-config.sh" | jq '.process.cwd = "/abs-escape/etc" | .process.args = ["sh", "-c", "pwd; cat hostname"]' > "$B/config.json"
out=$(HRUN_X=1 "$HRUN" --root "$ROOT" run --bundle "$B" cwd1 2>&1)
expect_match "a cwd through a symlink to / resolves inside the rootfs" "hrun-test" "$out"
# per-mount propagation survives pivot_root: an rshared bind of a shared
# host mount is still shared inside (the old root, not the new one, is made
# rslave before it is detached)
SH=$T/shared-src
mkdir -p "$SH"
if mount --bind "$SH" "$SH" && mount --make-shared "$SH"; then
	PB=$(new_bundle prop ".mounts += [{destination: \"/tmp/m\", type: \"bind\", source: \"$SH\", options: [\"rbind\", \"rshared\"]}, {destination: \"/tmp/p\", type: \"bind\", source: \"$SH\", options: [\"rbind\", \"rprivate\"]}]")
	out=$(hrun_run "$PB" "prop-$RANDOM" cat /proc/self/mountinfo)
	expect_match "an rshared bind mount is shared inside the container" " /tmp/m [^ ]+ .*shared:[0-9]+" "$(printf '%s\n' "$out" | grep ' /tmp/m ')"
	expect_eq "an rprivate one has no propagation" "" "$(printf '%s\n' "$out" | grep ' /tmp/p ' | grep -Eo 'shared:|master:')"
	umount "$SH"
else
	not_ok "make a shared bind mount on the host for the propagation test"
fi
finish
