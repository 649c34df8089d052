#!/bin/bash
# own_exe.sh: /proc/PID/exe of hrun's own processes (the runtime during
# `run`, the waiting init after `create`, the runtime during `exec`) names
# the sealed memfd, and nobody can write through it: not root on the host
# (open for writing, or reopening an O_PATH fd through /proc/self/fd/N,
# then write/truncate), not a non-root host user. The sha256 of the binary
# under test stays the same. Also: the commands that do not start
# container processes do not re-execute.
. "$(dirname "$0")/lib.sh"

# try_write PID: print one line per attempt ("blocked ERR" or "WROTE")
try_write() {
	python3 - "$1" <<'PY'
import os, sys
p = "/proc/%s/exe" % sys.argv[1]
def attempt(what, path, flags):
    try:
        fd = os.open(path, flags)
    except OSError as e:
        print(what, "open blocked", e.errno); return
    for op in (lambda: os.pwrite(fd, b"EVIL", 0), lambda: os.ftruncate(fd, 4096)):
        try:
            op(); print(what, "WROTE")
        except OSError as e:
            print(what, "write blocked", e.errno)
    os.close(fd)
attempt("exe O_WRONLY", p, os.O_WRONLY)
attempt("exe O_RDWR", p, os.O_RDWR)
try:
    o = os.open(p, os.O_PATH)
    attempt("O_PATH reopen", "/proc/self/fd/%d" % o, os.O_RDWR)
except OSError as e:
    print("O_PATH open blocked", e.errno)
PY
}

# probe NAME PID: the exe is the memfd; writing fails for root and nobody
probe() {
	local what=$1 pid=$2 out
	expect_eq "$what: /proc/PID/exe is the sealed memfd" "/memfd:hrun (deleted)" \
		"$(readlink "/proc/$pid/exe")"
	expect_eq "$what: comm stays hrun" hrun "$(cat "/proc/$pid/comm")"
	out=$(try_write "$pid")
	expect_match "$what: root tried to write" 'blocked' "$out"
	if printf '%s' "$out" | grep -q WROTE; then
		not_ok "$what: root cannot write through it"; echo "$out" | sed 's/^/#   /'
	else
		ok "$what: root cannot write through it"
	fi
	out=$(setpriv --reuid 65534 --regid 65534 --clear-groups bash -c "$(declare -f try_write); try_write $pid" 2>&1)
	if printf '%s' "$out" | grep -q WROTE || ! printf '%s' "$out" | grep -q blocked; then
		not_ok "$what: a non-root host user cannot write through it"; echo "$out" | sed 's/^/#   /'
	else
		ok "$what: a non-root host user cannot write through it"
	fi
}

B=$(new_bundle b)
set_args "$B" sleep 30
id=sealo$$

# the runtime during `run`
"$HRUN" --root "$ROOT" run --bundle "$B" "$id-r" >/dev/null 2>&1 &
rpid=$!
for _ in $(seq 50); do
	[ "$("$HRUN" --root "$ROOT" state "$id-r" 2>/dev/null | jq -r .status)" = running ] && break
	sleep 0.1
done
probe "the runtime during run" "$rpid"
"$HRUN" --root "$ROOT" kill "$id-r" KILL >/dev/null 2>&1
wait "$rpid"

# the waiting init after `create`, then the runtime during `exec`
"$HRUN" --root "$ROOT" create --bundle "$B" "$id-c" >/dev/null 2>&1
ipid=$("$HRUN" --root "$ROOT" state "$id-c" | jq -r .pid)
probe "the init after create" "$ipid"
"$HRUN" --root "$ROOT" start "$id-c"
"$HRUN" --root "$ROOT" exec "$id-c" sleep 2 >/dev/null 2>&1 &
epid=$!
sleep 0.5
probe "the runtime during exec" "$epid"
wait "$epid"
expect_eq "exec still works" ok "$("$HRUN" --root "$ROOT" exec "$id-c" echo ok)"
"$HRUN" --root "$ROOT" delete --force "$id-c" >/dev/null 2>&1

# only the commands that start container processes re-execute
n=$(strace -f -e trace=execve,execveat "$HRUN" --root "$ROOT" list 2>&1 | grep -c '^execveat\|execveat(')
expect_eq "list does not re-execute" 0 "$n"
n=$(strace -e trace=execveat "$HRUN" --root "$ROOT" run --bundle /nonexistent x 2>&1 | grep -c 'execveat(.*AT_EMPTY_PATH) = 0')
expect_eq "run re-executes once from the memfd" 1 "$n"
# an environment variable cannot fake "already sealed"
n=$(env HRUN_SEALED=1 _HRUN_SEALED=1 strace -e trace=execveat "$HRUN" --root "$ROOT" create --bundle /nonexistent x 2>&1 | grep -c 'AT_EMPTY_PATH) = 0')
expect_eq "create re-executes whatever the environment says" 1 "$n"
check "sha256 of the binary unchanged" binary_unchanged
finish
