#!/bin/bash
# Mount options of runtime-spec 1.1/1.2 in real containers: every recursive
# option (mount_setattr AT_RECURSIVE) seen on a submount in the container's
# /proc/self/mountinfo, nosymfollow, and idmapped bind mounts (idmap,
# ridmap, with the mount's own mapping and with the container's), looked at
# from inside (owners) and from the host (the files keep theirs, a file
# written inside is owned by the mapped-back id). Bad values: one line,
# nothing left behind.
. "$(dirname "$0")/lib.sh"

HOSTMOUNTS=()
cleanup_mounts() {
	for m in "${HOSTMOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	cleanup_all
}
trap cleanup_mounts EXIT
host_mount() { # host_mount DIR OPTIONS: a tmpfs on DIR, unmounted on exit
	mkdir -p "$1" && mount -t tmpfs -o "$2" tmpfs "$1" && HOSTMOUNTS+=("$1")
}
mounts_before=$(grep -c "$T" /proc/self/mountinfo)

# the per-mount options (field 6) of the mount at DEST in MOUNTINFO
mnt_opts() { printf '%s\n' "$1" | awk -v d="$2" '$5 == d { print $6 }' | tail -1; }
has_opt() { # has_opt OPTS NAME
	case ",$1," in *",$2,"*) return 0 ;; esac
	return 1
}
# atime mode as mountinfo shows it: noatime, relatime, or strictatime (neither)
atime_of() {
	if has_opt "$1" noatime; then echo noatime
	elif has_opt "$1" relatime; then echo relatime
	else echo strictatime; fi
}

# ---- recursive options that set a flag: a plain submount gets it --------
# the source tree: a directory with a tmpfs submount carrying no flags
SET=$T/rec-set
mkdir -p "$SET"
host_mount "$SET/sub" "rw,relatime,mode=755" || not_ok "mount the host tmpfs submount"
echo data > "$SET/sub/file" && ln -s file "$SET/sub/link"
# (in a user namespace, as here, the kernel locks the atime mode of the
# host's mounts: the atime options are shown in the next container)
SET_OPTS="rro rnosuid rnodev rnoexec rnosymfollow"
filter='.'
for o in $SET_OPTS; do
	filter="$filter | .mounts += [{destination: \"/tmp/m/$o\", type: \"bind\", source: \"$SET\", options: [\"rbind\", \"$o\"]}]"
done
filter="$filter | .mounts += [{destination: \"/tmp/m/plain\", type: \"bind\", source: \"$SET\", options: [\"rbind\"]}]"
B=$(new_bundle recset "$filter")
mi=$(hrun_run "$B" "recset-$RANDOM" cat /proc/self/mountinfo 2>&1)
printf '%s\n' "$mi" | grep -q ' /tmp/m/' || echo "# $mi"
plain=$(mnt_opts "$mi" /tmp/m/plain/sub)
check "without options the submount is rw, suid, dev, exec, relatime" \
	test "$plain" = "rw,relatime"
for o in $SET_OPTS; do
	sub=$(mnt_opts "$mi" "/tmp/m/$o/sub")
	case $o in
	rro) check "$o: the submount is read-only ($sub)" has_opt "$sub" ro ;;
	*) check "$o: the submount is ${o#r} ($sub)" has_opt "$sub" "${o#r}" ;;
	esac
done
check "the host's submount keeps its own flags" \
	test "$(findmnt -no OPTIONS "$SET/sub" | cut -d, -f1,2)" = "rw,relatime"

# ---- recursive options that clear a flag: a submount that has it --------
# (in a user namespace the host's flags are locked: this container has none)
CLR=$T/rec-clr
mkdir -p "$CLR"
host_mount "$CLR/sub" "ro,nosuid,nodev,noexec,noatime,nodiratime,nosymfollow,mode=755" ||
	not_ok "mount the flagged host tmpfs submount"
CLR_OPTS="rrw rsuid rdev rexec ratime rrelatime rnorelatime rnostrictatime rdiratime rsymfollow"
filter='del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user")) | .process.user = {uid: 0, gid: 0}'
for o in $CLR_OPTS; do
	filter="$filter | .mounts += [{destination: \"/tmp/m/$o\", type: \"bind\", source: \"$CLR\", options: [\"rbind\", \"$o\"]}]"
