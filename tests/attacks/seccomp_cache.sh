#!/bin/bash
# Attack: plant a compiled seccomp program in hrun's cache (ROOT/@seccomp)
# so that containers start under the attacker's filter. The forged entry
# carries the attacked profile's own key (a "hit") but an allow-everything
# program. A forged entry that looks like hrun's own is loaded (the
# control: the attack is real, so the test can fail); every planted kind
# hrun must distrust (group/other-writable, foreign owner, symlink, hard
# link, truncated, a loose or symlinked directory) is ignored: inside the
# container the real profile is in force (unshare(0) EPERM, move_pages
# ENOSYS, Seccomp: 2). Runs a COPY of the binary.
# The shipped default profile never reaches the cache (its program is
# compiled into hrun: seccomp_builtin.c), so the attacked filter is the
# default profile plus a rule for a syscall no kernel has: the same
# program, another canonical key, the cache's path.
. "$(dirname "$0")/../integration/lib.sh"
cp "$HRUN" "$T/hrun" && HRUN=$T/hrun
H() { "$HRUN" --root "$ROOT" "$@"; }
C=$ROOT/@seccomp

if ! command -v gcc >/dev/null; then
	echo "1..0 # SKIP gcc missing"
	exit 0
fi
mkdir -p "$T/probe"
cat > "$T/probe.c" <<'C'
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
static int e(long r) { return r < 0 ? errno : 0; }
int main(void)
{
	/* the default profile: unshare EPERM (any flags), move_pages ENOSYS */
	int u = e(syscall(SYS_unshare, 0));
	int m = e(syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0));
	printf("unshare=%d move_pages=%d\n", u, m);
	return 0;
}
C
gcc -static -O2 -o "$T/probe/probe" "$T/probe.c" || { not_ok "build the probe"; finish; exit; }
chmod -R a+rX "$T/probe"
PROBE_MNT=".mounts += [{destination: \"/var\", type: \"bind\", source: \"$T/probe\", options: [\"rbind\", \"ro\", \"nosuid\", \"nodev\"]}]"
D=$(new_bundle default "$PROBE_MNT")
B=$(new_bundle sc "$PROBE_MNT | .linux.seccomp.syscalls += [{names: [\"hrun_no_such_syscall\"], action: \"SCMP_ACT_ALLOW\"}]")
set_args "$D" sh -c '/var/probe; grep "^Seccomp:" /proc/self/status'
P=$(new_bundle allow ".mounts += [{destination: \"/var\", type: \"bind\", source: \"$T/probe\", options: [\"rbind\", \"ro\", \"nosuid\", \"nodev\"]}] | .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\"}")
set_args "$B" sh -c '/var/probe; grep "^Seccomp:" /proc/self/status'
set_args "$P" sh -c '/var/probe; grep "^Seccomp:" /proc/self/status'
REAL="unshare=1 move_pages=38
Seccomp:	2"
N=0
run_b() { N=$((N + 1)); H run --bundle "$B" "scache$$-$N" 2>&1; }

N=$((N + 1)); out=$(H run --bundle "$D" "scache$$-$N" 2>&1)
expect_eq "the shipped default profile in force (its built-in program)" "$REAL" "$out"
expect_eq "... and no cache entry written for it" "" "$(ls "$C" 2>/dev/null)"
expect_eq "the attacked profile in force (no cache yet)" "$REAL" "$(run_b)"
expect_eq "the cache directory is mode 0700, owned by root" "700 0" "$(stat -c '%a %u' "$C")"
ENTRY=$(ls "$C"/*.bpf)
expect_eq "one entry for the attacked profile" "1" "$(printf '%s\n' "$ENTRY" | wc -l)"
expect_eq "the real profile from the cache" "$REAL" "$(run_b)"
cp "$ENTRY" "$T/real.bpf"
# the allow-all profile's entry: its program is the payload
before=$(ls "$C"/*.bpf)
N=$((N + 1)); out=$(H run --bundle "$P" "scache$$-$N" 2>&1)
expect_match "an allow-all container: unshare(0) succeeds" "^unshare=0 " "$out"
PAYLOAD=$(comm -13 <(printf '%s\n' "$before") <(ls "$C"/*.bpf))
# forged = magic | klen | the attacked profile's key | payload's flags, n, insns
klen_of() { od -An -tu4 -j8 -N4 "$1" | tr -d ' '; }
forge() { # forge OUT
	local kr kp
	kr=$(klen_of "$T/real.bpf"); kp=$(klen_of "$PAYLOAD")
	{ head -c $((12 + kr)) "$T/real.bpf"; tail -c +$((12 + kp + 1)) "$PAYLOAD"; } > "$1"
}

# control: a forged entry that looks like hrun's own is loaded
forge "$T/forged" && install -m 0600 -o 0 -g 0 "$T/forged" "$ENTRY"
expect_match "control: a forged entry with hrun's owner and mode is loaded (the attack is real)" \
	"^unshare=0 " "$(run_b)"

plant() { # plant DESCRIPTION SETUP-COMMAND
	forge "$T/forged" && install -m 0600 -o 0 -g 0 "$T/forged" "$ENTRY"
	eval "$2"
	expect_eq "planted entry ignored: $1" "$REAL" "$(run_b)"
	# the ignored entry is replaced by a fresh, trusted one
	expect_eq "... and replaced by hrun's own entry" "$(cat "$T/real.bpf" | sha256sum)" "$(cat "$ENTRY" | sha256sum)"
}
plant "group-writable" 'chmod 0620 "$ENTRY"'
plant "other-writable" 'chmod 0602 "$ENTRY"'
plant "owned by another uid" 'chown 4242:4242 "$ENTRY"'
plant "symlink to a forged file" 'mv "$ENTRY" "$T/elsewhere"; ln -s "$T/elsewhere" "$ENTRY"'
plant "hard link" 'ln -f "$ENTRY" "$T/hardlink"'
rm -f "$T/hardlink"
plant "truncated" 'truncate -s 100 "$ENTRY"'
plant "corrupted program length" 'printf "\377\377\377\377" | dd of="$ENTRY" bs=1 seek=$((12 + $(klen_of "$ENTRY") + 4)) conv=notrunc status=none'

# a loose or foreign directory: not used at all (not even read)
forge "$T/forged" && install -m 0600 -o 0 -g 0 "$T/forged" "$ENTRY"
chmod 0755 "$C"
expect_eq "a mode 0755 cache directory is not used" "$REAL" "$(run_b)"
chmod 0700 "$C"; chown 4242 "$C"
expect_eq "a cache directory of another uid is not used" "$REAL" "$(run_b)"
chown 0 "$C"; mv "$C" "$T/fake-cache"; ln -s "$T/fake-cache" "$C"
expect_eq "a symlinked cache directory is not used" "$REAL" "$(run_b)"
expect_eq "... and nothing is written through it" "$(cat "$T/forged" | sha256sum)" "$(cat "$T/fake-cache/$(basename "$ENTRY")" | sha256sum)"
rm "$C"
expect_eq "a missing cache directory is recreated" "$REAL" "$(run_b)"
expect_eq "... mode 0700, root" "700 0" "$(stat -c '%a %u' "$C")"
finish
