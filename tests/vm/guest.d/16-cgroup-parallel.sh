#!/bin/bash
# Guest test: 20 containers started in parallel (10 with `run -d`, 10 with
# create + start; base config, user namespace) under the absolute
# cgroupsPaths /hrun-vmtest-par/pN with pids.limit 10+N:
#   - every command succeeds, `hrun list` shows 20 running containers
#   - each container has its own cgroup directory holding its init pid and
#     pids.max 10+N (20 distinct directories, 20 distinct pids)
#   - 20 parallel `delete --force` succeed, leave no cgroup directory and
#     an empty `hrun list`
. "$(dirname "$0")/10-cgroup-lib.sh"

N=20
P=$(cg_parent hrun-vmtest-par)
# one jq run for a template, then bash substitutions (exec is slow under TCG)
tmpl=$(bundle par-template '.linux.cgroupsPath = "/hrun-vmtest-par/@ID@" | .linux.resources.pids = {limit: 424242}' sleep 600)
config=$(<"$tmpl/config.json")
for ((i = 1; i <= N; i++)); do
	mkdir "$T/p$i"
	c=${config//@ID@/p$i}
	echo "${c//424242/$((10 + i))}" >"$T/p$i/config.json"
done
ln -s "$ROOTFS_CACHE" "$T/p1/rootfs"
for ((i = 2; i <= N; i++)); do cp -P "$T/p1/rootfs" "$T/p$i/"; done

t0=$(date +%s.%N)
for ((i = 1; i <= N; i++)); do
	b=$T/p$i
	if [ $((i % 2)) = 0 ]; then
		(run_detached "$b" "p$i"; echo $? >"$b/rc") &
	else
		(hr create --bundle "$b" "p$i" </dev/null >"$b/out" 2>&1 &&
			hr start "p$i" </dev/null >>"$b/out" 2>&1
		echo $? >"$b/rc") &
	fi
done
wait
echo "# $N parallel starts took $(echo "$(date +%s.%N) - $t0" | bc) s"

bad=0
for ((i = 1; i <= N; i++)); do
	rc=$(<"$T/p$i/rc")
	if [ "$rc" != 0 ]; then bad=$((bad + 1)); diag "p$i: exit $rc: $(<"$T/p$i/out")"; fi
done
expect_eq "all $N starts exit 0" 0 "$bad"
expect_eq "hrun list: $N running" $N "$(hr list 2>/dev/null | awk '$3 == "running"' | wc -l)"

dirs=$(find "$P" -mindepth 1 -maxdepth 1 -type d | sort)
expect_eq "$N distinct cgroup directories under $P" $N "$(sort -u <<<"$dirs" | grep -c .)"
bad=0 pids=()
for ((i = 1; i <= N; i++)); do
	cg=$P/p$i pid=$(pid_of "p$i")
	pids+=("$pid")
	pm=$(rd "$cg/pids.max") procs=$(rd "$cg/cgroup.procs")
	if [ "$pm" != $((10 + i)) ] || [ "$procs" != "$pid" ]; then
		bad=$((bad + 1))
		diag "p$i: pids.max=[$pm] (want $((10 + i))), cgroup.procs=[$procs] (want init $pid)"
	fi
done
expect_eq "each cgroup has its pids.max and only its own init" 0 "$bad"
expect_eq "$N distinct init pids" $N "$(printf '%s\n' "${pids[@]}" | sort -u | grep -c '^[0-9][0-9]*$')"

t0=$(date +%s.%N)
for ((i = 1; i <= N; i++)); do
	(hr delete --force "p$i" >"$T/p$i/del" 2>&1; echo $? >"$T/p$i/delrc") &
done
wait
echo "# $N parallel deletes took $(echo "$(date +%s.%N) - $t0" | bc) s"
bad=0
for ((i = 1; i <= N; i++)); do
	rc=$(<"$T/p$i/delrc")
	if [ "$rc" != 0 ]; then bad=$((bad + 1)); diag "delete p$i: exit $rc: $(<"$T/p$i/del")"; fi
done
expect_eq "all $N deletes exit 0" 0 "$bad"
left=$(find "$P" -mindepth 1 -maxdepth 1 -type d)
expect_eq "no cgroup directory left under $P" "" "$left"
expect_eq "hrun list is empty" 0 "$(hr list 2>/dev/null | tail -n +2 | grep -c .)"
finish
