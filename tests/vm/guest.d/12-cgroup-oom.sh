#!/bin/bash
# Guest test: memory.max is enforced on hrun containers.
# A container (base config, user namespace) with memory.limit = swap = 32M
# whose init shell builds a 64 MiB string must be OOM-killed:
#   - `hrun run` (foreground) exits 137 (128 + SIGKILL), the container's
#     cgroup is removed afterwards, and the parent /sys/fs/cgroup/
#     hrun-vmtest-oom counts the kill (memory.events is hierarchical)
#   - with create/start, once `hrun state` says "stopped", the host side of
#     the container's own cgroup (absolute cgroupsPath /hrun-vmtest-oom/oom2)
#     has memory.events oom_kill 1 and memory.max 33554432; delete removes it.
. "$(dirname "$0")/10-cgroup-lib.sh"

P=$(cg_parent hrun-vmtest-oom)
HOG='x=$(head -c 67108864 /dev/zero | tr "\0" a); echo "survived with ${#x} bytes"'
LIMIT='{memory: {limit: 33554432, swap: 33554432}, devices: [{allow: false, access: "rwm"}]}'

# 1. foreground run: exit code
b=$(bundle oom1 ".linux.cgroupsPath = \"/hrun-vmtest-oom/oom1\" | .linux.resources = $LIMIT" sh -c "$HOG")
t0=$(date +%s)
out=$(hr run --bundle "$b" oom1 </dev/null 2>&1)
rc=$?
echo "# foreground run took $(($(date +%s) - t0))s: $out"
expect_eq "run of the memory hog exits 137 (SIGKILL)" 137 "$rc"
check "no 'survived' output" test "${out#*survived}" = "$out"
check "run removed the cgroup $P/oom1" test ! -e "$P/oom1"
kills1=$(kv "$P/memory.events" oom_kill)
check "parent memory.events oom_kill ${kills1:-none} >= 1 (hierarchical)" test "${kills1:-0}" -ge 1

# 2. create/start: read the container's own cgroup before delete
b=$(bundle oom2 ".linux.cgroupsPath = \"/hrun-vmtest-oom/oom2\" | .linux.resources = $LIMIT" sh -c "$HOG")
hr create --bundle "$b" oom2 </dev/null >"$b/out" 2>&1
expect_eq "create exits 0" 0 "$?"
expect_eq "created: state" created "$(state_of oom2)"
expect_eq "memory.max on the host side" 33554432 "$(rd "$P/oom2/memory.max")"
hr start oom2 </dev/null
expect_eq "start exits 0" 0 "$?"
check "container stops (OOM kill) within 60 s" wait_status oom2 stopped 600
expect_eq "host $P/oom2/memory.events oom_kill" 1 "$(kv "$P/oom2/memory.events" oom_kill)"
expect_re "host memory.events oom >= 1" '^[1-9]' "$(kv "$P/oom2/memory.events" oom)"
out=$(<"$b/out")
check "no 'survived' output" test "${out#*survived}" = "$out"
hr delete oom2
expect_eq "delete (stopped) exits 0" 0 "$?"
check "delete removed $P/oom2" test ! -e "$P/oom2"
kills2=$(kv "$P/memory.events" oom_kill)
check "parent oom_kill grew ($kills1 -> ${kills2:-none})" test "${kills2:-0}" -gt "${kills1:-0}"
finish
