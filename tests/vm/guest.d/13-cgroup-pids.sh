#!/bin/bash
# Guest test: pids.max stops fork bombs in hrun containers.
# Container (base config, user namespace) with pids.limit 10, absolute
# cgroupsPath /hrun-vmtest-pids/bomb, init `sleep 600`:
#   - an exec'd `for i in $(seq 50); do sleep 60 & done` hits fork failures
#     ("can't fork"), never finishes the loop; pids.current, the tasks in
#     cgroup.procs (+ threads) stay <= 10 and pids.events max >= 1
#   - delete --force of that full container works and removes the cgroup
#   - a real fork bomb (b() { b | b & }; b) exec'd in the background into a
#     second such container: pids.current stays <= 10 (and reaches it), the
#     host stays responsive (a host command completes within 10 s),
#     `hrun delete --force` ends it within 30 s and removes the cgroup.
. "$(dirname "$0")/10-cgroup-lib.sh"

P=$(cg_parent hrun-vmtest-pids)
CG=$P/bomb
b=$(bundle bomb ".linux.cgroupsPath = \"/hrun-vmtest-pids/bomb\" | .linux.resources.pids = {limit: 10}" sleep 600)
run_detached "$b" bomb
expect_eq "run -d exits 0" 0 "$?"
expect_eq "pids.max on the host side" 10 "$(rd "$CG/pids.max")"

# 1. the sleep loop (the sleeps must not hold our pipe: no EOF until they end)
out=$(timeout 120 "$HRUN" --root "$ROOT" exec bomb sh -c \
	'for i in $(seq 50); do sleep 60 >/dev/null 2>&1 & done; echo spawned-all' </dev/null 2>&1)
rc=$?
echo "# loop: exit $rc, output: ${out//$'\n'/ | }"
check "exec'd loop did not time out" test "$rc" != 124
expect_match "fork failures reported" "can't fork|Resource temporarily unavailable" "$out"
check "loop did not spawn all 50" test "${out#*spawned-all}" = "$out"
cur=$(rd "$CG/pids.current")
procs=$(count_lines "$CG/cgroup.procs")
threads=$(count_lines "$CG/cgroup.threads")
echo "# after the loop: pids.current=$cur cgroup.procs=$procs cgroup.threads=$threads"
check "pids.current $cur <= 10" test "$cur" -le 10
check "cgroup.procs count $procs <= 10" test "$procs" -le 10
check "cgroup.threads count $threads <= 10" test "$threads" -le 10
check "at least 5 sleeps got in (the limit, not something else, stopped it)" test "$procs" -ge 5
max=$(kv "$CG/pids.events" max)
check "pids.events max=$max >= 1" test "${max:-0}" -ge 1

# a stopped fork bomb leaves no cgroup behind
timeout 30 "$HRUN" --root "$ROOT" delete --force bomb </dev/null
expect_eq "delete --force of the full container exits 0" 0 "$?"
check "cgroup $CG removed" test ! -e "$CG"

# 2. a real fork bomb, in a fresh container. Orphans are adopted by the
# container's init (sleep, which does not reap), so the bomb ends up as
# zombies, which still count in pids.current (not in cgroup.procs).
CG=$P/bomb2
b=$(bundle bomb2 ".linux.cgroupsPath = \"/hrun-vmtest-pids/bomb2\" | .linux.resources.pids = {limit: 10}" sleep 600)
run_detached "$b" bomb2
expect_eq "bomb2: run -d exits 0" 0 "$?"
"$HRUN" --root "$ROOT" exec bomb2 sh -c 'b() { b | b & }; b; sleep 600' </dev/null >"$T/bomb.out" 2>&1 &
bomb_pid=$!
peak=0
for ((i = 0; i < 15; i++)); do
	sleep 0.2
	n=$(rd "$CG/pids.current")
	[ "$n" -gt "$peak" ] && peak=$n
done
echo "# fork bomb: peak pids.current $peak, pids.events $(rd "$CG/pids.events"), $(count_lines "$CG/cgroup.procs") in cgroup.procs"
check "fork bomb: pids.current peak $peak <= 10" test "$peak" -le 10
check "fork bomb: pids.current reached the limit" test "$peak" -ge 9
max=$(kv "$CG/pids.events" max)
check "bomb2 pids.events max=$max >= 1" test "${max:-0}" -ge 1
t0=$(now_ms)
check "host responsive during the bomb" timeout 10 sh -c 'echo ok >/dev/null; ls / >/dev/null'
echo "# host command took $(($(now_ms) - t0)) ms"
t0=$(date +%s)
timeout 30 "$HRUN" --root "$ROOT" delete --force bomb2 </dev/null
expect_eq "delete --force during the bomb exits 0" 0 "$?"
echo "# delete --force took $(($(date +%s) - t0)) s"
check "cgroup $CG removed" test ! -e "$CG"
timeout 10 tail --pid="$bomb_pid" -f /dev/null
check "the hrun exec of the bomb returned" test $? = 0
wait "$bomb_pid" 2>/dev/null
out=$(<"$T/bomb.out")
echo "# bomb exec output: ${out//$'\n'/ | }"
finish
