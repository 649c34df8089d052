#!/bin/bash
# The command line engines rely on: --version, features, the json error
# log, hooks with the state on stdin, and terminals over --console-socket.
. "$(dirname "$0")/lib.sh"
H() { "$HRUN" --root "$ROOT" "$@"; }

v=$("$HRUN" --version)
expect_match "--version: hrun version X.Y.Z" "^hrun version [0-9]+\.[0-9]+\.[0-9]+$" "$(printf '%s\n' "$v" | sed -n 1p)"
expect_match "--version: spec line" "^spec: 1\.[0-9]+\.[0-9]+$" "$(printf '%s\n' "$v" | sed -n 2p)"
expect_match "--version: feature line" "\+SECCOMP.*\+CAP" "$(printf '%s\n' "$v" | sed -n 3p)"
f=$("$HRUN" features)
expect_eq "features is valid JSON with ociVersionMax" "1.2.0" "$(printf '%s' "$f" | jq -r .ociVersionMax)"
expect_eq "features lists the namespaces" "true" "$(printf '%s' "$f" | jq '.linux.namespaces | index("user") != null')"
expect_eq "features: seccomp enabled" "true" "$(printf '%s' "$f" | jq '.linux.seccomp.enabled')"
expect_eq "features: no notify action" "false" "$(printf '%s' "$f" | jq '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null')"

# --log-format json: one JSON line per error, plain message on stderr
B=$(new_bundle cli)
set_args "$B" no-such-command
"$HRUN" --root "$ROOT" --log "$T/log.json" --log-format=json run --bundle "$B" c1 2>"$T/err"
expect_eq "json log: exactly one line" "1" "$(wc -l < "$T/log.json")"
expect_eq "json log: the whole file decodes as one JSON value" "error" "$(jq -r .level "$T/log.json")"
expect_match "json log: msg keeps 'executable file not found'" "executable file not found" "$(jq -r .msg "$T/log.json")"
expect_match "json log: RFC3339 time" "^[0-9]{4}-[0-9]{2}-[0-9]{2}T" "$(jq -r .time "$T/log.json")"
expect_match "json log: message also on stderr" "^hrun: .*executable file not found" "$(cat "$T/err")"
"$HRUN" --root="$ROOT" --log="$T/log.txt" state nope 2>/dev/null
expect_match "text log: logfmt line with 'does not exist'" '^time=".*" level=error msg=".*does not exist' "$(cat "$T/log.txt")"
out=$(H state nope --bogus 2>&1)
expect_match "unknown option is refused" 'unknown option `--bogus` \(see `hrun state --help`\)' "$out"

