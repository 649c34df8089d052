#!/bin/bash
# podman.sh: Podman (4.3, through conmon) with hrun as its OCI runtime.
# TAP output; exits non-zero when a test fails. Every runtime call is
# logged to $ET/trace.log (hrun-trace.sh); on a failure the last calls are
# printed as TAP comments. RUNTIME=/usr/sbin/runc runs the same tests
# against runc (crun 1.8 refuses hybrid cgroup hosts).
. "$(dirname "$0")/lib.sh"
trap engines_cleanup EXIT
need_setup

# Podman (as root) calls the runtime without --root: its state is in the
# runtime's default root, /run/<name>.
STATE_ROOT=/run/$(basename "$RUNTIME")
NAME=hrun-eng-$$
names=()
newname() { NAME=hrun-eng-$$-$1; names+=("$NAME"); }
crlf() { tr -d '\r'; }

# Mounts and runtime state that belong to this test run (other tests may
# mount things concurrently: only look at our paths).
our_mounts() { grep -F -e "$ET" -e "$STATE_ROOT" /proc/self/mountinfo | awk '{print $5}' | sort; }
# (container ids only: Podman's are 64 hex digits)
our_state() { ls -1 "$STATE_ROOT" 2>/dev/null | grep -E '^[0-9a-f]{64}$' | sort; }
fail_diag() { [ -n "$1" ] && diag "output: $1"; trace_tail 6; }

# 1. the simplest run
trace_mark
run_out out pm run --rm "$IMAGE" echo hi
expect_eq "run --rm IMAGE echo hi prints hi" "hi" "$out" || fail_diag ""
expect_eq "run --rm echo exits 0" 0 "$RC"
t=$(trace_since)
expect_match "podman passed --log-format=json --log to the runtime" \
	"\[--log-format=json\] \[--log\] \[[^]]*\] \[create\]" "$t"
expect_match "podman called create, start and delete" \
	"\[create\].*"$'\n'".*\[start\].*"$'\n'".*\[delete\]" "$t"

# 2. the exit status reaches podman
run_out out pm run --rm "$IMAGE" sh -c 'exit 7'
expect_eq "run --rm sh -c 'exit 7' exits 7" 7 "$RC"

# 3. environment, working directory, hostname, args with spaces
run_out out pm run --rm -e FOO='b a r' -w /tmp --hostname hrun-h1 "$IMAGE" \
	sh -c 'echo "$FOO"; pwd; hostname; echo "$0 $1"' 'arg zero' 'arg one'
expect_eq "env, workdir, hostname and argv are the configured ones" \
	"b a r"$'\n'"/tmp"$'\n'"hrun-h1"$'\n'"arg zero arg one" "$out"

# 4. a terminal: podman -t makes the runtime send the pty over --console-socket
trace_mark
run_out out pm run --rm -t "$IMAGE" sh -c 'test -t 0 && test -t 1 && echo TTY; tty'
out=$(printf '%s' "$out" | crlf)
expect_match "run -t: stdin and stdout are a terminal" "^TTY"$'\n'"/dev/pts/[0-9]+$" "$out" ||
	fail_diag "$out"
expect_match "run -t: create got --console-socket" "\[create\].*\[--console-socket\]" "$(trace_since)"

# 5. hardening options from the command line
run_out out pm run --rm --cap-drop=ALL --user 1000:1000 --security-opt no-new-privileges "$IMAGE" \
	sh -c 'id -u; id -g; grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status'
expect_match "--user 1000:1000: uid and gid are 1000" "^1000"$'\n'"1000"$'\n' "$out" || fail_diag "$out"
expect_match "--cap-drop=ALL: CapEff is zero" "CapEff:[[:space:]]+0000000000000000" "$out"
expect_match "--cap-drop=ALL: CapBnd is zero" "CapBnd:[[:space:]]+0000000000000000" "$out"
expect_match "no-new-privileges: NoNewPrivs 1" "NoNewPrivs:[[:space:]]+1" "$out"
expect_eq "the hardened run exits 0" 0 "$RC"
# --read-only (Podman adds tmpfs on /tmp, /var/tmp, /run with tmpcopyup)
run_out out pm run --rm --read-only --cap-drop=ALL --user 1000:1000 \
	--security-opt no-new-privileges "$IMAGE" \
	sh -c 'id -u; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status; touch /x 2>&1 || echo TOUCH-FAILED; touch /tmp/x && echo TMP-RW'
expect_match "--read-only + all of the above: uid 1000, CapEff 0, NoNewPrivs 1" \
	"^1000"$'\n'"CapEff:[[:space:]]+0000000000000000"$'\n'"NoNewPrivs:[[:space:]]+1" "$out" || fail_diag "$out"
