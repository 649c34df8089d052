#!/bin/bash
# process.ioPriority, process.scheduler, process.execCPUAffinity,
# linux.memoryPolicy, linux.personality and the runc/crun behaviours of
# issue 12, seen from inside real containers; bad values refused with one
# line naming the field and nothing left behind.
. "$(dirname "$0")/lib.sh"
H() { "$HRUN" --root "$ROOT" "$@"; }
S=$$

# stat fields: 19 nice, 40 rt_priority, 41 policy (comm is "sh": no spaces)
STAT='cut -d" " -f19,40,41 /proc/self/stat'

# --- ioPriority --------------------------------------------------------
B=$(new_bundle io '.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 6}')
expect_match "ioPriority BE/6: ionice in the container says best-effort prio 6" \
	"best-effort: prio 6" "$(hrun_run "$B" io$S ionice -p 1 2>&1)"
B=$(new_bundle io2 '.process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 0}')
expect_match "ioPriority IDLE: ionice says idle" "^idle" "$(hrun_run "$B" io2$S sh -c 'ionice -p $$' 2>&1)"

# --- scheduler ---------------------------------------------------------
B=$(new_bundle sch '.process.scheduler = {policy: "SCHED_BATCH", nice: 7}')
expect_eq "scheduler SCHED_BATCH nice 7 (userns): nice 7, policy 3" "7 0 3" \
	"$(hrun_run "$B" sch$S sh -c "$STAT" 2>&1)"
# a realtime policy needs CAP_SYS_NICE in the initial user namespace: no userns
B=$(new_bundle rt '.process.scheduler = {policy: "SCHED_FIFO", priority: 12} |
	.linux.namespaces -= [{type: "user"}] | del(.linux.uidMappings, .linux.gidMappings)')
out=$(hrun_run "$B" rt$S sh -c "$STAT" 2>&1)
expect_eq "scheduler SCHED_FIFO 12 (host root): rt_priority 12, policy 1" "0 12 1" "$out"
B=$(new_bundle rtu '.process.scheduler = {policy: "SCHED_FIFO", priority: 12}')
out=$(hrun_run "$B" rtu$S true 2>&1); rc=$?
expect_match "SCHED_FIFO in a user namespace: the kernel's refusal names the field" \
	"process.scheduler: sched_setattr: Operation not permitted" "$out"
check "  ... and fails" [ "$rc" != 0 ]
B=$(new_bundle rof '.process.scheduler = {policy: "SCHED_RR", priority: 3, flags: ["SCHED_FLAG_RESET_ON_FORK"]} |
	.linux.namespaces -= [{type: "user"}] | del(.linux.uidMappings, .linux.gidMappings)')
expect_eq "SCHED_FLAG_RESET_ON_FORK: the init runs SCHED_RR (2), its child SCHED_OTHER (0)" "2 0" \
	"$(hrun_run "$B" rof$S sh -c 'echo $(cut -d" " -f41 /proc/1/stat) $(cut -d" " -f41 /proc/self/stat)' 2>&1)"

# --- execCPUAffinity (exec'd processes) ---------------------------------
if [ "$(nproc)" -ge 2 ]; then
	B=$(new_bundle aff '.process.execCPUAffinity = {initial: "0", final: "1"}')
	set_args "$B" sleep 30
	H run -d --bundle "$B" aff$S >/dev/null 2>&1
	expect_match "execCPUAffinity does not apply to the init (runtime-spec)" \
		"Cpus_allowed_list:.0-" "$(grep Cpus_allowed_list /proc/"$(H state aff$S | jq .pid)"/status)"
	expect_match "exec inherits the config's execCPUAffinity: final CPU 1" \
		"Cpus_allowed_list:.1$" "$(H exec aff$S grep Cpus_allowed_list /proc/self/status 2>&1)"
	"$HRUN" --root "$ROOT" exec aff$S sleep 2 & epid=$!
	sleep 0.5
	expect_match "the runtime parent runs on the initial CPU 0 meanwhile" \
		"Cpus_allowed_list:.0$" "$(grep Cpus_allowed_list /proc/$epid/status)"
	wait $epid
	jq -n '{args: ["grep", "Cpus_allowed_list", "/proc/self/status"], cwd: "/",
		user: {uid: 1000, gid: 1000}, execCPUAffinity: {initial: "1"}}' > "$T/p.json"
	expect_match "exec --process with initial only: back to every CPU of the container" \
		"Cpus_allowed_list:.0-1$" "$(H exec --process "$T/p.json" aff$S 2>&1)"
	jq '.execCPUAffinity = {final: "0"} | .scheduler = {policy: "SCHED_IDLE"} |
		.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 2} |
		.args = ["sh", "-c", "grep Cpus_allowed_list /proc/self/status; cut -d\" \" -f41 /proc/self/stat; ionice -p $$"]' \
		"$T/p.json" > "$T/p2.json"
	out=$(H exec --process "$T/p2.json" aff$S 2>&1)
	expect_match "exec --process final 0" "Cpus_allowed_list:.0$" "$out"
	expect_match "exec --process scheduler SCHED_IDLE (5)" "^5$" "$(printf '%s\n' "$out" | sed -n 2p)"
	expect_match "exec --process ioPriority BE/2" "best-effort: prio 2" "$out"
	H delete -f aff$S >/dev/null 2>&1
