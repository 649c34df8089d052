#!/bin/bash
# Bind sources and config.json against a hostile bundle:
#  - a relative source that climbs out of the bundle (`..`, a symlink in the
#    bundle, a symlinked intermediate directory) is refused, with and
#    without a launch policy, and the container never sees what it named;
#  - an absolute source that reaches /etc through symlinks is judged as
#    /etc by --policy restricted and baseline (and by `hrun check`);
#  - config.json is opened exactly once per command (nothing to swap
#    between two reads); a FIFO or a /dev/zero symlink is refused at once;
#  - `hrun check` exits 2 with exactly run's message for configs run refuses;
#  - a source only the host's root can reach is bound inside a
#    user-namespaced container (the runtime cloned it before clone3).
. "$(dirname "$0")/lib.sh"
export HRUN_PROFILES=$HRUN_SRC/profiles

CG=/sys/fs/cgroup; [ "$(stat -f -c %T $CG)" = cgroup2fs ] || CG=$CG/unified
left_behind() { # left_behind ID: prints what a refused run left
	[ -e "$ROOT/$1" ] && echo "state dir $ROOT/$1"
	[ -e "$CG/hrun/$1" ] && echo "cgroup $CG/hrun/$1"
	grep -F "$1" /proc/self/mountinfo
	true
}

# outside every bundle: what an escape would reach
mkdir -p "$T/outside" && echo "host-secret-$$" > "$T/outside/marker"

# refused ID DESCRIPTION REGEX BUNDLE [POLICY]: `run` fails with exactly
# one line matching REGEX and leaves nothing behind
refused() {
	local id=$1 what=$2 re=$3 b=$4 pol=${5:-}
	local out rc
	out=$(H run ${pol:+--policy "$pol"} --bundle "$b" "$id" 2>&1); rc=$?
	expect_match "$what: refused${pol:+ by --policy $pol}" "$re" "$out"
	expect_eq "... exit status 1, one line" "1 1" "$rc $(printf '%s\n' "$out" | wc -l)"
	check "... the container never saw the host (no marker, no /etc/hostname)" \
		eval '! printf "%s" "$out" | grep -qF "host-secret-$$" && [ "$out" != "$(cat /etc/hostname)" ]'
	expect_eq "... nothing left behind" "" "$(left_behind "$id")"
}

# 1. relative sources that leave the bundle
esc() { # esc NAME SOURCE: a bundle binding SOURCE at /mnt
	new_bundle "$1" ".mounts += [{destination: \"/tmp/mnt\", type: \"bind\", source: \"$2\", options: [\"rbind\", \"ro\"]}]"
}
B1=$(esc rel1 ../../../../../../etc); set_args "$B1" cat /tmp/mnt/hostname
B2=$(esc rel2 etc-link); ln -s /etc "$B2/etc-link"; set_args "$B2" cat /tmp/mnt/hostname
B3=$(esc rel3 lnk/outside); ln -s .. "$B3/lnk"; set_args "$B3" cat /tmp/mnt/marker
B4=$(esc rel4 ../outside); set_args "$B4" cat /tmp/mnt/marker
for pol in "" restricted baseline; do
	n=${pol:-none}
	refused "$ID-1$n" "relative ../../../../../../etc" \
		'^hrun: config.json: mounts\[9\]\.source: `\.\./\.\./\.\./\.\./\.\./\.\./etc` leaves the bundle$' "$B1" "$pol"
	refused "$ID-2$n" "a symlink in the bundle to /etc" \
		'^hrun: config.json: mounts\[9\]\.source: `etc-link` leaves the bundle$' "$B2" "$pol"
	refused "$ID-3$n" "a symlinked intermediate directory (lnk -> ..)" \
		'^hrun: config.json: mounts\[9\]\.source: `lnk/outside` leaves the bundle$' "$B3" "$pol"
	refused "$ID-4$n" "relative ../outside (a marker next to the bundle)" \
		'^hrun: config.json: mounts\[9\]\.source: `\.\./outside` leaves the bundle$' "$B4" "$pol"
done
for b in "$B1" "$B2" "$B3"; do
	out=$(H check --bundle "$b" 2>&1); rc=$?
	expect_match "hrun check --bundle $(basename "$b"): the same refusal" \
		"^hrun: config.json: mounts\[9\]\.source: .* leaves the bundle$" "$out"
	expect_eq "... exit status 2" 2 "$rc"
done

# 2. legitimate relative sources (a directory, a symlink staying inside)
B5=$(esc rel5 data); mkdir "$B5/data" && echo inside-ok > "$B5/data/f"
ln -s data "$B5/inner"
out=$(hrun_run "$B5" "$ID-5" cat /tmp/mnt/f 2>&1)
expect_eq "a relative source inside the bundle is mounted" "inside-ok" "$out"
B6=$(esc rel6 inner/../data); mkdir "$B6/data" && echo inside-ok > "$B6/data/f"; ln -s data "$B6/inner"
out=$(hrun_run "$B6" "$ID-6" cat /tmp/mnt/f 2>&1)
expect_eq "... also through a symlink and .. that stay inside" "inside-ok" "$out"

