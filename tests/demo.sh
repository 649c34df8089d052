#!/bin/bash
# demo.sh: install dependencies, build hrun, make a default bundle (busybox
# from Debian's busybox-static as rootfs, config from `hrun spec`) and run a
# hardened container in it: non-root user, no capabilities, read-only root,
# tmpfs /tmp and /run, no_new_privs, seccomp filter, every namespace new.
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"
[ "$(id -u)" = 0 ] || exec sudo -E "$0" "$@"
"$SRC/tests/deps.sh"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
HRUN=$SRC/build/hrun
DEMO=$SRC/demo
if [ ! -x "$DEMO/rootfs/bin/busybox" ]; then
	"$SRC/tests/mkrootfs.sh" "$DEMO/rootfs" >/dev/null
fi
# hosts whose cgroup v2 hierarchy lacks memory/cpu/pids (hybrid cgroups)
# cannot apply the limits: say so and leave them out
LIMITS=""
CG=/sys/fs/cgroup
[ "$(stat -f -c %T $CG)" = cgroup2fs ] || CG=/sys/fs/cgroup/unified
for c in memory pids cpu; do
	grep -qw "$c" "$CG/cgroup.controllers" 2>/dev/null || LIMITS=--no-limits
done
[ -n "$LIMITS" ] && echo "demo: no memory/cpu/pids controllers in $CG: running without limits" >&2
rm -f "$DEMO/config.json"
DEMO_SCRIPT='echo "hello from a hardened container"; id
grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status
touch /file-in-root 2>&1 | sed "s/^/read-only root: /"
echo ok > /tmp/t && echo "/tmp is a writable tmpfs"
echo "network interfaces: $(ls /sys/class/net)"'
HRUN_PROFILES=$SRC/profiles "$HRUN" spec --bundle "$DEMO" $LIMITS -- sh -c "$DEMO_SCRIPT"
"$HRUN" check --bundle "$DEMO" --fail-on high
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO "$HRUN" run --bundle "$DEMO" "hrun-demo-$$"
