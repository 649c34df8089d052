#!/bin/bash
# Hostile input never hangs: each case a clear one-line error (or correct
# behaviour) within a timeout, and nothing left behind (state dir, cgroup,
# process). Also: 64-bit hook timeouts, RLIM_INFINITY rlimits applied, a
# state larger than a pipe buffer to a hook that does not read.
. "$(dirname "$0")/lib.sh"

U=$$$RANDOM
CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
H() { timeout 20 "$HRUN" --root "$ROOT" "$@"; }
ROOTCFG='.process.user = {"uid": 0, "gid": 0}
	| .linux.namespaces -= [{"type": "user"}] | del(.linux.uidMappings, .linux.gidMappings)'
B=$(new_bundle b "$ROOTCFG | .process.args = [\"sleep\", \"1${U}1\"]")
cp "$B/config.json" "$T/base.json"
with_cfg() { jq "$1" "$T/base.json" > "$B/config.json"; }

nothing_left() {
	local what=""
	pgrep -f "sleep [0-9]*${U}" >/dev/null && what="$what process"
	ls "$CG2/hrun" 2>/dev/null | grep -q "$U" && what="$what cgroup"
	ls "$ROOT" 2>/dev/null | grep -qv '^@seccomp$' && what="$what state-dir"
	echo "${what# }"
}

# refused CASE REGEX ARGS...: non-zero within the timeout, one line matching
refused() {
	local c=$1 re=$2 out rc t0; shift 2
	t0=$(date +%s)
	out=$(timeout 20 "$HRUN" --root "$ROOT" "$@" 2>&1); rc=$?
	check "$c: refused (exit $rc), not hung" test "$rc" -ne 0 -a "$rc" -ne 124
	check "$c: within 10 s" test $(($(date +%s) - t0)) -lt 10
	expect_match "$c: one clear line" "^hrun: .*$re" "$out"
	expect_eq "$c: one line only" 1 "$(printf '%s\n' "$out" | wc -l)"
	expect_eq "$c: nothing left behind" "" "$(nothing_left)"
}

# --- the config file ---------------------------------------------------
rm -f "$B/config.json"; mkfifo "$B/config.json"
refused "FIFO config.json" "not a regular file" create --bundle "$B" fifo-$U
rm -f "$B/config.json"; ln -s /dev/zero "$B/config.json"
refused "config.json -> /dev/zero" "not a regular file" create --bundle "$B" zero-$U
rm -f "$B/config.json"
python3 -c "import sys; sys.stdout.write('{\"ociVersion\": \"1.0.0\", \"x\": ' + '[' * 100000 + ']' * 100000 + '}')" \
	> "$B/config.json"
refused "100k nested arrays" "invalid JSON" create --bundle "$B" nest-$U
python3 -c "
import json, sys
c = json.load(open('$T/base.json'))
c['annotations'] = {'big': 'x' * (50 << 20)}
json.dump(c, sys.stdout)" > "$B/config.json"
refused "50 MB config" "larger than" create --bundle "$B" big-$U

# --- hostile ids ---------------------------------------------------------
with_cfg .
refused "id ../x" "invalid container id" create --bundle "$B" ../x
refused "id a/b" "invalid container id" create --bundle "$B" a/b
refused "empty id" "must not be empty" create --bundle "$B" ""
refused "unicode id" "invalid container id" create --bundle "$B" "caf$(printf '\303\251')"
refused "2000-char id" "too long" create --bundle "$B" "$(printf 'a%.0s' $(seq 2000))"
refused "state of ../x" "invalid container id" state ../x
refused "delete --force of a/b" "invalid container id" delete --force a/b
check "no file was made outside the state root" test ! -e "$T/x" -a ! -e "$ROOT/../x"

# --- hook timeouts and the state written to a hook --------------------
id=tmo-$U
with_cfg '.hooks.createRuntime = [{"path": "/bin/true", "timeout": 4294967296}]'
check "hook timeout 4294967296 s: accepted, the hook runs" H create --bundle "$B" "$id"
H delete --force "$id"

BIGANN='.annotations = {"big": ("y" * 102400)}'
id=noread-$U
with_cfg "$BIGANN | .hooks.createRuntime = [{\"path\": \"/bin/sleep\", \"args\": [\"sleep\", \"6${U}6\"], \"timeout\": 2}]"
t0=$(date +%s%N)
out=$(H create --bundle "$B" "$id" 2>&1); rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
check "100 KiB state to a hook that never reads: create fails" test "$rc" -ne 0 -a "$rc" -ne 124
expect_match "... naming the timeout" "hooks.createRuntime\[0\]: .*timed out after 2 s" "$out"
check "... after the 2 s timeout, not later (${ms} ms)" test "$ms" -ge 1900 -a "$ms" -lt 5000
expect_eq "... and nothing left behind (the hook killed too)" "" "$(nothing_left)"

id=exits-$U
with_cfg "$BIGANN | .hooks.createRuntime = [{\"path\": \"/bin/true\", \"timeout\": 5}]"
check "100 KiB state to a hook that exits without reading: create works" H create --bundle "$B" "$id"
H delete --force "$id"

id=reads-$U
with_cfg "$BIGANN | .hooks.createRuntime = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"wc -c > $T/n\"], \"timeout\": 5}]"
check "100 KiB state to a hook that reads it: create works" H create --bundle "$B" "$id"
check "... the hook got all of it ($(cat "$T/n" 2>/dev/null) bytes)" test "$(cat "$T/n" 2>/dev/null || echo 0)" -gt 102400
H delete --force "$id"

# --- RLIM_INFINITY (18446744073709551615) ------------------------------
# root here lacks CAP_SYS_RESOURCE: only limits whose hard limit already is
# unlimited can be set to unlimited
INF=\"@INF@\" # jq would turn the number into a double
num() { sed -i "s/\"@INF@\"/18446744073709551615/g; s/\"@BIG@\"/18446744073709551614/g" "$B/config.json"; }
# (RLIMIT_FSIZE, not RLIMIT_AS: an ASan build cannot run under an AS limit)
if [ "$(ulimit -Hc)" = unlimited ] && [ "$(ulimit -Hf)" = unlimited ]; then
	id=inf-$U
	jq ".process.rlimits = [{\"type\": \"RLIMIT_CORE\", \"soft\": $INF, \"hard\": $INF},
		{\"type\": \"RLIMIT_FSIZE\", \"soft\": 1073741824, \"hard\": $INF},
		{\"type\": \"RLIMIT_NOFILE\", \"soft\": 512, \"hard\": 1024}]
		| .process.args = [\"sh\", \"-c\", \"grep -E \\\"^Max (core file size|file size|open files)\\\" /proc/self/limits | tr -s \\\" \\\" \\\" \\\"\"]" \
		"$T/base.json" > "$B/config.json"
	num
	out=$(H run --bundle "$B" "$id" 2>&1)
	expect_eq "RLIM_INFINITY accepted and applied (core, fsize; nofile as given)" \
"Max file size 1073741824 unlimited bytes 
Max core file size unlimited unlimited bytes 
Max open files 512 1024 files " "$out"
else
	ok "# SKIP the host's core/as hard limits are not unlimited"
fi
with_cfg ".process.rlimits = [{\"type\": \"RLIMIT_CORE\", \"soft\": \"@BIG@\", \"hard\": $INF}]"
num
refused "rlimit 2^64-2 (not representable)" "too big integer" create --bundle "$B" big64-$U

finish
