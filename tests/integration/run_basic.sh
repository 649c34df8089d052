#!/bin/bash
# The hardened container seen from the inside: identity, capabilities,
# no_new_privs, seccomp, read-only root, tmpfs, pid 1, hostname, network,
# masked paths, open fds, exit codes and signal forwarding.
. "$(dirname "$0")/lib.sh"

B=$(new_bundle basic)
run() { hrun_run "$B" "basic-$RANDOM" "$@"; }

expect_eq "run prints the container's output" "hello" "$(run echo hello)"

# identity: uid/gid/groups as configured (user 1000, gid 1000, extra 2000)
expect_eq "id -u is 1000" "1000" "$(run id -u)"
expect_eq "id -g is 1000" "1000" "$(run id -g)"
expect_eq "id -G has the additional gid" "1000 2000" "$(run id -G)"

# capabilities: all five sets empty, no_new_privs, seccomp filter mode
st=$(run cat /proc/self/status)
for set in CapInh CapPrm CapEff CapBnd CapAmb; do
	expect_match "$set is all zero" "^$set:[[:space:]]+0000000000000000$" "$(printf '%s\n' "$st" | grep "^$set:")"
done
expect_match "NoNewPrivs: 1" "^NoNewPrivs:[[:space:]]+1$" "$(printf '%s\n' "$st" | grep NoNewPrivs)"
expect_match "Seccomp: 2 (filter)" "^Seccomp:[[:space:]]+2$" "$(printf '%s\n' "$st" | grep '^Seccomp:')"

# a syscall the profile denies fails with its errno: unshare -> EPERM
out=$(run unshare -U true 2>&1)
expect_match "unshare is denied with EPERM" "Operation not permitted" "$out"
# configured errno: deny mkdir(2) with errno 42 (ENOMSG)
B2=$(new_bundle errno '.linux.seccomp.syscalls = [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 42}] + .linux.seccomp.syscalls')
out=$(hrun_run "$B2" errno-1 mkdir /tmp/d 2>&1)
expect_match "mkdir fails with the configured errno 42 (ENOMSG)" "No message of desired type" "$out"

# read-only root, writable tmpfs /tmp and /run
out=$(run sh -c 'touch /rootfile 2>&1; echo rc=$?')
expect_match "writing to / fails with EROFS" "Read-only file system" "$out"
expect_match "writing to / exits non-zero" "rc=1" "$out"
expect_eq "/tmp is a writable tmpfs" "tmpfs ok" "$(run sh -c 'echo ok > /tmp/f && stat -f -c %T /tmp | tr -d "\n"; echo " $(cat /tmp/f)"' | sed 's/^tmpfs.*ok$/tmpfs ok/')"
expect_eq "/run is a writable tmpfs" "ok" "$(run sh -c 'echo ok > /run/f && cat /run/f')"
expect_match "/tmp is mounted nosuid,nodev,noexec" "nosuid,nodev,noexec" "$(run grep ' /tmp ' /proc/self/mounts)"

# tmpcopyup (runc/crun, sent by Podman): the tmpfs starts with what it covers
BT=$(new_bundle tcu '.mounts += [{destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=755", "tmpcopyup"]}]')
out=$(hrun_run "$BT" tcu-1 sh -c 'grep -c "^user:" /etc/passwd; stat -c "%a %u" /etc/passwd; grep " /etc " /proc/self/mounts | cut -d" " -f3')
expect_eq "tmpcopyup: the tmpfs holds a copy of what it covers" "1" "$(printf '%s\n' "$out" | sed -n 1p)"
# the rootfs belongs to host root, unmapped in the test user namespace: the
# original shows as the overflow uid 65534 inside, and so must the copy
expect_eq "tmpcopyup: modes and owners are kept" "644 65534" "$(printf '%s\n' "$out" | sed -n 2p)"
expect_eq "tmpcopyup: it is a tmpfs" "tmpfs" "$(printf '%s\n' "$out" | sed -n 3p)"

# rlimits, oomScoreAdj, umask, sysctl, linux.devices
BK=$(new_bundle knobs '.process.oomScoreAdj = 500 | .process.user.umask = 63
  | .linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmni": "1234"}
  | .linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]
  | .linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]')
out=$(hrun_run "$BK" knobs-1 sh -c 'ulimit -n; cat /proc/self/oom_score_adj; umask; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni; stat -c "%F %t:%T" /dev/fuse')
expect_eq "process.rlimits: RLIMIT_NOFILE 1024" "1024" "$(printf '%s\n' "$out" | sed -n 1p)"
expect_eq "process.oomScoreAdj: 500" "500" "$(printf '%s\n' "$out" | sed -n 2p)"
expect_eq "process.user.umask: 077" "0077" "$(printf '%s\n' "$out" | sed -n 3p)"
expect_eq "linux.sysctl: net.ipv4.ip_forward in the container's netns" "1" "$(printf '%s\n' "$out" | sed -n 4p)"
expect_eq "linux.sysctl: kernel.shmmni in the container's ipc ns" "1234" "$(printf '%s\n' "$out" | sed -n 5p)"
expect_eq "... and not on the host" "0" "$(cat /proc/sys/net/ipv4/ip_forward)"
expect_eq "linux.devices: /dev/fuse is there (c 10:229)" "character special file a:e5" "$(printf '%s\n' "$out" | sed -n 6p)"

