# Shared helpers for hrun's attack tests (sourced, bash): the integration
# helpers, with the binary under attack replaced by a COPY in the test's
# private directory (an attack that writes to it cannot damage the build).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
cp "$HRUN" "$T/hrun" && chmod 755 "$T/hrun" || { echo "Bail out! cannot copy $HRUN"; exit 1; }
HRUN=$T/hrun
H() { "$HRUN" --root "$ROOT" "$@"; }
# a unique id prefix: parallel runs on one host share the cgroup tree
ID=atk$$r$RANDOM

# wait_running ID: the container's init has exec'd its program
wait_running() {
	local i
	for i in $(seq 100); do
		[ "$(H state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
		sleep 0.05
	done
	return 1
}

# The sha256 of the copy before any attack: the verdict of the sealed-binary
# attacks (exe_loader, pidns_watcher, own_exe).
HRUN_SUM=$(sha256sum < "$HRUN")
binary_unchanged() { [ "$(sha256sum < "$HRUN")" = "$HRUN_SUM" ]; }

# the hostile program (tests/attacks/evil.c): freestanding, static
build_evil() {
	gcc -O1 -static -nostdlib -ffreestanding -fno-builtin -fno-stack-protector \
		-fno-pie -no-pie -o "$T/evil" "$HRUN_SRC/tests/attacks/evil.c"
}

# evil_rootfs DIR: the busybox rootfs plus the image's own "dynamic
# loader" /lib64/ld-linux-x86-64.so.2 (evil) and /bin/evil, a script
# `#!/proc/self/exe`: executing it makes the kernel run the binary of the
# process calling execve (hrun's) with the image's loader.
evil_rootfs() {
	make_rootfs
	cp -a "$ROOTFS_CACHE" "$1"
	mkdir -p "$1/lib64"
	cp "$T/evil" "$1/lib64/ld-linux-x86-64.so.2"
	printf '#!/proc/self/exe\n' > "$1/bin/evil"
	chmod 755 "$1/bin/evil" "$1/lib64/ld-linux-x86-64.so.2"
}

# the engines' default (Podman, containerd): no user namespace, root in the
# container with no capabilities, no_new_privs, default seccomp, read-only
# root; jq filter on top of the tests' base config
ENGINE_DEFAULT='del(.linux.uidMappings, .linux.gidMappings)
  | .linux.namespaces |= map(select(.type != "user"))
  | .process.user = {uid: 0, gid: 0}'

# wait_done FILE [SECONDS]: until evil printed its last line
wait_done() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		grep -q '^evil: DONE' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
