#!/bin/bash
# Attack: the working directory as a way out of the container. A caller's
# directory fd inherited by `hrun exec` / `hrun run` (bash: exec 7</host)
# named as the cwd (/proc/self/fd/7), with and without --preserve-fds, in
# `exec --cwd`, in --process and in config.json's process.cwd; `..` and a
# symlink planted in the container. Every cwd is resolved inside the
# container's root after every fd >= 3 but the preserved ones is closed:
# the process sees the container's filesystem or hrun refuses, never the
# host directory.
. "$(dirname "$0")/lib.sh"

HOSTDIR=$T/host/inner
mkdir -p "$HOSTDIR" && touch "$HOSTDIR/HOST_MARKER" "$T/host/HOST_MARKER"

# never_host DESC RC OUTPUT: either refused (exit 1, one line naming the
# cwd) or a listing of the container's own directory
never_host() {
	if printf '%s' "$3" | grep -q HOST_MARKER; then
		not_ok "$1: THE PROCESS LISTED THE HOST DIRECTORY"
		printf '%s\n' "$3" | sed 's/^/#   /'
	elif [ "$2" = 0 ]; then
		ok "$1: ran in the container's filesystem"
	else
		expect_match "$1: refused naming the cwd" "^hrun: .*cwd.*/proc/self/fd/7" "$3"
	fi
}

b=$(new_bundle cwdb)
set_args "$b" sleep 1000
H run --detach --bundle "$b" "$ID" || not_ok "run the container"
wait_running "$ID"

out=$(exec 7<"$HOSTDIR"; H exec --cwd /proc/self/fd/7 "$ID" sh -c 'pwd; ls' 2>&1); rc=$?
never_host "exec --cwd /proc/self/fd/7 (fd 7 inherited, not preserved)" "$rc" "$out"
expect_eq "... refused (the fd is closed before the cwd is entered)" "1" "$rc"
out=$(exec 7<"$HOSTDIR"; H exec --preserve-fds 5 --cwd /proc/self/fd/7 "$ID" sh -c 'pwd; ls' 2>&1); rc=$?
never_host "exec --preserve-fds 5 --cwd /proc/self/fd/7 (fd 7 preserved)" "$rc" "$out"
expect_eq "... refused (a magic link is not followed)" "1" "$rc"
out=$(exec 7<"$HOSTDIR"; H exec --preserve-fds 5 "$ID" sh -c 'ls /proc/self/fd/7/' 2>&1)
expect_eq "control: the preserved fd 7 is the host directory (the attack is real)" "HOST_MARKER" "$out"
out=$(exec 7<"$HOSTDIR"; H exec --cwd /proc/self/fd/7/.. "$ID" sh -c 'pwd; ls' 2>&1); rc=$?
never_host "exec --cwd /proc/self/fd/7/.." "$rc" "$out"
jq -n '{args: ["sh", "-c", "pwd; ls"], cwd: "/proc/self/fd/7", user: {uid: 0, gid: 0}}' > "$T/proc.json"
out=$(exec 7<"$HOSTDIR"; H exec --preserve-fds 5 --process "$T/proc.json" "$ID" 2>&1); rc=$?
never_host "exec --process with cwd /proc/self/fd/7 (fd preserved)" "$rc" "$out"
out=$(exec 7<"$HOSTDIR"; H exec --cwd /../../../.. "$ID" pwd 2>&1)
expect_eq "exec --cwd /../../../.. stays at the container's /" "/" "$out"
H exec "$ID" ln -s /../../../../../../etc /tmp/esc
out=$(H exec --cwd /tmp/esc "$ID" ls 2>&1)
expect_eq "exec --cwd through a planted symlink to /../../etc: the container's /etc" "group
hostname
passwd" "$out"
out=$(exec 7<"$HOSTDIR"; H exec "$ID" ls /proc/self/fd 2>&1 | tr '\n' ' ')
expect_eq "exec: an inherited, not preserved fd 7 is closed (only stdio open)" "0 1 2 3 " "$out"
H delete --force "$ID"

# the same through config.json's process.cwd and `run`
for pres in "" "--preserve-fds 5"; do
	jq '.process.cwd = "/proc/self/fd/7" | .process.args = ["sh", "-c", "pwd; ls"]' "$b/config.json" > "$b/c.new" && mv "$b/c.new" "$b/config.json"
	out=$(exec 7<"$HOSTDIR"; H run $pres --bundle "$b" "$ID" 2>&1); rc=$?
	never_host "run ${pres:+$pres }with process.cwd /proc/self/fd/7" "$rc" "$out"
	expect_eq "... refused" "1" "$rc"
	H delete --force "$ID" >/dev/null 2>&1
done
jq '.process.cwd = "/../../tmp/../.." | .process.args = ["pwd"]' "$b/config.json" > "$b/c.new" && mv "$b/c.new" "$b/config.json"
out=$(H run --bundle "$b" "$ID" 2>&1)
expect_eq "run with process.cwd /../../tmp/../..: the container's /" "/" "$out"
jq '.process.cwd = "/tmp" | .process.args = ["sh", "-c", "pwd; ls /proc/self/fd | tr \"\\n\" \" \""]' "$b/config.json" > "$b/c.new" && mv "$b/c.new" "$b/config.json"
out=$(exec 7<"$HOSTDIR"; H run --bundle "$b" "$ID" 2>&1)
expect_eq "run: cwd /tmp, an inherited, not preserved fd 7 is closed" "/tmp
0 1 2 3 " "$out"
finish
