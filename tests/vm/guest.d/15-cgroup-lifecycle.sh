#!/bin/bash
# Guest test: cgroup-backed lifecycle commands on a running container (base
# config, user namespace, absolute cgroupsPath /hrun-vmtest-life/c) whose
# init increments a counter in its /tmp/c every 0.1 s (read from the host
# through /proc/PID/root):
#   - pause: `hrun state` says "paused", cgroup.events "frozen 1", the counter
#     stops; resume: "running", "frozen 0", the counter advances again
#   - `hrun update` (flags, --resources FILE and --resources -) changes
#     memory.max/low/swap.max, pids.max, cpu.max, cpu.weight, cpuset.cpus and
#     io.weight live: checked on the host and from INSIDE (exec)
#   - `hrun events --stats` prints one JSON line {"type":"stats","id":..,
#     "data":{..}} with memory usage/limit, pids current/limit, cpu usage
#   - delete --force removes the cgroup
# update / events are skipped (TAP "# SKIP") when `hrun --help` lacks them.
. "$(dirname "$0")/10-cgroup-lib.sh"

P=$(cg_parent hrun-vmtest-life)
CG=$P/c
HELP=$("$HRUN" --help 2>&1)
has_cmd() { grep -Eq "^  $1([[:space:]]|$)" <<<"$HELP"; }

b=$(bundle life '.linux.cgroupsPath = "/hrun-vmtest-life/c"
  | .linux.resources += {memory: {limit: 67108864}, pids: {limit: 20}}' \
	sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/c; usleep 100000; done')
run_detached "$b" c
expect_eq "run -d exits 0" 0 "$?"
pid=$(pid_of c)
counter() { rd "/proc/$pid/root/tmp/c" 2>/dev/null; }
frozen() { kv "$CG/cgroup.events" frozen; }
for ((i = 0; i < 50; i++)); do [ -n "$(counter)" ] && break; sleep 0.1; done

# ---- pause / resume ----------------------------------------------------------
c1=$(counter); sleep 1.5; c2=$(counter)
check "running: counter advances ($c1 -> $c2)" test "${c2:-0}" -gt "${c1:-0}"
hr pause c
expect_eq "pause exits 0" 0 "$?"
expect_eq "state after pause" paused "$(state_of c)"
expect_eq "cgroup.events frozen after pause" 1 "$(frozen)"
c3=$(counter); sleep 1.5; c4=$(counter)
expect_eq "paused: counter stands still" "$c3" "$c4"
hr resume c
expect_eq "resume exits 0" 0 "$?"
expect_eq "state after resume" running "$(state_of c)"
expect_eq "cgroup.events frozen after resume" 0 "$(frozen)"
sleep 1.5; c5=$(counter)
check "resumed: counter advances ($c4 -> $c5)" test "${c5:-0}" -gt "${c4:-0}"

