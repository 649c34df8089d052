#!/bin/bash
# A lifecycle that survives crashes: kill -9 of hrun at each stage of
# create (hooks that sleep, strace fault injection holding hrun at a chosen
# syscall, fixed delays), then `state` shows the container, `delete
# --force` leaves no process, cgroup, mount or state dir, and the id can be
# created again. Also: run -d of a uid-0 config without a user namespace,
# `state` while a hook runs, a hook querying its own container, leftover
# processes without a pid namespace, the config snapshot, the pid file.
. "$(dirname "$0")/lib.sh"

U=$$$RANDOM
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cgdir() { echo "$CG2/hrun/$1"; }
H() { timeout 60 "$HRUN" --root "$ROOT" "$@"; }

# uid 0, no user namespace (the Podman/containerd default): the init must
# neither die with hrun (run -d) nor outlive a killed create
ROOTCFG='.process.user = {"uid": 0, "gid": 0}
	| .linux.namespaces -= [{"type": "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
B=$(new_bundle b "$ROOTCFG | .process.args = [\"sleep\", \"1${U}1\"]")
cp "$B/config.json" "$T/base.json"
with_cfg() { jq "$1" "$T/base.json" > "$B/config.json"; }

# nothing of container ID left: process (by its unique sleep), cgroup,
# state dir, mount
leftovers() {
	local id=$1 what=""
	pgrep -f "sleep [0-9]*${U}" >/dev/null && what="$what process"
	[ -e "$(cgdir "$id")" ] && what="$what cgroup"
	[ -e "$ROOT/$id" ] && what="$what state-dir"
	grep -qF "$T" /proc/self/mountinfo && what="$what mount"
	echo "${what# }"
}

# after_kill CASE ID EXPECTED-STATUS: the checks every killed create gets
after_kill() {
	local c=$1 id=$2 want=$3 st
	sleep 0.2
	if [ -n "$want" ]; then
		st=$(H state "$id" 2>&1 | jq -r .status 2>/dev/null)
		expect_eq "$c: state shows the interrupted container" "$want" "$st"
		expect_match "$c: list shows it" "^$id +[0-9]+ +$want" "$(H list 2>&1)"
		expect_match "$c: create names delete --force" "already exists.*delete --force $id" \
			"$(H create --bundle "$B" "$id" 2>&1)"
	fi
	check "$c: delete --force succeeds" H delete --force "$id"
	expect_eq "$c: delete --force leaves nothing" "" "$(leftovers "$id")"
	check "$c: a new create of the same id works" H create --bundle "$B" "$id"
	expect_eq "$c: ... and is created" created "$(H state "$id" | jq -r .status)"
	check "$c: delete --force again" H delete --force "$id"
	expect_eq "$c: nothing left at the end" "" "$(leftovers "$id")"
}

# --- kill -9 in a hook ------------------------------------------------
for kind in createRuntime createContainer; do
	id=crash-$kind-$U
	with_cfg ".hooks.$kind = [{\"path\": \"/bin/sh\",
		\"args\": [\"sh\", \"-c\", \"touch $T/in-$kind; exec sleep 2${U}2\"]}]"
	rm -f "$T/in-$kind"
	"$HRUN" --root "$ROOT" create --bundle "$B" "$id" & P=$!
	for _ in $(seq 200); do [ -e "$T/in-$kind" ] && break; sleep 0.05; done
	kill -9 $P; wait $P 2>/dev/null
	with_cfg .
	after_kill "kill -9 in a $kind hook" "$id" creating
done

# --- kill -9 with hrun held at a syscall (strace fault injection) -----
# strace holds hrun (delay_exit: the syscall is done; delay_enter: not
# yet) while the test kills it
held_kill() { # held_kill CASE ID INJECT EXPECTED-STATUS
	local c=$1 id=$2 inj=$3 want=$4 hp=""
	strace -f -qq -o /dev/null --inject="$inj" "$HRUN" --root "$ROOT" create --bundle "$B" "$id" \
		2>/dev/null & local SP=$!
	for _ in $(seq 100); do
		sleep 0.05
		[ -e "$ROOT/$id" ] || continue
		hp=$(pgrep -P $SP -x hrun | head -1)
		[ -n "$hp" ] && break
	done
	sleep 0.3
	[ -n "$hp" ] && kill -9 "$hp"
	# strace (-f) also traces the init: detach it, do not wait for it
	sleep 0.2
	kill -9 $SP 2>/dev/null
	wait $SP 2>/dev/null
	after_kill "$c" "$id" "$want"
}
held_kill "kill -9 right after the state dir mkdir" "mk-$U" mkdirat:delay_exit=5s:when=1 creating
held_kill "kill -9 before the first state-file rename" "rn1-$U" \
	rename,renameat,renameat2:delay_enter=5s:when=1 creating
held_kill "kill -9 after the first state-file rename" "rn1x-$U" \
	rename,renameat,renameat2:delay_exit=5s:when=1 creating
held_kill "kill -9 at the exec fifo" "fifo-$U" mknodat:delay_exit=5s:when=1 creating
held_kill "kill -9 before the state-file rename to created" "rn4-$U" \
	rename,renameat,renameat2:delay_enter=5s:when=4 creating
held_kill "kill -9 at clone3" "clone-$U" clone3:delay_exit=5s:when=1 creating

# --- kill -9 after a fixed delay ----------------------------------------
for ms in 5 20 50 100; do
	id=t$ms-$U
	"$HRUN" --root "$ROOT" create --bundle "$B" "$id" & P=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 $P 2>/dev/null; wait $P 2>/dev/null
	# whatever stage it reached: state answers (or the id was never taken)
	if [ -e "$ROOT/$id" ]; then
		st=$(H state "$id" | jq -r .status)
		expect_match "kill -9 at $ms ms: state answers ($st)" '^(creating|created)$' "$st"
	else
		ok "kill -9 at $ms ms: before the id was reserved"
	fi
	after_kill "kill -9 at $ms ms" "$id" ""
done

# --- a power loss: state files are not fsync'd (state.c), so what a reboot
# can leave of a create is an empty state.json and no process or cgroup;
# state, list and delete --force must still handle it
id=power-$U
with_cfg .
H create --bundle "$B" "$id"
pid=$(H state "$id" | jq -r .pid)
kill -9 "$pid"
for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
rmdir "$(cgdir "$id")"
: > "$ROOT/$id/state.json"
after_kill "empty state.json (power loss)" "$id" creating

# --- run -d of a uid-0 config without a user namespace ----------------
id=rund-$U
H run -d --bundle "$B" "$id"
sleep 0.3
pid=$(H state "$id" | jq -r .pid)
expect_eq "run -d (uid 0, no userns): running after hrun exited" running "$(H state "$id" | jq -r .status)"
check "run -d: the init is alive" kill -0 "$pid"
H delete --force "$id"
expect_eq "run -d: delete --force leaves nothing" "" "$(leftovers "$id")"

# --- state while a slow createRuntime hook runs; a hook asks for its own state
id=slow-$U
with_cfg '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "touch '"$T"'/slow; sleep 5"]}]'
rm -f "$T/slow"
H create --bundle "$B" "$id" & P=$!
for _ in $(seq 100); do [ -e "$T/slow" ] && break; sleep 0.05; done
t0=$(date +%s%N)
st=$(timeout 5 "$HRUN" --root "$ROOT" state "$id" | jq -r .status)
ms=$((($(date +%s%N) - t0) / 1000000))
expect_eq "state during a 5 s createRuntime hook: creating" creating "$st"
check "state during the hook answers in < 1 s (${ms} ms)" test "$ms" -lt 1000
wait $P
expect_eq "after the hook: created" created "$(H state "$id" | jq -r .status)"
H delete --force "$id"

id=self-$U
with_cfg ".hooks.createRuntime = [{\"path\": \"/bin/sh\",
	\"args\": [\"sh\", \"-c\", \"$HRUN --root $ROOT state $id > /dev/null\"], \"timeout\": 20}] | .hooks.createContainer = [{\"path\": \"/bin/sh\",
	\"args\": [\"sh\", \"-c\", \"$HRUN --root $ROOT state $id > $T/self.json\"], \"timeout\": 20}]"
t0=$(date +%s)
check "a hook running hrun state on its own container finishes" H create --bundle "$B" "$id"
check "... without waiting for a lock (< 10 s)" test $(($(date +%s) - t0)) -lt 10
expect_eq "the hook saw creating" creating "$(jq -r .status "$T/self.json" 2>/dev/null)"
H delete --force "$id"

# --- delete and run kill what the init leaves in its cgroup (no pid ns)
NOPID='.linux.namespaces -= [{"type": "pid"}]'
id=orphan-$U
with_cfg "$NOPID | .process.args = [\"sh\", \"-c\", \"sleep 3${U}3 & exit 0\"]"
H run -d --bundle "$B" "$id"
sleep 0.5
expect_eq "no pid ns: init gone, state stopped" stopped "$(H state "$id" | jq -r .status)"
check "no pid ns: its child still lives" pkill -0 -f "sleep 3${U}3"
check "delete of the stopped container succeeds" H delete "$id"
expect_eq "delete killed the leftover child, removed the cgroup" "" "$(leftovers "$id")"

id=orphan-run-$U
with_cfg "$NOPID | .process.args = [\"sh\", \"-c\", \"sleep 4${U}4 & exit 0\"]"
H run --bundle "$B" "$id"
expect_eq "run without a pid ns: no leftover process or cgroup" "" "$(leftovers "$id")"

# --- the pid file stays after the container exits (runc) -------------
id=pidf-$U
with_cfg '.process.args = ["true"]'
H run --pid-file "$T/pidfile" --bundle "$B" "$id"
check "run --pid-file: the file is kept after the exit" test -s "$T/pidfile"

# --- the config snapshot: the bundle is never read after create --------
id=snap-$U
with_cfg ".hooks.poststop = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"touch $T/poststop\"]}]"
H create --bundle "$B" "$id"
snap_mode=$(stat -c %a "$ROOT/$id/config.json")
expect_eq "the snapshot is 0600 in the state dir" 600 "$snap_mode"
echo '{"ociVersion": "1.0.0", "process": {"args": ["x"]}, "root": {"path": "nope"}}' > "$B/config.json"
check "start with an edited bundle config uses the snapshot" H start "$id"
out=$(H exec "$id" sh -c 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status | tr -s "\t" " "')
expect_eq "exec: Seccomp 2, NoNewPrivs 1 from the snapshot" "NoNewPrivs: 1
Seccomp: 2" "$out"
rm -f "$B/config.json"
check "kill with the bundle config deleted" H kill "$id" KILL
sleep 0.3
check "delete with the bundle config deleted" H delete "$id"
check "the poststop hook came from the snapshot" test -e "$T/poststop"
with_cfg .

finish
