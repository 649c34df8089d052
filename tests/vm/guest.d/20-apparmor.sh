#!/bin/bash
# Guest test: AppArmor applied by hrun for real (Debian's kernel booted with
# apparmor=1; apparmor_parser from the host's `apparmor` package). Loads
# profiles/apparmor/hrun-default and a small test profile (hrun-vmtest:
# everything allowed but writes to /tmp/aa-denied*) with apparmor_parser -r,
# then:
#   - process.apparmorProfile = hrun-vmtest: /proc/self/attr/current inside
#     the container reads "hrun-vmtest (enforce)", writing /tmp/aa-denied
#     fails with "Permission denied" while /tmp/aa-allowed works; the same
#     write works in the same container unconfined
#   - process.apparmorProfile = hrun-default (root, no user namespace,
#     /proc/sys not read-only): writing /proc/sys/kernel/hostname (the
#     container's own UTS namespace) fails with "Permission denied", while
#     it works unconfined
#   - `hrun exec` inherits the container's profile; `exec --apparmor
#     hrun-vmtest` in an unconfined container confines only that process;
#     a process.json's apparmorProfile applies too
#   - a profile that is not loaded: run exits 1 with one line naming
#     process.apparmorProfile, nothing left behind
#   - `hrun spec` names hrun-default here (AppArmor is enabled)
# The profiles are removed (apparmor_parser -R) at the end.
. "$(dirname "$0")/10-cgroup-lib.sh"

[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] ||
	{ echo "Bail out! AppArmor is not enabled in the VM (kernel command line?)"; exit 1; }
command -v apparmor_parser >/dev/null ||
	{ echo "Bail out! apparmor_parser missing: install the host's apparmor (tests/deps.sh --test)"; exit 1; }

TP=$SCRATCH/hrun-vmtest
cat >"$TP" <<'PROFILE'
abi <abi/3.0>,
profile hrun-vmtest flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  network,
  signal,
  ptrace,
  deny /tmp/aa-denied* w,
}
PROFILE
aa_cleanup() {
	vm_cleanup
	apparmor_parser -R "$TP" >/dev/null 2>&1
	apparmor_parser -R "$HRUN_SRC/profiles/apparmor/hrun-default" >/dev/null 2>&1
}
trap aa_cleanup EXIT
# -K: no cache (the guest's / is a discarded overlay anyway)
out=$(apparmor_parser -K -r "$HRUN_SRC/profiles/apparmor/hrun-default" 2>&1)
expect_eq "apparmor_parser -r hrun-default" "0:" "$?:$out"
out=$(apparmor_parser -K -r "$TP" 2>&1)
expect_eq "apparmor_parser -r hrun-vmtest" "0:" "$?:$out"
loaded=$(cat /sys/kernel/security/apparmor/profiles)
expect_re "hrun-default loaded in enforce mode" $'(^|\n)hrun-default \\(enforce\\)' "$loaded"

# the label line (AppArmor ends it with a newline) with shell builtins only
ATTR='read -r a </proc/self/attr/current; echo "$a"'
W='for f in /tmp/aa-allowed /tmp/aa-denied; do if { echo x >$f; } 2>/dev/null; then echo "$f:ok"; else echo "$f:denied"; fi; done
echo x >/tmp/aa-denied'

# ---- run with the test profile ------------------------------------------------
b=$(bundle aa-test '.process.apparmorProfile = "hrun-vmtest"' sh -c "$ATTR; $W")
out=$(hr run --bundle "$b" aa-test </dev/null 2>&1)
rc=$?
mapfile -t L <<<"$out"
echo "# confined run: ${out//$'\n'/ | }"
expect_eq "hrun-vmtest: run exits 1 (the denied write is the last command)" 1 "$rc"
expect_eq "hrun-vmtest: attr/current names the profile" "hrun-vmtest (enforce)" "${L[0]}"
expect_eq "hrun-vmtest: /tmp/aa-allowed writable" /tmp/aa-allowed:ok "${L[1]}"
expect_eq "hrun-vmtest: /tmp/aa-denied refused" /tmp/aa-denied:denied "${L[2]}"
expect_re "hrun-vmtest: the shell says Permission denied" 'aa-denied.*Permission denied' "${L[3]:-}"

b=$(bundle aa-none . sh -c "$ATTR; $W")
out=$(hr run --bundle "$b" aa-none </dev/null 2>&1)
rc=$?
mapfile -t L <<<"$out"
echo "# unconfined run: ${out//$'\n'/ | }"
expect_eq "unconfined: run exits 0" 0 "$rc"
expect_eq "unconfined: attr/current" unconfined "${L[0]}"
expect_eq "unconfined: /tmp/aa-denied writable" /tmp/aa-denied:ok "${L[2]}"

