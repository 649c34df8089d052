#!/bin/bash
# pid reuse: a decoy takes the dead init's pid, `kill` and `delete --force`
# must never signal it. Everything runs inside a private pid namespace
# (unshare -p --mount-proc, so the host's pids are untouched): hrun too, so
# the state's pid is a pid of that namespace, and its ns_last_pid steers
# which pid the decoy gets.
#  1. same clock tick: the state's start time is made the decoy's (the best
#     case for an attacker); the pid namespace (container with a pid ns) or
#     the cgroup (container without one) still tells them apart;
#  2. the race: hrun is held (strace delay) right after it opened the
#     init's pidfd; meanwhile the init dies and the decoy takes its pid;
#     the pidfd names the dead init, never the decoy.
if [ "${1:-}" != inner ]; then
	exec unshare -p -f --mount-proc --kill-child "$0" inner
fi
. "$(dirname "$0")/lib.sh"

U=$$$RANDOM
LAST=/proc/sys/kernel/ns_last_pid
DECOY=""

# decoy_at PID: a process of this namespace with exactly PID
decoy_at() {
	local want=$1 i
	for i in $(seq 50); do
		[ -e "/proc/$want" ] || break
		sleep 0.05
	done
	echo $((want - 1)) > "$LAST"
	sleep 7${U}7 &
	DECOY=$!
	[ "$DECOY" = "$want" ]
}
decoy_alive() { [ -n "$DECOY" ] && kill -0 "$DECOY" 2>/dev/null && grep -q "^State:.*[SR]" "/proc/$DECOY/status"; }
set_start_time() { # set_start_time ID TICKS: as if the decoy started in the init's tick
	local f=$ROOT/$1/state.json
	jq -c ".start_time = $2" "$f" > "$f.new" && mv "$f.new" "$f"
}
start_ticks() { awk '{ sub(/.*\) /, ""); split($0, a, " "); print a[20] }' "/proc/$1/stat"; }

check "inside a private pid namespace" test "$(readlink /proc/self/ns/pid)" != "$(readlink /proc/1/ns/pid 2>/dev/null)" -o $$ -le 10

# --- 1. the same start time -----------------------------------------------
for variant in pidns nopidns; do
	filter=.
	# without a pid ns (and so without a user ns: proc must be mountable)
	[ $variant = nopidns ] && filter='.linux.namespaces -= [{"type": "pid"}, {"type": "user"}]
		| .process.user = {"uid": 0, "gid": 0} | del(.linux.uidMappings, .linux.gidMappings)'
	b=$(new_bundle "b-$variant" "$filter | .process.args = [\"sleep\", \"1${U}1\"]")
	for cmd in kill delete; do
		id=$ID-$variant-$cmd
		H run -d --bundle "$b" "$id" || not_ok "run $id"
		pid=$(H state "$id" | jq -r .pid)
		kill -9 "$pid"
		if decoy_at "$pid"; then
			set_start_time "$id" "$(start_ticks "$DECOY")"
			if [ $cmd = kill ]; then
				H kill "$id" KILL 2>/dev/null
			else
				H delete --force "$id"
			fi
			sleep 0.2
			check "$variant, same start tick: $cmd never signals the decoy at pid $pid" decoy_alive
		else
			not_ok "$variant: the decoy did not get pid $pid (got $DECOY)"
		fi
		kill -9 "$DECOY" 2>/dev/null; wait "$DECOY" 2>/dev/null
		H delete --force "$id"
	done
done

# --- 2. the race between the identity check and the signal ---------------
b=$(new_bundle b-race ".process.args = [\"sleep\", \"2${U}2\"]")
for cmd in kill delete; do
	id=$ID-race-$cmd
	H run -d --bundle "$b" "$id" || not_ok "run $id"
	pid=$(H state "$id" | jq -r .pid)
	args=(kill "$id" KILL)
	[ $cmd = delete ] && args=(delete --force "$id")
	# pidfd_open #1 computes the status, #2 is the one that signals
	strace -f -qq -o /dev/null --inject=pidfd_open:delay_exit=2s:when=2 \
		"$HRUN" --root "$ROOT" "${args[@]}" 2>/dev/null & SP=$!
	sleep 1
	kill -9 "$pid"
	if decoy_at "$pid"; then
		wait $SP
		sleep 0.2
		check "race: $cmd held after pidfd_open never signals the decoy at pid $pid" decoy_alive
	else
		wait $SP
		not_ok "race: the decoy did not get pid $pid (got $DECOY)"
	fi
	kill -9 "$DECOY" 2>/dev/null; wait "$DECOY" 2>/dev/null
	H delete --force "$id"
	expect_eq "race: $cmd: nothing left" "" "$(ls "$ROOT" | grep -v '^@seccomp$')"
done

finish