done
SET_ATIME="rnoatime rnodiratime rstrictatime"
for o in $SET_ATIME; do
	filter="$filter | .mounts += [{destination: \"/tmp/m/$o\", type: \"bind\", source: \"$SET\", options: [\"rbind\", \"$o\"]}]"
done
B=$(new_bundle recclr "$filter")
mi=$(hrun_run "$B" "recclr-$RANDOM" cat /proc/self/mountinfo 2>&1)
printf '%s\n' "$mi" | grep -q ' /tmp/m/' || echo "# $mi"
for o in $CLR_OPTS; do
	sub=$(mnt_opts "$mi" "/tmp/m/$o/sub")
	case $o in
	rrw) check "$o: the submount is writable ($sub)" has_opt "$sub" rw ;;
	ratime | rrelatime | rnorelatime | rnostrictatime)
		expect_eq "$o: the submount is relatime ($sub)" relatime "$(atime_of "$sub")" ;;
	*) check "$o: the submount lost no${o#r} ($sub)" eval '! has_opt "$sub" no${o#r}' ;;
	esac
done
for o in $SET_ATIME; do
	sub=$(mnt_opts "$mi" "/tmp/m/$o/sub")
	case $o in
	rnoatime) expect_eq "$o: the submount is noatime ($sub)" noatime "$(atime_of "$sub")" ;;
	rstrictatime) expect_eq "$o: the submount is strictatime ($sub)" strictatime "$(atime_of "$sub")" ;;
	rnodiratime) check "$o: the submount is nodiratime ($sub)" has_opt "$sub" nodiratime ;;
	esac
done
check "the host's submount is still ro,nosuid,nodev,noexec" \
	test "$(findmnt -no OPTIONS "$CLR/sub" | cut -d, -f1-4)" = "ro,nosuid,nodev,noexec"

# ---- ro then rrw, rro after rw: the recursive option comes last ----------
B=$(new_bundle order ".mounts += [{destination: \"/tmp/a\", type: \"bind\", source: \"$SET\", options: [\"rbind\", \"ro\", \"rrw\"]}, {destination: \"/tmp/b\", type: \"bind\", source: \"$SET\", options: [\"rbind\", \"rw\", \"rro\"]}]")
mi=$(hrun_run "$B" "order-$RANDOM" cat /proc/self/mountinfo 2>&1)
check "ro,rrw: the top of the tree is writable" has_opt "$(mnt_opts "$mi" /tmp/a)" rw
check "rw,rro: the top of the tree is read-only" has_opt "$(mnt_opts "$mi" /tmp/b)" ro

# ---- nosymfollow on the bind itself, rnosymfollow on a submount ----------
B=$(new_bundle nsf ".mounts += [{destination: \"/tmp/n\", type: \"bind\", source: \"$SET/sub\", options: [\"bind\", \"nosymfollow\"]}, {destination: \"/tmp/r\", type: \"bind\", source: \"$SET\", options: [\"rbind\", \"rnosymfollow\"]}, {destination: \"/tmp/f\", type: \"bind\", source: \"$SET\", options: [\"rbind\"]}]")
out=$(hrun_run "$B" "nsf-$RANDOM" sh -c 'cat /tmp/n/link; echo "rc=$?"; cat /tmp/r/sub/link; echo "rc=$?"; cat /tmp/f/sub/link; readlink /tmp/n/link' 2>&1)
expect_match "nosymfollow: following a symlink fails with ELOOP" "n/link.*(symbolic links|link loop)" "$out"
expect_match "rnosymfollow: so does one on the submount" "r/sub/link.*(symbolic links|link loop)" "$out"
expect_match "... without it the link is followed, and readlink still works" "^data$" "$(printf '%s\n' "$out" | grep -v rc= | tail -2 | head -1)"
expect_eq "... readlink" "file" "$(printf '%s\n' "$out" | tail -1)"

