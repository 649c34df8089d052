#!/bin/bash
# Guest test: `hrun sandbox` limits on a pure cgroup v2 host.
#   - --pids 20: a fork loop and a real fork bomb stop at the limit
#     (report pids_peak <= 20, reached), --timeout ends them (124), the host
#     stays responsive, no cgroup left;
#   - --memory 32m: a memory hog is OOM-killed and the report says
#     oom_killed, memory_peak <= the limit;
#   - --cpus 0.5: a busy loop gets about half a CPU (report cpu_s from
#     cpu.stat);
#   - the report's figures come from the cgroup (cpu_source "cgroup",
#     memory_peak and pids_peak numbers), nothing is left behind.
. "$(dirname "$0")/10-cgroup-lib.sh"
export HRUN_PROFILES=$HRUN_SRC/profiles
SB() { "$HRUN" --root "$ROOT" sandbox "$@"; }
jqt() { jq -e "$@" >/dev/null; }
# AppArmor on (the VM's kernel): the sandbox runs under hrun-default, as
# `hrun spec` writes it, so it must be loaded (removed again at exit)
AA=$([ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && echo 1)
if [ -n "$AA" ]; then
	trap 'vm_cleanup; apparmor_parser -R "$HRUN_SRC/profiles/apparmor/hrun-default" >/dev/null 2>&1' EXIT
	out=$(apparmor_parser -K -r "$HRUN_SRC/profiles/apparmor/hrun-default" 2>&1)
	expect_eq "apparmor_parser -r hrun-default" "0:" "$?:$out"
	expect_match "the sandbox runs under hrun-default" "^hrun-default \(enforce\)" \
		"$(SB -- cat /proc/self/attr/current 2>&1 </dev/null)"
fi
left() { ls -d "$CGROOT"/hrun/sandbox-* "$ROOT"/sandbox-* 2>/dev/null; ls -A "$ROOT/@sandbox" 2>/dev/null; }

# 1. a fork loop stops at --pids
out=$(SB --pids 20 --timeout 20 --report "$T/p1.json" -- sh -c \
	'for i in $(seq 60); do sleep 30 >/dev/null 2>&1 & done; echo spawned-all' 2>&1 </dev/null)
rc=$?
diag "fork loop: exit $rc, $(jq -c '{exit_code, pids_peak, timed_out}' "$T/p1.json")"
expect_match "--pids 20: fork failures" "[Cc]an(no|')t fork|Resource temporarily unavailable" "$out"
check "--pids 20: the loop did not spawn all 60" test "${out#*spawned-all}" = "$out"
peak=$(jq -r .pids_peak "$T/p1.json")
check "--pids 20: report pids_peak $peak <= 20 and reached" test "$peak" -le 20 -a "$peak" -ge 18
expect_eq "fork loop: no cgroup, state or root dir left" "" "$(left)"

# 2. a real fork bomb, ended by --timeout
t0=$(now_ms)
SB --pids 20 --timeout 6 --report "$T/p2.json" -- sh -c 'b() { b | b & }; b; sleep 600' >/dev/null 2>&1 </dev/null &
sb=$!
sleep 2
check "host responsive during the bomb" timeout 10 sh -c 'ls / >/dev/null'
wait $sb
rc=$?
ms=$(($(now_ms) - t0))
diag "fork bomb: exit $rc after $ms ms, $(jq -c '{pids_peak, timed_out, signal}' "$T/p2.json")"
expect_eq "fork bomb: --timeout ends it (124)" 124 "$rc"
check "fork bomb: ended within 30 s ($ms ms)" test "$ms" -lt 30000
peak=$(jq -r .pids_peak "$T/p2.json")
check "fork bomb: pids_peak $peak <= 20 and reached" test "$peak" -le 20 -a "$peak" -ge 18
expect_eq "fork bomb: no cgroup, state or root dir left" "" "$(left)"

# 3. a memory hog is OOM-killed (tail keeps a line without an end in memory)
SB --memory 32m --report "$T/m.json" -- sh -c 'head -c 512m /dev/zero | tail >/dev/null' >/dev/null 2>&1 </dev/null
rc=$?
diag "memory hog: exit $rc, $(jq -c '{exit_code, signal, oom_killed, memory_peak}' "$T/m.json")"
expect_eq "memory hog: reported oom_killed" true "$(jq -r .oom_killed "$T/m.json")"
check "memory hog: killed (exit $rc = 128+9)" test "$rc" = 137
mp=$(jq -r .memory_peak "$T/m.json")
check "memory hog: memory_peak $mp <= 32m and near it" test "$mp" -le $((32 << 20)) -a "$mp" -ge $((24 << 20))
expect_eq "memory hog: report names the limit" $((32 << 20)) "$(jq -r .settings.limits.memory "$T/m.json")"
out=$(SB --memory 64m --report - -- sh -c 'head -c 8m /dev/zero | tail -c 1 | wc -c' 2>&1 </dev/null)
expect_eq "below the limit: runs, not oom_killed" "1 false" "$(head -1 <<<"$out") $(sed -n '/^{/,$p' <<<"$out" | jq -r .oom_killed)"

# 4. --cpus 0.5: a busy loop for 3 s gets about half a CPU
SB --cpus 0.5 --timeout 3 --report "$T/c.json" -- sh -c 'while :; do :; done' >/dev/null 2>&1 </dev/null
rc=$?
diag "busy loop: exit $rc, $(jq -c '{wall_s, cpu_s, cpu_source}' "$T/c.json")"
expect_eq "busy loop: --timeout (124)" 124 "$rc"
expect_eq "report: CPU from the cgroup" cgroup "$(jq -r .cpu_source "$T/c.json")"
check "--cpus 0.5: cpu_s <= 0.5 * wall_s + 0.3" jqt '.cpu_s <= 0.5 * .wall_s + 0.3 and .cpu_s > 0.2' "$T/c.json"

# 5. the report's figures come from the cgroup
SB --report "$T/r.json" -- true >/dev/null 2>&1 </dev/null
check "report: memory_peak and pids_peak are numbers" jqt '(.memory_peak | type) == "number" and (.pids_peak | type) == "number" and .pids_peak >= 1' "$T/r.json"
expect_eq "nothing left behind" "" "$(left)"
finish