else
	ok "# SKIP execCPUAffinity needs 2 CPUs"
fi

# --- memoryPolicy ------------------------------------------------------
B=$(new_bundle mp '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES"]}')
expect_match "memoryPolicy MPOL_BIND 0: numa_maps of the process says bind=static:0" \
	"bind=static:0" "$(hrun_run "$B" mp$S sh -c 'head -1 /proc/self/numa_maps' 2>&1)"
B=$(new_bundle mp2 '.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0"}')
set_args "$B" sleep 30
H run -d --bundle "$B" mp2$S >/dev/null 2>&1
expect_match "memoryPolicy MPOL_INTERLEAVE applies to exec'd processes too" \
	"interleave:0" "$(H exec mp2$S head -1 /proc/self/numa_maps 2>&1)"
H delete -f mp2$S >/dev/null 2>&1

# --- personality -------------------------------------------------------
if [ "$(uname -m)" = x86_64 ]; then
	B=$(new_bundle per '.linux.personality = {domain: "LINUX32", flags: []}')
	expect_eq "personality LINUX32: uname -m says i686" "i686" "$(hrun_run "$B" per$S uname -m 2>&1)"
fi


# --- runc/crun behaviours ----------------------------------------------
make_rootfs
R=$T/r2 && cp -a "$ROOTFS_CACHE" "$R"
# a private rootfs owned by the user namespace's root (host 100000, the base
# config's mapping of container 0), as an engine shifts an image for a
# userns: its root may then create mount destinations in /etc (the cache
# rootfs is all root-owned: mkrootfs.sh)
chown -hR --from=0:0 100000:100000 "$R"
echo 'u:x:1001:1001::/home/u:/bin/sh' >> "$R/etc/passwd"
ln -s not-existing "$R/etc/x"
mkdir -p "$R/keepmode" && chmod 0710 "$R/keepmode"
nb() { local b; b=$(new_bundle "$1" "$2"); ln -sfn "$R" "$b/rootfs"; echo "$b"; }
B=$(nb home '.process.env -= ["HOME=/home/user"] | .process.user.uid = 1001')
expect_eq "HOME absent: taken from the container's /etc/passwd for uid 1001" "/home/u" \
	"$(hrun_run "$B" home$S sh -c 'echo $HOME' 2>&1)"
B=$(nb home2 '.process.env -= ["HOME=/home/user"] | .process.user.uid = 4242')
expect_eq "HOME absent, no passwd entry: /" "/" "$(hrun_run "$B" home2$S sh -c 'echo $HOME' 2>&1)"
B=$(nb home3 '.process.env -= ["HOME=/home/user"] | .process.user.uid = 1001')
set_args "$B" sleep 30
H run -d --bundle "$B" home3$S >/dev/null 2>&1
expect_eq "HOME for an exec'd process too" "/home/u" "$(H exec home3$S sh -c 'echo $HOME' 2>&1)"
expect_eq "an explicit HOME is kept" "/x" "$(H exec --env HOME=/x home3$S sh -c 'echo $HOME' 2>&1)"
H delete -f home3$S >/dev/null 2>&1