# ---- idmapped mounts --------------------------------------------------------
# the source: a directory owned by host 1000 holding a file of host root,
# and a tmpfs submount (tmpfs can be idmapped since Linux 6.3)
ID=$T/idm
mkdir -p "$ID"
echo host > "$ID/rootfile" && chown 0:0 "$ID/rootfile"
echo mine > "$ID/userfile" && chown 1000:1000 "$ID/userfile"
chown 1000:1000 "$ID" && chmod 755 "$ID"
host_mount "$ID/sub" "mode=755" || not_ok "mount the tmpfs submount to idmap"
chown 0:0 "$ID/sub"

# the mount's own mapping in a container without a user namespace: host
# uid/gid 1000 and 0 swap places
SWAP='[{containerID: 1000, hostID: 0, size: 1}, {containerID: 0, hostID: 1000, size: 1}]'
filter="del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != \"user\")) | .process.user = {uid: 0, gid: 0}"
filter="$filter | .mounts += [{destination: \"/tmp/i\", type: \"bind\", source: \"$ID\", options: [\"rbind\", \"idmap\"], uidMappings: $SWAP, gidMappings: $SWAP}]"
filter="$filter | .mounts += [{destination: \"/tmp/r\", type: \"bind\", source: \"$ID\", options: [\"rbind\", \"ridmap\"], uidMappings: $SWAP, gidMappings: $SWAP}]"
B=$(new_bundle idm "$filter")
out=$(hrun_run "$B" "idm-$RANDOM" sh -c 'stat -c "%n %u:%g" /tmp/i /tmp/i/rootfile /tmp/i/userfile /tmp/i/sub /tmp/r/sub; echo new > /tmp/i/created && echo written' 2>&1)
expect_eq "idmap with uidMappings: the owners inside are mapped" \
	"/tmp/i 0:0 /tmp/i/rootfile 1000:1000 /tmp/i/userfile 0:0" "$(printf '%s\n' "$out" | head -3 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "idmap: the submount of the rbind is not idmapped" "/tmp/i/sub 0:0" "$(printf '%s\n' "$out" | sed -n 4p)"
expect_eq "ridmap: the submount is idmapped too" "/tmp/r/sub 1000:1000" "$(printf '%s\n' "$out" | sed -n 5p)"
expect_eq "... a write inside works" "written" "$(printf '%s\n' "$out" | tail -1)"
expect_eq "the host files keep their owners" "0:0 1000:1000 1000:1000" \
	"$(stat -c %u:%g "$ID/rootfile" "$ID/userfile" "$ID" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the file root wrote inside is owned by host 1000 (the mapped-back id)" "1000:1000" \
	"$(stat -c %u:%g "$ID/created" 2>&1)"
rm -f "$ID/created"

# idmap without a mapping: the container's user namespace mapping (host
# 100000+N shows as N inside, so on-disk ids show unchanged)
filter=".mounts += [{destination: \"/tmp/i\", type: \"bind\", source: \"$ID\", options: [\"bind\", \"idmap\"]}, {destination: \"/tmp/p\", type: \"bind\", source: \"$ID\", options: [\"rbind\"]}]"
B=$(new_bundle idmu "$filter")
out=$(hrun_run "$B" "idmu-$RANDOM" sh -c 'stat -c "%u:%g" /tmp/i/rootfile /tmp/i/userfile /tmp/p/userfile; id -u; echo new > /tmp/i/created && echo written' 2>&1)
expect_eq "idmap in a user namespace: the on-disk owners show inside" "0:0 1000:1000" \
	"$(printf '%s\n' "$out" | head -2 | tr '\n' ' ' | sed 's/ $//')"
expect_eq "... without idmap they are unmapped (overflow id)" "65534:65534" "$(printf '%s\n' "$out" | sed -n 3p)"
expect_eq "... the container user 1000 writes into its directory" "written" "$(printf '%s\n' "$out" | tail -1)"
expect_eq "... and the host sees the file owned by 1000, not 101000" "1000:1000" "$(stat -c %u:%g "$ID/created" 2>&1)"
rm -f "$ID/created"