expect_match "--read-only: touch /x fails (read-only file system)" \
	"Read-only file system"$'\n'"TOUCH-FAILED" "$out"
expect_match "--read-only: /tmp is a writable tmpfs" "TMP-RW" "$out"
# default (not --read-only): the root is writable, default caps kept
run_out out pm run --rm "$IMAGE" sh -c 'touch /x && echo WROTE; grep ^CapEff: /proc/self/status'
expect_match "without --read-only the root is writable" "^WROTE" "$out"
expect_no_match "without --cap-drop some capabilities are effective" "CapEff:[[:space:]]+0000000000000000" "$out"

# 6. bind mounts and tmpfs from the command line
mkdir -p "$ET/vol" && echo data-in-volume >"$ET/vol/f"
run_out out pm run --rm -v "$ET/vol:/data:ro" "$IMAGE" \
	sh -c 'cat /data/f; touch /data/y 2>/dev/null || echo RO; grep " /data " /proc/self/mounts'
expect_match "-v DIR:/data:ro: the file is visible" "^data-in-volume" "$out" || fail_diag "$out"
expect_match "-v DIR:/data:ro: writing fails, the mount is ro" "RO"$'\n'"[^ ]+ /data [^ ]+ ro," "$out"
[ -e "$ET/vol/y" ] && not_ok "the host side of the :ro volume is unchanged" ||
	ok "the host side of the :ro volume is unchanged"
run_out out pm run --rm -v "$ET/vol:/data" "$IMAGE" sh -c 'echo w >/data/w && echo WROTE'
expect_eq "-v DIR:/data (rw): writing works" WROTE "$out"
expect_eq "the write reached the host" w "$(cat "$ET/vol/w" 2>/dev/null)"
# Podman adds the "tmpcopyup" option (runc and crun support it) to every
# --tmpfs and to the tmpfs on /tmp, /var/tmp, /run of --read-only
run_out out pm run --rm --tmpfs /scratch:size=1m "$IMAGE" \
	sh -c 'touch /scratch/z && echo TMPFS-RW; grep " /scratch " /proc/self/mounts'
expect_match "--tmpfs /scratch is a writable tmpfs" "^TMPFS-RW"$'\n'"tmpfs /scratch tmpfs rw" "$out" ||
	fail_diag "$out"
run_out out pm run --rm --tmpfs /home "$IMAGE" sh -c 'ls /home; grep " /home " /proc/self/mounts'
expect_match "--tmpfs /home: tmpcopyup copied the image's /home/user" "^user"$'\n'"tmpfs /home tmpfs" "$out" ||
	fail_diag "$out"

# 7. joining an existing network namespace (what Podman does for bridge
#    networks: the netns path comes in config.json)
# (a private tmpfs holds the nsfs bind mount: `ip netns add` would turn
# /run/netns into a lasting shared mount on the host)
NSDIR=$ET/netns
mkdir -p "$NSDIR"
if mount -t tmpfs -o size=64k,mode=700 hrun-eng-ns "$NSDIR" && mount --make-private "$NSDIR" &&
	touch "$NSDIR/net" && unshare --net="$NSDIR/net" true; then
	want=$(stat -L -c %i "$NSDIR/net")
	run_out out pm run --rm --network "ns:$NSDIR/net" "$IMAGE" stat -L -c %i /proc/self/ns/net
	expect_eq "--network ns:PATH joins that network namespace" "$want" "$out" || fail_diag "$out"
else
	skip "--network ns:PATH joins that network namespace" "could not make a netns file"
fi
umount_under "$NSDIR"
run_out out pm run --rm "$IMAGE" sh -c 'ls /sys/class/net | tr "\n" " "'
expect_eq "netns none: the container has only lo" "lo " "$out"