# a new time namespace with linux.timeOffsets: boottime moves a day ahead
BTN=$(new_bundle timens '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {boottime: {secs: 86400, nanosecs: 0}, monotonic: {secs: 86400, nanosecs: 0}}')
up=$(hrun_run "$BTN" timens-1 cut -d. -f1 /proc/uptime)
host_up=$(cut -d. -f1 /proc/uptime)
check "linux.timeOffsets: uptime inside is a day ahead ($up vs $host_up)" test "$((up - host_up))" -ge 86300

# --preserve-fds N passes fds 3..3+N-1; --keep keeps the state of a stopped container
set_args "$B" sh -c 'cat <&3'
echo "through-fd-3" > "$T/fd3"
out=$("$HRUN" --root "$ROOT" run --preserve-fds 1 --bundle "$B" pfd-1 3<"$T/fd3")
expect_eq "--preserve-fds 1: fd 3 reaches the process" "through-fd-3" "$out"
set_args "$B" true
"$HRUN" --root "$ROOT" run --keep --bundle "$B" keep-1
expect_eq "run --keep: the stopped container is kept" "stopped" "$("$HRUN" --root "$ROOT" state keep-1 | jq -r .status)"
"$HRUN" --root "$ROOT" delete keep-1

# PID 1 is the process itself
expect_eq "the process is PID 1" "1" "$(run sh -c 'echo $$')"
expect_eq "only the container's processes are visible" "/proc/1" "$(run sh -c 'echo /proc/[0-9]*')"

# hostname, network namespace with only lo
expect_eq "hostname is set" "hrun-test" "$(run hostname)"
expect_eq "the network namespace holds only lo" "lo" "$(run ls /sys/class/net)"

# masked paths read empty, readonly paths are read-only
expect_eq "/proc/timer_list is masked (reads empty)" "0" "$(run sh -c 'wc -c < /proc/timer_list')"
expect_eq "/proc/keys is masked (reads empty)" "" "$(run cat /proc/keys)"
expect_eq "/proc/acpi (a dir) is masked (empty)" "" "$(run sh -c 'ls -A /proc/acpi 2>/dev/null')"
expect_match "/proc/sys is read-only" "ro," "$(run grep ' /proc/sys ' /proc/self/mounts)"

# no fd other than 0, 1, 2 reaches the process
# ls is PID 1 here: it sees 0 1 2 and fd 3, its own handle on the directory
expect_eq "only fds 0 1 2 are open (3 is ls's own directory fd)" "0 1 2 3" "$(run ls /proc/self/fd | sort -n | tr '\n' ' ' | sed 's/ $//')"
exec 7>/dev/null
expect_eq "an fd of the caller does not leak" "" "$(run sh -c 'ls /proc/self/fd | grep -x 7')"
exec 7>&-

# exit codes propagate
run sh -c 'exit 3'; expect_eq "exit 3 -> 3" "3" "$?"
set_args "$B" sleep 100
"$HRUN" --root "$ROOT" run --bundle "$B" --pid-file "$T/kill.pid" kill-1 >/dev/null 2>&1 &
hp=$!
for _ in $(seq 50); do [ -s "$T/kill.pid" ] && break; sleep 0.1; done
kill -KILL "$(cat "$T/kill.pid")"; wait "$hp"
expect_eq "PID 1 killed by SIGKILL -> 137" "137" "$?"
run /bin/does-not-exist 2>"$T/err"; rc=$?
expect_eq "a missing command fails" "1" "$rc"
expect_match "the error says no such file or directory" "no such file or directory|No such file or directory" "$(cat "$T/err")"
run does-not-exist 2>"$T/err"
expect_match "a missing command in PATH: executable file not found" "executable file not found in \\\$PATH" "$(cat "$T/err")"

# SIGTERM to hrun reaches PID 1 (which traps it)
jq '.process.args = ["sh", "-c", "trap \"echo got-term; exit 5\" TERM; echo ready; while :; do sleep 0.1; done"]' "$B/config.json" > "$T/c.json" && cp "$T/c.json" "$B/config.json"
"$HRUN" --root "$ROOT" run --bundle "$B" sigterm-1 > "$T/sig.out" &
hp=$!
for _ in $(seq 50); do grep -q ready "$T/sig.out" 2>/dev/null && break; sleep 0.1; done
kill -TERM "$hp"; wait "$hp"; rc=$?
expect_eq "SIGTERM is forwarded to PID 1 (its exit code comes back)" "5" "$rc"
expect_match "PID 1 saw the SIGTERM" "got-term" "$(cat "$T/sig.out")"

# cleanup is complete after the container exits
expect_eq "no state is left behind" "" "$(ls -A "$ROOT" | grep -vx "@seccomp")"
expect_eq "no mount of the test dir is left on the host" "0" "$(grep -c "$T" /proc/self/mountinfo)"
finish
