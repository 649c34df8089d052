#!/bin/bash
# Guest test: the VM really is the pure cgroup v2 system hrun's tests need.
#   - cgroup2 is mounted on /sys/fs/cgroup and no cgroup v1 hierarchy exists
#   - the root's cgroup.subtree_control enables cpuset cpu io memory pids
#   - memory.max is enforced: an allocation beyond 32M in a child cgroup is
#     OOM-killed and counted in memory.events (oom_kill >= 1)
#   - pids.max is enforced: forks beyond the limit fail (pids.events max >= 1)
# Run by guest-suite.sh (see its header for the environment).
set -euo pipefail

fail() { echo "FAIL: $*"; exit 1; }
CG=/sys/fs/cgroup/vmtest-harness-$$
cleanup() {
  if [ -d "$CG" ]; then
    echo 1 > "$CG/cgroup.kill" 2>/dev/null || true
    for _ in $(seq 50); do rmdir "$CG" 2>/dev/null && break; sleep 0.1; done
  fi
}
trap cleanup EXIT

# ---- mounts ----------------------------------------------------------------
fstype=$(awk '$2 == "/sys/fs/cgroup" { t = $3 } END { print t }' /proc/self/mounts)
[ "$fstype" = cgroup2 ] || fail "/sys/fs/cgroup is '$fstype', want cgroup2"
if awk '$3 == "cgroup" { found = 1 } END { exit !found }' /proc/self/mounts; then
  fail "a cgroup v1 hierarchy is mounted"
fi
echo "cgroup2 on /sys/fs/cgroup, no v1 mounts"

# ---- controllers -----------------------------------------------------------
sc=$(cat /sys/fs/cgroup/cgroup.subtree_control)
echo "root subtree_control: $sc"
for c in cpuset cpu io memory pids; do
  [[ " $sc " == *" $c "* ]] || fail "controller $c not enabled at the root"
done

# ---- memory.max + OOM kill -------------------------------------------------
mkdir "$CG"
for f in memory.max pids.max cpu.max io.max cpuset.cpus; do
  [ -e "$CG/$f" ] || fail "child cgroup lacks $f"
done
echo 32M > "$CG/memory.max"
[ "$(cat "$CG/memory.max")" = 33554432 ] || fail "memory.max reads $(cat "$CG/memory.max")"
# no swap in the VM, but make sure the limit cannot be dodged if there is one
[ -e "$CG/memory.swap.max" ] && echo 0 > "$CG/memory.swap.max"

# The shell joins the cgroup, then execs busybox sh, which builds a 64 MiB
# string in memory: twice the limit, so the OOM killer must end it.
set +e
sh -c 'echo $$ > "$1/cgroup.procs" && exec busybox sh -c '\''x=$(head -c 67108864 /dev/zero | tr "\0" a); echo "survived with ${#x} bytes"'\''' \
  sh "$CG"
rc=$?
set -e
oom_kill=$(awk '$1 == "oom_kill" { print $2 }' "$CG/memory.events")
echo "allocation exit=$rc, memory.events oom_kill=$oom_kill"
[ "$rc" -ne 0 ] || fail "64M allocation under memory.max=32M succeeded"
[ "${oom_kill:-0}" -ge 1 ] || fail "memory.events oom_kill=$oom_kill, want >= 1"

# ---- pids.max --------------------------------------------------------------
# The OOM victim is gone, so the cgroup is empty again. Start 8 sleepers in it
# under pids.max=4: at most 4 tasks can exist, the other forks must fail.
# Their output goes to /dev/null so that no leftover holds our pipe open.
echo 4 > "$CG/pids.max"
sh -c 'echo $$ > "$1/cgroup.procs" || exit 99
       for i in 1 2 3 4 5 6 7 8; do sleep 60 > /dev/null 2>&1 & done' sh "$CG" \
  > /dev/null 2>&1 || true
ntasks=$(wc -l < "$CG/cgroup.procs")
pids_max_hits=$(awk '$1 == "max" { print $2 }' "$CG/pids.events")
echo "pids.max=4: $ntasks tasks alive, pids.events max=$pids_max_hits"
echo 1 > "$CG/cgroup.kill"
[ "$ntasks" -le 4 ] || fail "$ntasks tasks in a cgroup with pids.max=4"
[ "${pids_max_hits:-0}" -ge 1 ] || fail "8 forks under pids.max=4 all succeeded"

echo "harness OK"