# 8. a detached container: exec, ps, pause/unpause, stop, rm
newname det
run_out out pm run -d --name "$NAME" "$IMAGE" sh -c 'trap "exit 3" TERM; while :; do sleep 0.2; done'
expect_eq "run -d exits 0" 0 "$RC" || fail_diag "$out"
run_out st pm inspect -f '{{.State.Status}}' "$NAME"
expect_eq "the detached container is running" running "$st"
trace_mark
run_out out pm exec "$NAME" echo in-exec
expect_eq "podman exec CTR echo in-exec" in-exec "$out" || fail_diag "$out"
t=$(trace_since)
expect_match "podman exec calls the runtime's exec with --process" "\[exec\].*\[--process\]" "$t"
run_out out pm exec "$NAME" sh -c 'exit 5'
expect_eq "the exit status of exec reaches podman" 5 "$RC" || fail_diag "$out"
run_out out pm exec "$NAME" /nonexistent
expect_eq "podman exec CTR /nonexistent exits 127" 127 "$RC" || fail_diag "$out"
expect_match "... with an error naming the problem" "[Nn]o such file or directory|executable file not found" "$out"
run_out out pm exec --user 1000:1000 --workdir /tmp -e EXECVAR=v1 "$NAME" sh -c 'id -u; pwd; echo $EXECVAR'
expect_eq "exec --user --workdir -e" "1000"$'\n'"/tmp"$'\n'"v1" "$out" || fail_diag "$out"
run_out out pm exec -t "$NAME" sh -c 'test -t 1 && echo TTY'
expect_eq "exec -t gets a terminal" TTY "$(printf '%s' "$out" | crlf)" || fail_diag "$out"
run_out out pm exec --privileged "$NAME" sh -c 'grep ^CapEff: /proc/self/status'
expect_match "exec --privileged gets all capabilities" "CapEff:[[:space:]]+000001ff" "$out" || fail_diag "$out"
run_out out pm exec "$NAME" sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "'
expect_match "exec runs in the container's pid namespace" "^[0-9]+"$'\n'"sh -c trap" "$out"
run_out out pm top "$NAME" args
expect_match "podman top lists the container's process" "while" "$out"

trace_mark
run_out out pm pause "$NAME"
run_out st pm inspect -f '{{.State.Status}}' "$NAME"
expect_eq "podman pause: paused" paused "$st" || fail_diag "$out"
run_out out pm unpause "$NAME"
run_out st pm inspect -f '{{.State.Status}}' "$NAME"
expect_eq "podman unpause: running again" running "$st" || fail_diag "$out"
run_out out pm exec "$NAME" echo after-unpause
expect_eq "exec works after unpause" after-unpause "$out"

trace_mark
run_out out pm stop -t 10 "$NAME"
expect_eq "podman stop exits 0" 0 "$RC" || fail_diag "$out"
run_out code pm inspect -f '{{.State.ExitCode}}' "$NAME"
expect_eq "stop sent SIGTERM: the trap's exit 3 is the exit code" 3 "$code"
expect_match "podman stop called the runtime's kill" "\[kill\]" "$(trace_since)"
run_out out pm rm "$NAME"
expect_eq "podman rm exits 0" 0 "$RC" || fail_diag "$out"
run_out out pm ps -a --filter "name=$NAME" -q
expect_eq "the container is gone" "" "$out"

# 9. podman kill: SIGKILL gives 137; a container that ignores SIGTERM
newname kill
run_out out pm run -d --name "$NAME" "$IMAGE" sleep 1000
expect_eq "run -d sleep 1000 exits 0" 0 "$RC" || fail_diag "$out"
run_out out pm kill "$NAME"
run_out code pm wait "$NAME"
expect_eq "podman kill: exit code 137 (SIGKILL)" 137 "$code" || fail_diag "$out"
run_out out pm rm -f "$NAME"
newname stopk
run_out out pm run -d --name "$NAME" "$IMAGE" sleep 1000
expect_eq "run -d sleep 1000 exits 0" 0 "$RC" || fail_diag "$out"
run_out out pm stop -t 1 "$NAME"
run_out code pm inspect -f '{{.State.ExitCode}}' "$NAME"
expect_eq "stop -t 1 on pid 1 ignoring SIGTERM: killed (137)" 137 "$code" || fail_diag "$out"
run_out out pm rm -f "$NAME"
expect_eq "podman rm -f exits 0" 0 "$RC"

# 10. a missing command: 127, a clear error, and nothing left behind
mounts_before=$(our_mounts)
state_before=$(our_state)
newname missing
trace_mark
run_out out pm run --rm --name "$NAME" "$IMAGE" /nonexistent
expect_eq "run --rm IMAGE /nonexistent exits 127" 127 "$RC"
expect_match "the error names the problem" \
	"[Nn]o such file or directory|executable file not found" "$out"
expect_match "the error names the command" "/nonexistent" "$out"
run_out left pm ps -a --filter "name=$NAME" --format '{{.Names}}'
expect_eq "podman ps -a: no leftover container" "" "$left"
expect_eq "no leftover mounts under the test's storage or $STATE_ROOT" \
	"$mounts_before" "$(our_mounts)"
expect_eq "no leftover runtime state in $STATE_ROOT" "$state_before" "$(our_state)"
t=$(trace_since)
id=$(printf '%s\n' "$t" | grep -o '\[create\].*' | grep -o '\[[0-9a-f]\{64\}\]$' | tr -d '[]' | head -n 1)
if [ -n "$id" ]; then
	expect_eq "no mount mentions the failed container's id" "" \
		"$(grep -F "$id" /proc/self/mountinfo)"
	[ -e "$STATE_ROOT/$id" ] && not_ok "state dir $STATE_ROOT/$id removed" ||
		ok "state dir $STATE_ROOT/$id removed"
