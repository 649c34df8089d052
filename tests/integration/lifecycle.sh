#!/bin/bash
# The OCI lifecycle driven directly: create -> created -> start -> running
# -> kill -> stopped -> delete -> "does not exist"; exec into a running
# container with the same hardening; 20 containers in parallel on one root.
. "$(dirname "$0")/lib.sh"

H() { "$HRUN" --root "$ROOT" "$@"; }
status() { H state "$1" | jq -r .status; }

B=$(new_bundle life)
set_args "$B" sleep 1000
H create --bundle "$B" --pid-file "$T/c1.pid" c1; rc=$?
expect_eq "create succeeds" "0" "$rc"
expect_match "the pid file holds the pid, no trailing newline" "^[0-9]+$" "$(cat "$T/c1.pid")"
expect_eq "... with no newline at all" "0" "$(tr -cd '\n' < "$T/c1.pid" | wc -c)"
expect_eq "state says created" "created" "$(status c1)"
st=$(H state c1)
for k in ociVersion id status pid bundle rootfs created owner; do
	expect_eq "state has $k" "true" "$(printf '%s' "$st" | jq "has(\"$k\")")"
done
expect_eq "state pid is the pid file's" "$(cat "$T/c1.pid")" "$(printf '%s' "$st" | jq -r .pid)"
expect_match "created is RFC3339" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$" "$(printf '%s' "$st" | jq -r .created)"
expect_eq "the user process has not run yet (init is still hrun)" "hrun" "$(cat /proc/"$(cat "$T/c1.pid")"/comm)"
# CVE-2019-5736 class: while hrun's code waits inside the container the
# init is non-dumpable (its /proc/PID/* files belong to root, not to the container
# user 1000 = host 101000); execve of the user's program resets that
expect_eq "the waiting init is non-dumpable (/proc/PID/status owned by root)" "0" "$(stat -c %u /proc/"$(cat "$T/c1.pid")"/status)"
H start c1
expect_eq "state says running after start" "running" "$(status c1)"
expect_eq "after execve the process is dumpable again (owned by its user)" "101000" "$(stat -c %u /proc/"$(cat "$T/c1.pid")"/status)"
expect_eq "PID 1 now runs the user process" "sleep" "$(cat /proc/"$(cat "$T/c1.pid")"/comm)"
out=$(H start c1 2>&1); rc=$?
expect_eq "a second start fails" "1" "$rc"

# exec: same namespaces and hardening as init
out=$(H exec c1 sh -c 'id -u; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "; hostname; readlink /proc/1/exe')
expect_eq "exec runs as the container user" "1000" "$(printf '%s\n' "$out" | sed -n 1p)"
expect_eq "exec has no capabilities" "CapEff: 0000000000000000" "$(printf '%s\n' "$out" | sed -n 2p)"
expect_eq "exec has no_new_privs" "NoNewPrivs: 1" "$(printf '%s\n' "$out" | sed -n 3p)"
expect_eq "exec is under seccomp" "Seccomp: 2" "$(printf '%s\n' "$out" | sed -n 4p)"
expect_eq "exec is in the container's uts namespace" "hrun-test" "$(printf '%s\n' "$out" | sed -n 5p)"
expect_eq "exec sees the container's pid 1" "/bin/busybox" "$(printf '%s\n' "$out" | sed -n 6p)"
H exec c1 sh -c 'exit 7'; expect_eq "exec returns the exit code" "7" "$?"
out=$(H exec --user 0:0 --env FOO=bar --cwd /tmp c1 sh -c 'echo $(id -u) $FOO $(pwd)')
expect_eq "exec --user --env --cwd" "0 bar /tmp" "$out"
out=$(H exec c1 no-such-cmd 2>&1); rc=$?
expect_eq "exec of a missing command fails" "1" "$rc"
expect_match "... with executable file not found" "executable file not found" "$out"
cat > "$T/proc.json" <<'P'
{"args": ["sh", "-c", "echo from-process-file $(id -u)"], "cwd": "/", "user": {"uid": 1000, "gid": 1000}, "env": ["PATH=/bin"]}
P
expect_eq "exec --process FILE" "from-process-file 1000" "$(H exec --process "$T/proc.json" c1)"
H exec --detach --pid-file "$T/e.pid" c1 sleep 1000
expect_match "exec --detach writes the exec pid" "^[0-9]+$" "$(cat "$T/e.pid")"
expect_eq "the detached exec process lives in the container" "sleep" "$(cat /proc/"$(cat "$T/e.pid")"/comm)"
expect_eq "ps --format json lists init and exec" "2" "$(H ps --format json c1 | jq length)"
# ps runs ps(1) with the given options and keeps the container's lines (runc)
out=$(H ps c1 -- -o pid,args)
expect_eq "ps ID -- -o pid,args: ps's header" "PID COMMAND" "$(printf '%s\n' "$out" | head -n 1 | tr -s ' ' | sed 's/^ //')"
expect_eq "... and one line per container process (init and exec)" "2" "$(printf '%s\n' "$out" | tail -n +2 | wc -l)"
expect_match "... the exec'd sleep among them" "$(cat "$T/e.pid") sleep 1000" "$(printf '%s\n' "$out" | sed 's/^ *//')"
expect_no_match_ps=$(printf '%s\n' "$out" | grep -c " ps -o" || true)
expect_eq "... and nothing outside the container (not ps itself)" "0" "$expect_no_match_ps"
out=$(H ps c1)
expect_match "ps ID: default ps -ef columns" "^UID +PID +PPID" "$out"
expect_eq "list shows the container" "c1" "$(H list -q)"
expect_eq "list --format json" "running" "$(H list --format json | jq -r '.[0].status')"
expect_eq "list's OWNER column names the state dir's owner" "root" "$(H list | awk 'NR == 2 {print $NF}')"