# ---- update ------------------------------------------------------------------
# upd DESC EXPECTED-FILE=VALUE... -- HRUN-UPDATE-ARGS...
upd() {
	local desc=$1 exps=() e f v out inside
	shift
	while [ "$1" != -- ]; do exps+=("$1"); shift; done
	shift
	if ! out=$(hr update "$@" c 2>&1); then
		not_ok "update $desc: exit status"
		diag "hrun update $* c: $out"
		return
	fi
	for e in "${exps[@]}"; do
		f=${e%%=*} v=${e#*=}
		inside=$(hr exec c cat "/sys/fs/cgroup/$f" </dev/null 2>&1)
		expect_eq "update $desc: $f on the host" "$v" "$(rd "$CG/$f")"
		expect_eq "update $desc: $f inside" "$v" "$inside"
	done
}
if has_cmd update; then
	upd "--memory" memory.max=134217728 -- --memory 134217728
	upd "--memory 512m (runc's unit suffixes)" memory.max=536870912 -- --memory 512m
	upd "--memory 1.5GiB" memory.max=1610612736 -- --memory 1.5GiB
	upd "--memory 134217728" memory.max=134217728 -- --memory 134217728
	upd "--memory-reservation" memory.low=33554432 -- --memory-reservation 32M
	upd "--memory --memory-swap" memory.max=100663296 memory.swap.max=100663296 -- \
		--memory 100663296 --memory-swap 201326592
	upd "--pids-limit" pids.max=30 -- --pids-limit 30
	upd "--cpu-quota --cpu-period" "cpu.max=20000 100000" -- --cpu-quota 20000 --cpu-period 100000
	upd "--cpu-shares" cpu.weight=100 -- --cpu-shares 1024
	upd "--cpuset-cpus" cpuset.cpus=0 -- --cpuset-cpus 0
	upd "--blkio-weight" "io.weight=default 4950" -- --blkio-weight 500
	echo '{"memory": {"limit": 83886080}, "pids": {"limit": 25}}' >"$T/res.json"
	upd "--resources FILE" memory.max=83886080 pids.max=25 -- --resources "$T/res.json"
	out=$(echo '{"cpu": {"quota": 30000, "period": 60000}}' | hr update --resources - c 2>&1)
	expect_eq "update --resources - exits 0" 0 "$?"
	[ -n "$out" ] && diag "$out"
	expect_eq "update --resources -: cpu.max" "30000 60000" "$(rd "$CG/cpu.max")"
	expect_eq "update --resources -: pids.max untouched" 25 "$(rd "$CG/pids.max")"
	expect_eq "still running after the updates" running "$(state_of c)"
else
	ok "update # SKIP hrun has no update command"
fi

# ---- events --stats ----------------------------------------------------------
if has_cmd events; then
	u0=$(kv "$CG/cpu.stat" usage_usec)
	out=$(timeout 30 "$HRUN" --root "$ROOT" events --stats c </dev/null 2>&1)
	expect_eq "events --stats exits 0" 0 "$?"
	u1=$(kv "$CG/cpu.stat" usage_usec)
	mapfile -t L <<<"$out"
	expect_eq "events --stats prints one line" 1 "${#L[@]}"
	diag "${out:0:400}..."
	# one jq run (0.4 s each under TCG) for all fields, one per line
	mapfile -t F < <(jq -r '.type, .id, .data.memory.usage.usage, .data.memory.usage.limit,
		.data.pids.current, .data.pids.limit, .data.cpu.usage.total, (.data | has("blkio")),
		(.data.memory.usage | has("max") and has("failcnt"))' <<<"$out" 2>&1)
	lim=$(rd "$CG/memory.max") plim=$(rd "$CG/pids.max")
	expect_eq "stats: type" stats "${F[0]:-}"
	expect_eq "stats: id" c "${F[1]:-}"
	check "stats: memory.usage.usage > 0 (${F[2]:-})" test "${F[2]:-0}" -gt 0 2>/dev/null
	expect_eq "stats: memory.usage.limit = memory.max" "$lim" "${F[3]:-}"
	check "stats: pids.current >= 1 (${F[4]:-})" test "${F[4]:-0}" -ge 1 2>/dev/null
	expect_eq "stats: pids.limit = pids.max" "$plim" "${F[5]:-}"
	total=${F[6]:-0}
	check "stats: cpu.usage.total $total ns within cpu.stat usage_usec before/after ($u0/$u1 us)" \
		test "$total" -ge $((u0 * 1000)) -a "$total" -le $((u1 * 1000)) 2>/dev/null
	expect_eq "stats: has blkio" true "${F[7]:-}"
	expect_eq "stats: memory.usage has max and failcnt" true "${F[8]:-}"
	out=$(timeout 30 "$HRUN" --root "$ROOT" events --stats nosuchcontainer </dev/null 2>&1)
	rc=$?
	check "events --stats of an unknown container fails ($rc)" test "$rc" != 0 -a "$rc" != 124
else
	ok "events --stats # SKIP hrun has no events command"
fi

hr delete --force c
expect_eq "delete --force exits 0" 0 "$?"
check "cgroup $CG removed" test ! -e "$CG"
finish