# 3. absolute sources reaching /etc through symlinks: judged as /etc
ln -s /etc "$T/etc-link"; ln -s / "$T/root-link"
B7=$(esc abs7 "$T/etc-link"); set_args "$B7" cat /tmp/mnt/hostname
B8=$(esc abs8 "$T/root-link/etc"); set_args "$B8" cat /tmp/mnt/hostname
for pol in restricted baseline; do
	refused "$ID-7$pol" "absolute symlink to /etc" \
		"^hrun: policy \`$pol\` refused \`.*config.json\`: HR-MOUNT-HOST-PATH \(mounts\[9\] $T/etc-link -> /etc\)$" "$B7" "$pol"
	refused "$ID-8$pol" "absolute path through a symlinked directory (root-link/etc)" \
		"^hrun: policy \`$pol\` refused \`.*config.json\`: HR-MOUNT-HOST-PATH \(mounts\[9\] $T/root-link/etc -> /etc\)$" "$B8" "$pol"
done
out=$(H check --bundle "$B7" --format json | jq -r '.findings[] | select(.rule == "HR-MOUNT-HOST-PATH") | .path + " " + .message')
expect_eq "hrun check --bundle judges the symlink as /etc" \
	"mounts[9] host \`$T/etc-link -> /etc\` is bind-mounted read-only" "$out"
# without a policy an absolute source is the operator's choice: it is the
# resolved /etc that is mounted
out=$(hrun_run "$B7" "$ID-7none" cat /tmp/mnt/hostname 2>&1)
expect_eq "without a policy the resolved source is mounted" "$(cat /etc/hostname)" "$out"

# 4. config.json read once: one open per command (strace)
B9=$(new_bundle once)
set_args "$B9" true
# opens for reading (the state dir's snapshot of the config is written once)
opens() { grep 'config\.json"' "$1" | grep -vc O_WRONLY; }
strace -f -qq -e trace=open,openat,openat2 -o "$T/run.trace" "$HRUN" --root "$ROOT" run --bundle "$B9" "$ID-9"
expect_eq "hrun run opens config.json exactly once" 1 "$(opens "$T/run.trace")"
strace -f -qq -e trace=open,openat,openat2 -o "$T/check.trace" "$HRUN" check --bundle "$B9" >/dev/null
expect_eq "hrun check opens config.json exactly once" 1 "$(opens "$T/check.trace")"
strace -f -qq -e trace=open,openat,openat2 -o "$T/pol.trace" "$HRUN" --root "$ROOT" run --policy restricted --bundle "$B9" "$ID-9p"
expect_eq "hrun run --policy restricted opens config.json exactly once" 1 "$(opens "$T/pol.trace")"
grep 'config\.json"' "$T/run.trace" | sed 's/^/# /'
expect_match "... with O_NONBLOCK" "O_RDONLY.*O_NONBLOCK" "$(grep 'config\.json"' "$T/run.trace" | grep -v O_WRONLY)"

# 5. a FIFO or /dev/zero as config.json: refused at once, nothing left
B10=$T/fifo; mkdir -p "$B10"; ln -s "$ROOTFS_CACHE" "$B10/rootfs"; mkfifo "$B10/config.json"
B11=$T/zero; mkdir -p "$B11"; ln -s "$ROOTFS_CACHE" "$B11/rootfs"; ln -s /dev/zero "$B11/config.json"
for b in "$B10" "$B11"; do
	for cmd in run create check; do
		id=$ID-$(basename "$b")$cmd
		if [ $cmd = check ]; then
			out=$(timeout 5 "$HRUN" check --bundle "$b" 2>&1); rc=$?
		else
			out=$(timeout 5 "$HRUN" --root "$ROOT" $cmd --bundle "$b" "$id" 2>&1); rc=$?
		fi
		expect_eq "$(basename "$b") config.json: $cmd refuses at once (exit, no timeout)" \
			"$([ $cmd = check ] && echo 2 || echo 1)" "$rc"
		expect_eq "... one line: not a regular file" "hrun: \`$b/config.json\`: not a regular file" "$out"
		expect_eq "... nothing left behind" "" "$(left_behind "$id")"
	done
done