# ---- bad values: one line, exit 1, nothing left behind ----------------------
B=$(new_bundle bad)
GOOD=$(cat "$B/config.json")
bad() { # bad DESCRIPTION REGEX JQ-FILTER
	local out rc
	printf '%s' "$GOOD" | jq "$3" > "$B/config.json"
	out=$("$HRUN" --root "$ROOT" run --bundle "$B" bad-1 2>&1); rc=$?
	expect_eq "$1: exit 1" "1" "$rc"
	expect_match "$1: message" "$2" "$out"
	expect_eq "$1: one line" "1" "$(printf '%s\n' "$out" | wc -l)"
	check "$1: no state left" test ! -e "$ROOT/bad-1"
}
MAP='[{containerID: 0, hostID: 1000, size: 1}]'
bad "uidMappings without idmap" '^hrun: config.json: mounts\[9\]: uidMappings requires the "idmap" or "ridmap" option$' \
	".mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"$ID\", options: [\"bind\"], uidMappings: $MAP, gidMappings: $MAP}]"
bad "overlapping ranges" '^hrun: config.json: mounts\[9\].uidMappings\[1\]: its containerID range overlaps that of entry 0$' \
	".mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"$ID\", options: [\"bind\", \"idmap\"], uidMappings: [{containerID: 0, hostID: 1000, size: 5}, {containerID: 4, hostID: 2000, size: 1}], gidMappings: $MAP}]"
bad "size 0" '^hrun: config.json: mounts\[9\].gidMappings\[0\].size: must be between 1 and 4294967295, got 0$' \
	".mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"$ID\", options: [\"bind\", \"idmap\"], uidMappings: $MAP, gidMappings: [{containerID: 0, hostID: 1000, size: 0}]}]"
bad "idmap without a mapping or a user namespace" 'mounts\[9\].options: "idmap" without uidMappings/gidMappings takes the container.s user namespace mapping' \
	"del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != \"user\")) | .mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"$ID\", options: [\"bind\", \"idmap\"]}]"
bad "crun's inline idmap syntax" 'mounts\[9\].options\[1\]: "idmap=uids=0-1000-1" is not supported by hrun' \
	".mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"$ID\", options: [\"bind\", \"idmap=uids=0-1000-1\"]}]"
# refused by the kernel: /proc cannot be idmapped
bad "a filesystem that cannot be idmapped" '^hrun: mounts\[9\]: idmap of `/proc`: the kernel refuses to idmap its mount .*: Invalid argument$' \
	".mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"/proc\", options: [\"bind\", \"idmap\"]}]"
# ridmap over a tree holding a submount that cannot be idmapped (proc)
PROCSUB=$T/procsub
mkdir -p "$PROCSUB/proc"
if mount -t proc proc "$PROCSUB/proc"; then
	HOSTMOUNTS+=("$PROCSUB/proc")
	bad "ridmap over a submount that cannot be idmapped" '^hrun: mounts\[9\]: ridmap of `'"$PROCSUB"'`: the kernel refuses to idmap its mount or one below it' \
		".mounts += [{destination: \"/tmp/x\", type: \"bind\", source: \"$PROCSUB\", options: [\"rbind\", \"ridmap\"]}]"
else
	not_ok "mount a proc submount for the ridmap refusal"
fi
check "no cgroup left behind" test -z "$(ls /sys/fs/cgroup/unified/hrun 2>/dev/null | grep bad-1)"

# hrun features: the options and idmap support
feat=$("$HRUN" features)
missing=""
for o in rro rrw rnosuid rsuid rnodev rdev rnoexec rexec rnoatime ratime rrelatime rnorelatime \
	rnodiratime rdiratime rstrictatime rnostrictatime rnosymfollow rsymfollow nosymfollow symfollow idmap ridmap; do
	printf '%s' "$feat" | jq -e --arg o "$o" '.mountOptions | index($o)' >/dev/null || missing="$missing $o"
done
expect_eq "features: mountOptions lists every recursive option, nosymfollow, idmap and ridmap" "" "$missing"
expect_eq "features: mountExtensions.idmap.enabled" "true" "$(printf '%s' "$feat" | jq .linux.mountExtensions.idmap.enabled)"

for m in "${HOSTMOUNTS[@]}"; do umount -l "$m"; done
HOSTMOUNTS=()
expect_eq "no mount is left on the host" "$mounts_before" "$(grep -c "$T" /proc/self/mountinfo)"
finish
