#!/bin/bash
# Load: 100 containers created, started, killed and deleted concurrently by
# 10 workers on one --root. Each reaches each state; at the end `list` is
# empty and no process, mount, cgroup or state dir is left; a long-lived
# hrun (`events` polling a container the whole time) keeps its fd count.
. "$(dirname "$0")/lib.sh"

U=$$$RANDOM
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
N=${HRUN_LOAD_N:-100}
W=10
B=$(new_bundle b ".process.args = [\"sleep\", \"1${U}1\"]")

# a long-lived hrun next to the load: `events` checks its container's init
# (pidfd + identity) every second
H() { timeout 60 "$HRUN" --root "$ROOT" "$@"; }
H run -d --bundle "$B" watch-$U
"$HRUN" --root "$ROOT" events --interval 1s watch-$U > /dev/null & EP=$!
sleep 1.2
fds0=$(ls /proc/$EP/fd | wc -l)

worker() { # worker N: its share of the ids, each through every state
	local w=$1 i id st
	for ((i = w; i < N; i += W)); do
		id=load-$U-$i
		st=""
		H create --bundle "$B" "$id" && st="$st $(H state "$id" | jq -r .status)"
		H start "$id" && st="$st $(H state "$id" | jq -r .status)"
		H kill "$id" KILL
		for _ in $(seq 100); do
			[ "$(H state "$id" | jq -r .status)" = stopped ] && break
			sleep 0.05
		done
		st="$st $(H state "$id" | jq -r .status)"
		H delete "$id" && st="$st deleted"
		echo "$id$st"
	done > "$T/worker-$w.log" 2>&1
}
t0=$(date +%s)
for ((w = 0; w < W; w++)); do worker $w & done
wait $(jobs -p | grep -v "^$EP\$")
secs=$(($(date +%s) - t0))

expect_eq "$N containers (10 workers): every one created, running, stopped, deleted" "$N" \
	"$(cat "$T"/worker-*.log | grep -c "^load-$U-[0-9]* created running stopped deleted$")"
cat "$T"/worker-*.log | grep -v "created running stopped deleted$" | head -5 | sed 's/^/# /'
echo "# $N containers in $secs s"
fds1=$(ls /proc/$EP/fd | wc -l)
expect_eq "a long-lived hrun events keeps its fd count ($fds0)" "$fds0" "$fds1"
kill $EP; wait $EP 2>/dev/null
H delete --force watch-$U
expect_eq "list ends empty" "[]" "$(H list --format json | jq -c .)"
check "no leftover process" test -z "$(pgrep -f "sleep 1${U}1")"
check "no leftover cgroup" test -z "$(ls "$CG2/hrun" 2>/dev/null | grep "$U")"
check "no leftover state dir" test -z "$(ls "$ROOT" | grep -v '^@seccomp$')"
check "no leftover mount" test -z "$(grep -F "$T" /proc/self/mountinfo)"

finish