# 6. check exits 2 with exactly run's message for every config run refuses
for f in "$HRUN_SRC"/tests/unit/data/check-refused/*.json; do
	n=$(basename "$f" .json)
	b=$T/refused-$n; mkdir -p "$b"; ln -s "$ROOTFS_CACHE" "$b/rootfs"; cp "$f" "$b/config.json"
	run_err=$(H run --bundle "$b" "$ID-r$n" 2>&1 >/dev/null); run_rc=$?
	check_err=$(H check --bundle "$b" 2>&1 >/dev/null); check_rc=$?
	expect_eq "$n: run refuses it (exit 1)" 1 "$run_rc"
	expect_eq "$n: check exits 2 with exactly run's message" "2 $run_err" "$check_rc $check_err"
	expect_eq "$n: nothing left behind" "" "$(left_behind "$ID-r$n")"
done

# 7. a source only the host's root can reach, in a user-namespaced container
# (uid 0 in it is host uid 100000: it could not even look the path up)
mkdir -m 0700 "$T/rootonly" && mkdir -m 0755 "$T/rootonly/pub" && echo root-only-ok > "$T/rootonly/pub/f"
chmod 0644 "$T/rootonly/pub/f"
B12=$(new_bundle priv ".mounts += [{destination: \"/tmp/mnt\", type: \"bind\", source: \"$T/rootonly/pub\", options: [\"rbind\", \"ro\"]}] | .process.user.uid = 0 | .process.user.gid = 0")
out=$(hrun_run "$B12" "$ID-12" sh -c 'cat /tmp/mnt/f; grep -Eq "^ *0 +100000 " /proc/self/uid_map && echo userns; touch /tmp/mnt/x 2>&1 | grep -o "Read-only"' 2>&1)
expect_eq "a 0700 root-only source is bound in a userns container (read-only)" \
	"root-only-ok userns Read-only" "$(printf '%s' "$out" | tr '\n' ' ' | sed 's/ $//')"
out=$(hrun_run "$B12" "$ID-12b" sh -c "grep ' /tmp/mnt ' /proc/self/mountinfo" 2>&1)
printf '# %s\n' "$out"
# (the clone of a shared host mount would join its peer group: made a slave)
check "... the bind is never shared with the host" eval '! printf "%s" "$out" | grep -q "shared:"'

# 8. a source on a SHARED mount: the clone the runtime made joins no peer
# group of the host's; it is a slave (in a private mount namespace of this
# test, so the host's mounts are untouched)
mkdir -p "$T/shared"
B13=$(new_bundle shmb ".mounts += [{destination: \"/tmp/mnt\", type: \"bind\", source: \"$T/shared/d\", options: [\"rbind\"]}]")
set_args "$B13" sh -c "grep ' /tmp/mnt ' /proc/self/mountinfo"
out=$(unshare -m sh -c 'mount -t tmpfs -o mode=755 tmpfs "$1/shared" && mount --make-shared "$1/shared" && mkdir "$1/shared/d" &&
	grep " $1/shared " /proc/self/mountinfo | sed "s/^/# host: /" >&2 && "$2" --root "$3" run --bundle "$4" "$5"' sh "$T" "$HRUN" "$ROOT" "$B13" "$ID-13" 2>&1)
printf '# %s\n' "$out"
expect_match "a bind of a shared host mount is its slave in the container" " /tmp/mnt .* master:[0-9]+ " "$out"
check "... and not in its peer group (nothing propagates back to the host)" eval '! printf "%s" "$out" | grep " /tmp/mnt " | grep -q "shared:"'

# 9. the host's flags on a bind source stay LOCKED in a user namespace: a
# container root with CAP_SYS_ADMIN and no seccomp filter cannot remount
# its bind of a nosuid,nodev,noexec,ro host mount without them (a tree
# cloned by the runtime would not be locked: the init clones its own)
mkdir -p "$T/locked"
B14=$(new_bundle lockb ".mounts += [{destination: \"/tmp/mnt\", type: \"bind\", source: \"$T/locked/d\", options: [\"rbind\"]}]
	| .process.user = {uid: 0, gid: 0} | del(.linux.seccomp)
	| .process.capabilities = {bounding: [\"CAP_SYS_ADMIN\"], effective: [\"CAP_SYS_ADMIN\"], permitted: [\"CAP_SYS_ADMIN\"]}")
set_args "$B14" sh -c 'grep " /tmp/mnt " /proc/self/mountinfo | cut -d" " -f6; mount -o remount,bind,rw,exec,suid,dev /tmp/mnt 2>&1 && echo remount-ok; umount /tmp/mnt 2>&1 && echo umount-ok; true'
out=$(unshare -m sh -c 'mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs "$1/locked" && mkdir "$1/locked/d" && mount -o remount,ro,nosuid,nodev,noexec "$1/locked" &&
	"$2" --root "$3" run --bundle "$4" "$5"' sh "$T" "$HRUN" "$ROOT" "$B14" "$ID-14" 2>&1)
printf '# %s\n' "$out"
expect_match "the bind carries the host's ro,nosuid,nodev,noexec" "^ro,nosuid,nodev,noexec" "$out"
check "... and the container root cannot remount it without them (locked)" eval '! printf "%s" "$out" | grep -q remount-ok'
finish
