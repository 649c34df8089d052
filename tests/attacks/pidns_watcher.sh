#!/bin/bash
# pidns_watcher.sh: a container sharing the pid namespace of one being
# created (Kubernetes shareProcessNamespace: linux.namespaces pid path of
# the first container) watches for hrun's processes (comm "hrun": the new
# init while it still runs hrun's code) and opens their /proc/PID/environ,
# mem, exe (for writing) and fd. Both run as root in the container without
# a user namespace and without capabilities: the same uid, so only hrun's
# own care (capabilities during setup, non-dumpable from before the drop
# of capabilities to execve, the sealed binary) keeps the watcher out. A
# createRuntime hook sleeps to widen the setup window, a PATH of thousands
# of entries widens the window after the capabilities are dropped; the
# runtime's environment carries a marker the watcher looks for.
. "$(dirname "$0")/lib.sh"

build_evil || { echo "1..0 # SKIP no static gcc"; exit 0; }
evil_rootfs "$T/evilfs"
MARK=hrun-secret-$$-$RANDOM

W=$(new_bundle watcher "$ENGINE_DEFAULT")
ln -sfn "$T/evilfs" "$W/rootfs"
set_args "$W" /lib64/ld-linux-x86-64.so.2 watch "$MARK" 5000
wid=sealw$$
"$HRUN" --root "$ROOT" create --bundle "$W" "$wid" > "$T/watch.out" 2>&1
"$HRUN" --root "$ROOT" start "$wid"
wpid=$("$HRUN" --root "$ROOT" state "$wid" | jq -r .pid)
check "the watcher runs" grep -q '^evil: watching' <(sleep 0.3; cat "$T/watch.out")

path=/n/0
for ((i = 1; i < 8000; i++)); do path+=:/n/$i; done
path+=:/bin
hook='{createRuntime: [{path: "/bin/sleep", args: ["sleep", "0.5"]}]}'
V=$(new_bundle victim "$ENGINE_DEFAULT
  | .linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$wpid/ns/pid\" else . end)
  | .hooks = $hook
  | .process.env = [\"PATH=$path\"]")
set_args "$V" true
for n in 1 2 3; do
	env "HRUN_ATTACK_MARK=$MARK" "$HRUN" --root "$ROOT" run --bundle "$V" "sealv$$-$n" > "$T/victim-$n.out" 2>&1
	expect_eq "victim $n ran in the watcher's pid namespace" 0 $?
done
check "the watcher finished" wait_done "$T/watch.out" 15
out=$(cat "$T/watch.out")
expect_match "the watcher saw the victims' inits running hrun's code" \
	'^evil: watch: hrun processes seen: [1-9]' "$out"
expect_match "no open of /proc/PID/{environ,mem,exe,fd} of hrun's code succeeded" \
	'^evil: watch: leaks: 0$' "$out"
if grep -q 'LEAK\|WROTE\|TRUNCATED' "$T/watch.out"; then
	not_ok "nothing leaked"
	grep 'LEAK\|WROTE\|TRUNCATED' "$T/watch.out" | sort | uniq -c | sed 's/^/#   /'
else
	ok "nothing leaked"
fi
check "sha256 of the binary unchanged" binary_unchanged
"$HRUN" --root "$ROOT" delete --force "$wid" >/dev/null 2>&1
finish