# ---- hrun-default: no writes to /proc/sys ------------------------------------
SYS="$ATTR"'
if err=$({ echo aa-set >/proc/sys/kernel/hostname; } 2>&1); then echo "write:ok $(hostname)"; else echo "write:denied $err"; fi'
ROOTCFG="$NO_USERNS | .process.user = {uid: 0, gid: 0} | .linux.readonlyPaths -= [\"/proc/sys\"]"
for v in unconfined hrun-default; do
	f=$ROOTCFG
	[ $v = hrun-default ] && f="$f | .process.apparmorProfile = \"hrun-default\""
	b=$(bundle "aa-sys-$v" "$f" sh -c "$SYS")
	out=$(hr run --bundle "$b" "aa-sys-$v" </dev/null 2>&1)
	rc=$?
	mapfile -t L <<<"$out"
	echo "# $v: ${out//$'\n'/ | }"
	expect_eq "$v: run exits 0" 0 "$rc"
	if [ $v = unconfined ]; then
		expect_eq "unconfined: attr/current" unconfined "${L[0]}"
		expect_eq "unconfined: /proc/sys/kernel/hostname writable" "write:ok aa-set" "${L[1]}"
	else
		expect_eq "hrun-default: attr/current" "hrun-default (enforce)" "${L[0]}"
		expect_re "hrun-default: /proc/sys/kernel/hostname write refused (EACCES)" \
			'^write:denied .*Permission denied$' "${L[1]}"
	fi
done

# ---- exec ----------------------------------------------------------------------
b=$(bundle aa-exec '.process.apparmorProfile = "hrun-vmtest"' sleep 600)
run_detached "$b" aa-exec
expect_eq "confined container: run -d exits 0" 0 "$?"
out=$(hr exec aa-exec sh -c "$ATTR" 2>&1)
expect_eq "exec inherits the container's profile" "hrun-vmtest (enforce)" "$out"
b=$(bundle aa-exec2 . sleep 600)
run_detached "$b" aa-exec2
expect_eq "unconfined container: run -d exits 0" 0 "$?"
out=$(hr exec aa-exec2 sh -c "$ATTR" 2>&1)
expect_eq "exec in an unconfined container: unconfined" unconfined "$out"
out=$(hr exec --apparmor hrun-vmtest aa-exec2 sh -c "$ATTR; $W" 2>&1)
rc=$?
mapfile -t L <<<"$out"
echo "# exec --apparmor: ${out//$'\n'/ | }"
expect_eq "exec --apparmor: exit 1 (the denied write)" 1 "$rc"
expect_eq "exec --apparmor: attr/current" "hrun-vmtest (enforce)" "${L[0]}"
expect_eq "exec --apparmor: /tmp/aa-denied refused" /tmp/aa-denied:denied "${L[2]}"
init=$(pid_of aa-exec2)
expect_eq "exec --apparmor: the init stays unconfined" unconfined "$(rd "/proc/$init/attr/current")"
jq -n --arg c "$ATTR" '{args: ["sh", "-c", $c], cwd: "/", user: {uid: 1000, gid: 1000},
	apparmorProfile: "hrun-default"}' >"$SCRATCH/p.json"
out=$(hr exec --process "$SCRATCH/p.json" aa-exec2 2>&1)
expect_eq "exec --process: its apparmorProfile" "hrun-default (enforce)" "$out"
hr delete --force aa-exec
hr delete --force aa-exec2

# ---- a profile that is not loaded ------------------------------------------------
b=$(bundle aa-missing '.process.apparmorProfile = "hrun-no-such-profile"' true)
out=$(hr run --bundle "$b" aa-missing </dev/null 2>&1)
rc=$?
echo "# not loaded: $out"
expect_eq "missing profile: run exits 1" 1 "$rc"
expect_eq "missing profile: one line naming the field" \
	'hrun: process.apparmorProfile: profile `hrun-no-such-profile` is not loaded (apparmor_parser -r PROFILE)' "$out"
expect_eq "missing profile: no state left" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx "@seccomp")"
check "missing profile: no cgroup left" test ! -e "$CGROOT/hrun/aa-missing"

# ---- hrun spec -------------------------------------------------------------------
mkdir -p "$SCRATCH/spec"
(cd "$SCRATCH/spec" && "$HRUN" spec >/dev/null 2>&1)
expect_eq "hrun spec names hrun-default" hrun-default "$(jq -r .process.apparmorProfile "$SCRATCH/spec/config.json")"
finish