else
	not_ok "the create call for the failed container was traced"
	diag "$t"
fi
# the same without --rm: the container stays (Exited/Created) and podman rm
# removes it and its state
newname missing2
run_out out pm run --name "$NAME" "$IMAGE" /nonexistent
expect_eq "run IMAGE /nonexistent (no --rm) exits 127" 127 "$RC"
run_out id pm inspect -f '{{.Id}}' "$NAME"
run_out out pm rm -f "$NAME"
expect_eq "podman rm of the failed container exits 0" 0 "$RC" || fail_diag "$out"
expect_eq "after rm: no leftover mounts" "$mounts_before" "$(our_mounts)"
expect_eq "after rm: no leftover runtime state" "$state_before" "$(our_state)"
[ -n "$id" ] && [ ! -e "$STATE_ROOT/$id" ] && ok "after rm: $STATE_ROOT/<id> is gone" ||
	not_ok "after rm: $STATE_ROOT/<id> is gone ($id)"
# 11. what real hosts send: device file-type bits, --privileged
run_out out pm run --rm --device /dev/fuse "$IMAGE" stat -c '%t:%T %a' /dev/fuse
expect_eq "--device /dev/fuse (fileMode with type bits): the node is 10:229 (a:e5) rw" \
	"a:e5 666" "$out"
run_out out pm run --rm --privileged "$IMAGE" sh -c 'grep ^CapEff: /proc/self/status; test -c /dev/fuse && echo fuse'
expect_eq "--privileged runs" 0 "$RC" || fail_diag "$out"
capeff=$(printf '%s\n' "$out" | awk '/^CapEff:/ {print $2}')
hostcap=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
expect_eq "--privileged: CapEff is the host's full bounding set" "$hostcap" "$capeff"
expect_match "--privileged: host devices are present" "fuse$" "$out"

# 12. propagation, unlimited ulimits, --uidmap with --network ns:, top
mkdir -p "$ET/shsrc"
if mount --bind "$ET/shsrc" "$ET/shsrc" && mount --make-shared "$ET/shsrc"; then
	run_out out pm run --rm --mount "type=bind,src=$ET/shsrc,dst=/mnt,bind-propagation=rshared" \
		"$IMAGE" grep ' /mnt ' /proc/self/mountinfo
	expect_match "--mount bind-propagation=rshared: shared inside (mountinfo)" " shared:[0-9]+" "$out"
	umount "$ET/shsrc"
else
	not_ok "a shared host mount for the rshared test"
fi
# unlimited (-1 = RLIM_INFINITY, 18446744073709551615 in config.json) is
# accepted; applying it needs a hard limit that already is unlimited
# (conmon's is not here, and root lacks CAP_SYS_RESOURCE to raise it):
# lifecycle_hostile shows it applied
run_out out pm run --rm --ulimit core=-1 "$IMAGE" true
expect_no_match "--ulimit core=-1: the config parses (RLIM_INFINITY)" "too big integer|invalid JSON" "$out"
unshare -n sleep 120 &
nsp=$!
sleep 0.3
run_out out pm run --rm --uidmap 0:100000:65536 --gidmap 0:100000:65536 \
	--network "ns:/proc/$nsp/ns/net" "$IMAGE" sh -c 'readlink /proc/self/ns/net; head -n 1 /proc/self/uid_map'
expect_eq "--uidmap with --network ns:PATH: the given netns" "$(readlink /proc/$nsp/ns/net)" \
	"$(printf '%s\n' "$out" | sed -n 1p)"
expect_eq "... in a user namespace mapping 0 to 100000" "0 100000 65536" \
	"$(printf '%s\n' "$out" | sed -n 2p | tr -s ' ' | sed 's/^ //')"
kill "$nsp"; wait "$nsp" 2>/dev/null
newname top2
run_out out pm run -d --name "$NAME" "$IMAGE" sleep 100
run_out out pm top "$NAME" pid user args
expect_match "podman top pid user args: the columns" "PID +USER +COMMAND" "$out"
expect_match "... and the container's process" "1 +root +sleep 100" "$out"
run_out out pm rm -f -t 0 "$NAME"

# 13. podman's view after all that: nothing of ours is left
for n in "${names[@]}"; do pm rm -f "$n" >/dev/null 2>&1; done
run_out out pm ps -a -q
expect_eq "podman ps -a is empty at the end" "" "$out"

finish