B=$(nb hk ".hooks.prestart = [
	{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"env > $T/hookenv\"]},
	{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"env > $T/hookenv2\"], env: []}]")
FIELDS_MARK=here-$S hrun_run "$B" hk$S true >/dev/null 2>&1
expect_match "a hook without env gets the runtime's environment" "FIELDS_MARK=here-$S" "$(cat "$T/hookenv" 2>&1)"
check "a hook with env: [] gets an empty one" sh -c "[ -e $T/hookenv2 ] && ! grep -q FIELDS_MARK $T/hookenv2"

B=$(nb tm '.mounts += [{destination: "/keepmode", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"]},
	{destination: "/etc/x", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=700"]}]')
out=$(hrun_run "$B" tm$S sh -c 'stat -c %a /keepmode; grep -c " /etc/not-existing " /proc/self/mountinfo' 2>&1)
expect_eq "tmpfs without mode= keeps the directory's mode 710" "710" "$(printf '%s\n' "$out" | sed -n 1p)"
expect_eq "a destination behind a dangling symlink is created inside the rootfs and mounted" "1" \
	"$(printf '%s\n' "$out" | sed -n 2p)"
check "  ... the symlink's target was made in the rootfs" [ -d "$R/etc/not-existing" ]

B=$(new_bundle dv '.linux.namespaces -= [{type: "user"}] | del(.linux.uidMappings, .linux.gidMappings) |
	.linux.devices = [{path: "/dev/mydev/", type: "c", major: 1, minor: 3}]')
expect_eq "a device path with a trailing slash is made at /dev/mydev" "c" \
	"$(hrun_run "$B" dv$S sh -c 'test -c /dev/mydev && echo c' 2>&1)"
B=$(new_bundle dvu .)
expect_match "in a user namespace, bound device nodes are nosuid,noexec" "nosuid,nodev,noexec|nosuid,noexec" \
	"$(hrun_run "$B" dvu$S sh -c 'grep " /dev/null " /proc/self/mountinfo | cut -d" " -f6' 2>&1)"

B=$(new_bundle rt2 '.process.scheduler = {policy: "SCHED_RR", priority: 1}')
expect_match "check flags a realtime scheduler policy" "HR-SCHED-REALTIME.*process.scheduler.policy" \
	"$(H check "$B/config.json" 2>&1)"

# --- bad values: one line naming the field, nothing left behind --------
bad() { # bad DESCRIPTION REGEX JQ-FILTER
	local b id=bad$NTEST$S out rc
	b=$(new_bundle "bad$NTEST" "$3")
	out=$(H run --bundle "$b" "$id" 2>&1); rc=$?
	if [ "$rc" != 0 ] && [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] &&
		printf '%s' "$out" | grep -Eq -- "$2" && [ ! -e "$ROOT/$id" ] &&
		[ ! -e "/sys/fs/cgroup/unified/hrun/$id" ]; then
		ok "$1"
	else
		not_ok "$1"; echo "#   rc=$rc: $out"
	fi
}
bad "ioPriority: unknown class" 'process.ioPriority.class.*IOPRIO_CLASS_XX' \
	'.process.ioPriority = {class: "IOPRIO_CLASS_XX", priority: 1}'
bad "ioPriority: priority 8" 'process.ioPriority.priority' \
	'.process.ioPriority = {class: "IOPRIO_CLASS_BE", priority: 8}'
bad "ioPriority: priority missing" 'process.ioPriority.priority' \
	'.process.ioPriority = {class: "IOPRIO_CLASS_BE"}'
bad "scheduler: unknown policy" 'process.scheduler.policy.*SCHED_FOO' \
	'.process.scheduler = {policy: "SCHED_FOO"}'
bad "scheduler: nice 20" 'process.scheduler.nice' '.process.scheduler = {policy: "SCHED_OTHER", nice: 20}'
bad "scheduler: unknown flag" 'process.scheduler.flags\[0\].*SCHED_FLAG_NOPE' \
	'.process.scheduler = {policy: "SCHED_OTHER", flags: ["SCHED_FLAG_NOPE"]}'
bad "scheduler: SCHED_DEADLINE with runtime > deadline: the kernel's EINVAL names the field" \
	'process.scheduler: sched_setattr' \
	'.process.scheduler = {policy: "SCHED_DEADLINE", runtime: 2000000, deadline: 1000000, period: 1000000}'
bad "execCPUAffinity: bad list" 'process.execCPUAffinity.final.*invalid CPU list' \
	'.process.execCPUAffinity = {final: "3-1"}'
bad "execCPUAffinity: CPU too high" 'process.execCPUAffinity.initial' \
	'.process.execCPUAffinity = {initial: "0,99999"}'
bad "memoryPolicy: unknown mode" 'linux.memoryPolicy.mode.*MPOL_NOPE' \
	'.linux.memoryPolicy = {mode: "MPOL_NOPE", nodes: "0"}'
bad "memoryPolicy: MPOL_BIND needs nodes" 'linux.memoryPolicy.nodes: required' \
	'.linux.memoryPolicy = {mode: "MPOL_BIND"}'
bad "memoryPolicy: MPOL_DEFAULT with nodes" 'linux.memoryPolicy.nodes: must be empty' \
	'.linux.memoryPolicy = {mode: "MPOL_DEFAULT", nodes: "0"}'
bad "memoryPolicy: bad node list" 'linux.memoryPolicy.nodes.*invalid NUMA node list' \
	'.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0-"}'
bad "memoryPolicy: unknown flag" 'linux.memoryPolicy.flags\[0\]' \
	'.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_X"]}'
bad "memoryPolicy: a node that does not exist: the kernel's refusal names the field" \
	'linux.memoryPolicy: set_mempolicy' '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "7"}'
bad "memoryPolicy: NUMA_BALANCING with INTERLEAVE: the kernel's refusal names the field" \
	'linux.memoryPolicy: set_mempolicy' \
	'.linux.memoryPolicy = {mode: "MPOL_INTERLEAVE", nodes: "0", flags: ["MPOL_F_NUMA_BALANCING"]}'
bad "personality: a flag (the spec defines none)" 'linux.personality.flags.*unknown flag' \
	'.linux.personality = {domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"]}'
bad "linux.resources.unified: an unknown key says the system's reason" \
	'linux.resources.unified.*nosuch.key.*No such file or directory' '.linux.resources.unified = {"nosuch.key": "1"}'
bad "linux.devices: path \"/\"" 'linux.devices\[0\].path' '.linux.devices = [{path: "//", type: "c", major: 1, minor: 3}]'
bad "personality: unknown domain" 'linux.personality.domain' '.linux.personality = {domain: "LINUX64"}'
# an unknown unified key fails in the cgroup step, after the cgroup, the
# state dir and the init exist: seen from outside, all of it is gone. (The
# same config without the key shows where the cgroup would be.)
CGU=/sys/fs/cgroup/unified/hrun
B=$(new_bundle ucg '.linux.resources.unified = {"hugetlb.2MB.max": "max"}')
set_args "$B" sleep $((S + 7))
H run -d --bundle "$B" ucg$S >/dev/null 2>&1
check "unified: a good key: the container's cgroup is $CGU/ucg$S" [ -d "$CGU/ucg$S" ]
H delete -f ucg$S >/dev/null 2>&1
B=$(new_bundle ucg2 '.linux.resources.unified = {"hugetlb.2MB.max": "max", "nosuch.key": "1"}')
set_args "$B" sleep $((S + 7))
out=$(H run -d --bundle "$B" ucg2$S 2>&1); rc=$?
expect_match "unified: an unknown key after a good one: one line with the system's reason" \
	"linux.resources.unified.*nosuch.key.*No such file or directory" "$out"
check "  ... on one line" [ "$(printf '%s\n' "$out" | wc -l)" = 1 ]
check "  ... non-zero exit" [ "$rc" != 0 ]
check "  ... no cgroup left ($CGU/ucg2$S)" [ ! -e "$CGU/ucg2$S" ]
check "  ... no state dir, and list names nothing" \
	sh -c "[ ! -e '$ROOT/ucg2$S' ] && ! '$HRUN' --root '$ROOT' list 2>/dev/null | grep -q ucg2$S"
check "  ... no mount of the bundle left on the host" sh -c "! grep -q ' $T/ucg2' /proc/self/mountinfo"
check "no container process left behind" [ -z "$(pgrep -f "hrun --root $ROOT" || true)" ]

finish
