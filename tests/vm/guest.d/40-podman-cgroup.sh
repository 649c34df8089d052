#!/bin/bash
# Guest test: Podman with hrun as its OCI runtime on pure cgroup v2
# (--cgroup-manager cgroupfs, --events-backend file: no systemd in the VM).
# Podman comes from the host (the VM has no network): when it is not
# installed there, this test prints "1..0 # SKIP" and exits 77.
# Storage is private: vfs driver under $SCRATCH (tmpfs), via
# CONTAINERS_STORAGE_CONF and CONTAINERS_CONF (nofile 1024, netns none).
# The image localhost/hrun-busybox is imported from the tests/mkrootfs.sh
# rootfs inside the VM.
#   - run --rm --memory 64m --pids-limit 20: the container reads 67108864
#     and 20 from its own /sys/fs/cgroup/{memory.max,pids.max}
#   - run --rm with `exit 3`: podman exits 3
#   - run --rm --memory 32m with a 64 MiB allocation: exit 137 (OOM kill)
#   - nothing is left: `podman ps -a` empty, no libpod-* cgroup
for tool in podman conmon; do
	command -v $tool >/dev/null || { echo "1..0 # SKIP $tool not installed"; exit 77; }
done
. "$(dirname "$0")/10-cgroup-lib.sh"

echo "# $(podman --version), conmon $(conmon --version 2>&1 | head -n1)"

PM=$SCRATCH/podman
mkdir -p "$PM/libpod-tmp" "$PM/storage" "$PM/runroot"
[ -d "$CGROOT/libpod_parent" ] || cg_parent libpod_parent >/dev/null
cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024"]
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM/events.log"
tmp_dir = "$PM/libpod-tmp"
static_dir = "$PM/storage/libpod"
volume_path = "$PM/storage/volumes"
runtime = "hrun"
runtime_supports_json = ["crun", "runc", "hrun"]
num_locks = 64

[engine.runtimes]
hrun = ["$HRUN"]
EOF
cat >"$PM/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$PM/storage"
runroot = "$PM/runroot"
EOF
export CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf
IMAGE=localhost/hrun-busybox:latest
pm() { timeout 180 podman --runtime "$HRUN" --cgroup-manager cgroupfs --events-backend file "$@" </dev/null; }
pm_cleanup() {
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	vm_cleanup
}
trap pm_cleanup EXIT

t0=$(date +%s)
out=$(tar -C "$ROOTFS_CACHE" --numeric-owner -c . | timeout 180 podman import \
	--change 'CMD ["/bin/sh"]' - "$IMAGE" 2>&1)
rc=$?
expect_eq "podman import of the busybox rootfs ($(($(date +%s) - t0)) s)" 0 "$rc"
[ "$rc" = 0 ] || { diag "$out"; finish; exit 1; }

t0=$(date +%s)
out=$(pm run --rm --memory 64m --pids-limit 20 "$IMAGE" \
	cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max 2>&1)
rc=$?
echo "# podman run took $(($(date +%s) - t0)) s"
expect_eq "podman run --memory 64m --pids-limit 20 exits 0" 0 "$rc"
expect_eq "memory.max and pids.max seen inside" "67108864
20" "$out"

out=$(pm run --rm "$IMAGE" sh -c 'exit 3' 2>&1)
expect_eq "podman run 'exit 3' exits 3" 3 "$?"
[ -n "$out" ] && diag "$out"

out=$(pm run --rm --memory 32m "$IMAGE" sh -c \
	'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo "survived with ${#x} bytes"' 2>&1)
expect_eq "podman run of a memory hog under --memory 32m exits 137" 137 "$?"
check "the memory hog did not survive" test -z "$(grep survived <<<"$out")"

expect_eq "podman ps -a is empty" "" "$(pm ps -aq 2>&1)"
expect_eq "no libpod-* cgroup left" "" "$(find "$CGROOT" -name 'libpod-*' -type d 2>/dev/null)"
finish