# a second container joins c1's uts and network namespaces by path
PID1=$(cat "$T/c1.pid")
BJ=$(new_bundle join ".hostname = null | del(.linux.uidMappings, .linux.gidMappings)
  | .linux.namespaces = [{type: \"pid\"}, {type: \"mount\"}, {type: \"ipc\"},
      {type: \"uts\", path: \"/proc/$PID1/ns/uts\"}, {type: \"network\", path: \"/proc/$PID1/ns/net\"}]")
out=$(hrun_run "$BJ" join1 sh -c 'hostname; readlink /proc/self/ns/net')
expect_eq "joining c1's uts namespace by path shows its hostname" "hrun-test" "$(printf '%s\n' "$out" | sed -n 1p)"
expect_eq "joining c1's network namespace by path" "$(readlink /proc/"$PID1"/ns/net)" "$(printf '%s\n' "$out" | sed -n 2p)"
# a NEW user namespace together with namespaces of the host's user namespace
# joined by path (Kubernetes userns pods with a CNI netns): the runtime joins
# them before the user namespace is made
unshare -n -i -u sleep 60 &
NSPID=$!
sleep 0.2
BJU=$(new_bundle joinu ".linux.namespaces = [{type: \"user\"}, {type: \"pid\"}, {type: \"mount\"},
      {type: \"ipc\", path: \"/proc/$NSPID/ns/ipc\"}, {type: \"uts\", path: \"/proc/$NSPID/ns/uts\"},
      {type: \"network\", path: \"/proc/$NSPID/ns/net\"}] | .hostname = null
  | del(.mounts[] | select(.destination == \"/dev/mqueue\"))")
out=$(hrun_run "$BJU" joinu1 sh -c 'for n in net ipc uts user; do readlink /proc/self/ns/$n; done; id -u' 2>&1)
expect_eq "new userns + net/ipc/uts of the host's userns by path: all joined" \
	"$(readlink /proc/$NSPID/ns/net /proc/$NSPID/ns/ipc /proc/$NSPID/ns/uts)" "$(printf '%s\n' "$out" | sed -n 1,3p)"
expect_match "... in a user namespace of its own, as the mapped user" \
	"^user:\[[0-9]+\]
1000$" "$(printf '%s\n' "$out" | sed -n 4,5p)"
check "... its user namespace is not the host's" test "$(printf '%s\n' "$out" | sed -n 4p)" != "$(readlink /proc/self/ns/user)"
kill $NSPID; wait $NSPID 2>/dev/null
# no mount namespace listed: the runtime's is inherited (runtime-spec), the
# root is still the bundle's rootfs, for the init and for exec
BN=$(new_bundle nomnt '.linux.namespaces |= map(select(.type != "mount")) | .mounts = []
  | .root.readonly = false | del(.linux.maskedPaths, .linux.readonlyPaths, .linux.devices, .linux.sysctl)')
echo "nomnt-marker" > "$T/nomnt-host-file"
out=$(hrun_run "$BN" nomnt1 sh -c "cat /etc/hostname; test -e $T/nomnt-host-file && echo HOST-VISIBLE" 2>&1)
expect_eq "no mount namespace: the init runs in the rootfs, the host is not visible" "hrun-test" "$out"
set_args "$BN" sleep 30
H create --bundle "$BN" nomnt2 && H start nomnt2
out=$(H exec nomnt2 sh -c "cat /etc/hostname; test -e $T/nomnt-host-file && echo HOST-VISIBLE" 2>&1)
expect_eq "... and so does an exec'd process" "hrun-test" "$out"
H delete --force nomnt2
BN2=$(new_bundle nomnt3 '.linux.namespaces |= map(select(.type != "mount"))')
out=$(hrun_run "$BN2" nomnt3 true 2>&1)
expect_eq "... mounts without a mount namespace: refused, naming the field" \
	"hrun: config.json: mounts: requires a mount namespace in linux.namespaces (without one the container shares the runtime's, which hrun never mounts into)" "$out"
check "... and nothing is left behind" test ! -e "$ROOT/nomnt3"
BJ2=$(new_bundle join2 '.linux.namespaces |= map(if .type == "ipc" then .path = "/proc/self/ns/net" else . end)')
out=$(hrun_run "$BJ2" join2 true 2>&1)
expect_match "a path of the wrong namespace type is refused" "is not a ipc namespace" "$out"

out=$(H delete c1 2>&1); rc=$?
expect_eq "delete of a running container fails" "1" "$rc"
H kill c1 KILL
for _ in $(seq 50); do [ "$(status c1)" = stopped ] && break; sleep 0.1; done
expect_eq "state says stopped after kill" "stopped" "$(status c1)"
out=$(H kill c1 TERM 2>&1); rc=$?
expect_match "kill of a stopped container: container not running" "not running" "$out"
H kill --all c1 KILL 2>/dev/null
H delete c1; expect_eq "delete succeeds" "0" "$?"
out=$(H state c1 2>&1); rc=$?
expect_eq "state after delete fails" "1" "$rc"
expect_match "... saying does not exist" "does not exist" "$out"
H delete --force c1; expect_eq "delete --force of a missing container is fine" "0" "$?"
check "no cgroup left for c1" test ! -e /sys/fs/cgroup/unified/hrun/c1

# a created container can be killed and deleted with --force
H create --bundle "$B" c2
H delete --force c2; expect_eq "delete --force of a created container" "0" "$?"
expect_eq "... its state is gone" "" "$(ls -A "$ROOT" | grep -vx "@seccomp")"

# kill by signal name and number
H run -d --bundle "$B" c3
H kill c3 9
for _ in $(seq 50); do [ "$(status c3)" = stopped ] && break; sleep 0.1; done
expect_eq "kill ID 9 stops it" "stopped" "$(status c3)"
H delete c3

# 20 containers in parallel on one --root
for i in $(seq 20); do (H create --bundle "$B" "p$i" && H start "p$i") & done; wait
expect_eq "20 parallel creates: 20 containers" "20" "$(H list -q | wc -l)"
expect_eq "... all running" "20" "$(H list --format json | jq '[.[] | select(.status == "running")] | length')"
expect_eq "... each with its own cgroup" "20" "$(ls -d /sys/fs/cgroup/unified/hrun/p* | wc -l)"
for i in $(seq 20); do H delete --force "p$i" & done; wait
expect_eq "20 parallel deletes: nothing left" "" "$(ls -A "$ROOT" | grep -vx "@seccomp")"
expect_eq "... no cgroup left" "0" "$(ls -d /sys/fs/cgroup/unified/hrun/p* 2>/dev/null | wc -l)"
finish
