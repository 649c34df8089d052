#!/bin/bash
# exe_loader.sh: the CVE-2019-5736 class through an image. The entrypoint
# (or an exec'd program) is a script `#!/proc/self/exe` and the image ships
# its own /lib64/ld-linux-x86-64.so.2, so the kernel runs hrun's binary in
# the container with the image's code as its loader. That code opens
# /proc/self/exe for writing in every way, keeps an O_PATH fd and retries
# through /proc/self/fd/N after hrun has exited. Through create+start, run
# (foreground and --detach) and exec; as root in the container (no user
# namespace, no capabilities) and as uid 1000. hrun runs from a sealed
# memfd: the loader must see `/memfd:hrun (deleted)`, every write fail,
# and the binary under test keep its sha256.
. "$(dirname "$0")/lib.sh"

build_evil || { echo "1..0 # SKIP no static gcc"; exit 0; }
evil_rootfs "$T/evilfs"

# verdict OUT CASE: evil ran as hrun's loader from the sealed copy, wrote
# nothing, and the binary is unchanged
verdict() {
	local out=$1 what=$2
	if ! wait_done "$out"; then
		not_ok "$what: the attack finished"
		sed 's/^/#   /' "$out"
		return
	fi
	expect_match "$what: the image's loader ran hrun's binary, a sealed memfd" \
		'^evil: loader running, /proc/self/exe -> /memfd:hrun \(deleted\)$' "$(cat "$out")"
	expect_match "$what: the O_PATH fd names the memfd, retried after hrun exited" \
		'^evil: O_PATH fd -> /memfd:hrun \(deleted\)$' "$(cat "$out")"
	expect_match "$what: the retry ran" '^evil: retry: tries [1-9]' "$(cat "$out")"
	if grep -Eq 'WROTE|TRUNCATED|MODIFIED' "$out"; then
		not_ok "$what: no write reached the binary"
		sed 's/^/#   /' "$out"
	else
		ok "$what: no write reached the binary"
	fi
	check "$what: sha256 of the binary unchanged" binary_unchanged
}

for who in root user; do
	filter=$ENGINE_DEFAULT
	[ "$who" = user ] && filter="$ENGINE_DEFAULT | .process.user = {uid: 1000, gid: 1000}"
	B=$(new_bundle "b-$who" "$filter")
	ln -sfn "$T/evilfs" "$B/rootfs"
	id=seal$$-$who

	set_args "$B" /bin/evil
	"$HRUN" --root "$ROOT" create --bundle "$B" "$id-c" > "$T/out-c-$who" 2>&1 &&
		"$HRUN" --root "$ROOT" start "$id-c"
	verdict "$T/out-c-$who" "create+start as $who"
	"$HRUN" --root "$ROOT" delete --force "$id-c" >/dev/null 2>&1

	"$HRUN" --root "$ROOT" run --bundle "$B" "$id-r" > "$T/out-r-$who" 2>&1
	verdict "$T/out-r-$who" "run as $who"
	"$HRUN" --root "$ROOT" delete --force "$id-r" >/dev/null 2>&1

	"$HRUN" --root "$ROOT" run --detach --bundle "$B" "$id-d" > "$T/out-d-$who" 2>&1
	verdict "$T/out-d-$who" "run --detach as $who"
	"$HRUN" --root "$ROOT" delete --force "$id-d" >/dev/null 2>&1

	set_args "$B" sleep 30
	"$HRUN" --root "$ROOT" run --detach --bundle "$B" "$id-e" >/dev/null 2>&1
	"$HRUN" --root "$ROOT" exec "$id-e" /bin/evil > "$T/out-e-$who" 2>&1
	verdict "$T/out-e-$who" "exec as $who"
	"$HRUN" --root "$ROOT" delete --force "$id-e" >/dev/null 2>&1
done
finish