# hooks: every kind runs, in order, with the state on stdin
cat > "$T/hook.sh" <<'HK'
#!/bin/sh
# hook.sh NAME LOG: record NAME, the status and pid from the state on stdin
state=$(cat)
printf '%s %s %s\n' "$1" "$(printf '%s' "$state" | jq -r .status)" "$(printf '%s' "$state" | jq -r '.pid > 0')" >> "$2"
HK
chmod 755 "$T/hook.sh"
hooks=$(jq -n --arg h "$T/hook.sh" --arg l "$T/hooks.log" '
  def hk(n): [{path: $h, args: ["hook.sh", n, $l]}];
  {prestart: hk("prestart"), createRuntime: hk("createRuntime"), createContainer: hk("createContainer"), poststart: hk("poststart"), poststop: hk("poststop")}')
# createContainer runs as the root of the container's user namespace
: > "$T/hooks.log" && chmod 666 "$T/hooks.log"
jq --argjson h "$hooks" '.hooks = $h | .process.args = ["true"]' "$B/config.json" > "$T/c.json" && cp "$T/c.json" "$B/config.json"
H run --bundle "$B" hooks1
expect_eq "hooks run in order with the state on stdin" \
	"prestart creating true|createRuntime creating true|createContainer creating true|poststart running true|poststop stopped false" \
	"$(tr '\n' '|' < "$T/hooks.log" | sed 's/|$//')"
jq --arg h "$T/hook.sh" '.hooks = {createRuntime: [{path: "/bin/false"}]}' "$B/config.json" > "$T/c.json" && cp "$T/c.json" "$B/config.json"
out=$(H run --bundle "$B" hooks2 2>&1); rc=$?
expect_eq "a failing createRuntime hook fails the run" "1" "$rc"
expect_match "... naming the hook" "hooks.createRuntime\[0\]" "$out"
expect_eq "... and leaves nothing behind" "" "$(ls -A "$ROOT" | grep -vx "@seccomp")"
jq '.hooks = {poststart: [{path: "/bin/false"}, {path: "/bin/sh", args: ["sh", "-c", "echo second-ran"]}]} | .process.args = ["echo", "ran"]' "$B/config.json" > "$T/c.json" && cp "$T/c.json" "$B/config.json"
out=$(H run --bundle "$B" hooks3 2>&1); rc=$?
expect_eq "a failing poststart hook is only a warning" "0" "$rc"
expect_match "... logged as a warning naming it" "warning: hooks.poststart\[0\]" "$out"
expect_match "... and the next hook still runs" "second-ran" "$out"
H create --bundle "$B" del1
out=$(H delete del1 2>&1); rc=$?
expect_eq "delete of a created (not stopped) container fails (runtime.md)" "1" "$rc"
expect_eq "... and has no effect" "created" "$(H state del1 | jq -r .status)"
H delete --force del1; expect_eq "delete --force removes it" "1" "$(H state del1 >/dev/null 2>&1; echo $?)"

# terminal: the pty master arrives over --console-socket (SCM_RIGHTS)
if command -v python3 >/dev/null; then
	jq '.hooks = {} | .process.terminal = true | .process.args = ["sh", "-c", "test -t 0 && test -t 1 && echo TTY-OK $(tty)"]' "$B/config.json" > "$T/c.json" && cp "$T/c.json" "$B/config.json"
	python3 "$(dirname "$0")/recv_console.py" "$T/console.sock" "$T/console.out" &
	rp=$!
	for _ in $(seq 50); do [ -S "$T/console.sock" ] && break; sleep 0.1; done
	H create --bundle "$B" --console-socket "$T/console.sock" tty1
	expect_eq "create with --console-socket succeeds" "created" "$(H state tty1 | jq -r .status)"
	H start tty1
	for _ in $(seq 50); do [ "$(H state tty1 | jq -r .status)" = stopped ] && break; sleep 0.1; done
	wait "$rp"
	expect_match "the process has a terminal on stdin/stdout (/dev/pts/0)" "TTY-OK /dev/pts/0" "$(tr -d '\r' < "$T/console.out")"
	H delete tty1
else
	echo "# python3 missing: console socket test skipped"
fi
# exec --tty over --console-socket (what engines send for `exec -t`): the
# process joins every namespace of the container, as without a terminal
if command -v python3 >/dev/null; then
	BX=$(new_bundle ttyx)
	set_args "$BX" sleep 60
	H run -d --bundle "$BX" ttyx
	ipid=$(H state ttyx | jq -r .pid)
	python3 "$(dirname "$0")/recv_console.py" "$T/consx.sock" "$T/consx.out" &
	rp=$!
	for _ in $(seq 50); do [ -S "$T/consx.sock" ] && break; sleep 0.1; done
	H exec --tty --console-socket "$T/consx.sock" ttyx sh -c \
		'for n in user pid net ipc uts mnt cgroup; do echo "NS $n $(readlink /proc/self/ns/$n)"; done'
	expect_eq "exec --tty --console-socket: exit status 0" "0" "$?"
	wait "$rp"
	for n in user pid net ipc uts mnt cgroup; do
		expect_eq "exec --tty --console-socket joins the container's $n namespace" \
			"$(readlink "/proc/$ipid/ns/$n")" \
			"$(tr -d '\r' < "$T/consx.out" | sed -n "s/^NS $n //p")"
	done
	H delete --force ttyx
fi
# terminal without --console-socket: `run` relays it (driven through script(1))
if command -v script >/dev/null; then
	BT=$(new_bundle tty-fg '.process.terminal = true')
	set_args "$BT" sh
	out=$(echo 'echo typed-$((6*7)); tty; exit 5' | script -qec "$HRUN --root $ROOT run --bundle $BT tty-fg" /dev/null)
	rc=$?
	expect_match "run relays the terminal: input reaches the shell" "typed-42" "$out"
	expect_match "... which has a pty as its terminal" "/dev/pts/0" "$out"
	expect_eq "... and its exit code comes back" "5" "$rc"
fi
# update takes runc's size units (the values are checked in the VM suite)
BU=$(new_bundle upd)
set_args "$BU" sleep 30
"$HRUN" --root "$ROOT" create --bundle "$BU" upd-1 >/dev/null 2>&1
out=$("$HRUN" --root "$ROOT" update --memory 12q upd-1 2>&1)
expect_eq "update --memory 12q: one line naming the flag" \
	"hrun: --memory: expected a size (e.g. 512m, 1g, -1), got \`12q\`" "$out"
"$HRUN" --root "$ROOT" delete --force upd-1 >/dev/null 2>&1

# a resized terminal reaches the container's pty (SIGWINCH relay)
if command -v python3 >/dev/null; then
	BW=$(new_bundle tty-winch '.process.terminal = true')
	set_args "$BW" sh -c 'stty size; sleep 2; stty size'
	out=$(python3 "$(dirname "$0")/winsize.py" "$HRUN" --root "$ROOT" run --bundle "$BW" tty-winch)
	expect_eq "run -t: the first size is the terminal's, then the resized one" \
		"24 80
33 77" "$out"
fi
finish
