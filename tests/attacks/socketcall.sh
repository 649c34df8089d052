#!/bin/bash
# Attack: bypass the socket-family filter through the i386 entry points
# of a 64-bit process. seccomp can check socket(2)'s family argument, but
# socketcall(SYS_SOCKET, args) passes the family in memory, where no
# filter can read it. The probe (tests/attacks/src/socketcall_probe.c,
# static, run from the busybox rootfs) issues `int $0x80` with
# socketcall(SYS_SOCKET, {family, type, proto}) (args in the low 4 GiB,
# MAP_32BIT), the direct i386 socket(2) (nr 359), and a normal 64-bit
# socket(2), printing each raw return value. Under hrun's default profile
# no path may open a family the profile refuses; AF_INET/AF_UNIX still
# work through socket(2). The same probe under an allow-all profile shows
# the calls are really issued (fds come back). Runs a COPY of the binary.
. "$(dirname "$0")/../integration/lib.sh"
cp "$HRUN" "$T/hrun" && HRUN=$T/hrun
H() { "$HRUN" --root "$ROOT" "$@"; }

if ! command -v gcc >/dev/null || [ "$(uname -m)" != x86_64 ]; then
	echo "1..0 # SKIP needs gcc on x86_64"
	exit 0
fi
mkdir -p "$T/probe"
gcc -static -O2 -Wall -Werror -o "$T/probe/sc" "$HRUN_SRC/tests/attacks/src/socketcall_probe.c" ||
	{ not_ok "build the probe"; finish; exit; }
chmod -R a+rX "$T/probe"
MNT=".mounts += [{destination: \"/var\", type: \"bind\", source: \"$T/probe\", options: [\"rbind\", \"ro\", \"nosuid\", \"nodev\"]}]"
B=$(new_bundle sc "$MNT")
A=$(new_bundle allow "$MNT | .linux.seccomp = {defaultAction: \"SCMP_ACT_ALLOW\", architectures: [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]}")
# AF_UNIX AF_INET | AF_VSOCK AF_PACKET AF_KEY AF_ALG AF_TIPC AF_BLUETOOTH AF_CAN AF_RDS AF_X25 AF_XDP
FAMS="1 2 40 17 15 38 30 31 29 21 9 44"
set_args "$B" /var/sc $FAMS
set_args "$A" /var/sc $FAMS
got=$(H run --bundle "$B" "sockc$$-1" 2>&1)
ctl=$(H run --bundle "$A" "sockc$$-2" 2>&1)
ret() { printf '%s\n' "$1" | sed -n "s/^$2 family=$3 ret=//p"; }

# control: without the filter the calls reach the kernel
expect_match "control: socketcall(AF_UNIX) via int 0x80 returns an fd" '^[0-9]+$' "$(ret "$ctl" socketcall 1)"
expect_match "control: socketcall(AF_VSOCK) via int 0x80 reaches the kernel (no ENOSYS/EAFNOSUPPORT)" \
	'^([0-9]+|-19|-1|-93|-94)$' "$(ret "$ctl" socketcall 40)"

expect_match "socket(AF_INET) works under the profile" '^[0-9]+$' "$(ret "$got" socket 2)"
expect_match "socket(AF_UNIX) works under the profile" '^[0-9]+$' "$(ret "$got" socket 1)"
expect_match "i386 socket(AF_INET) works under the profile" '^[0-9]+$' "$(ret "$got" i386-socket 2)"
for f in 40 17 15 38 30 31 29 21 9 44; do
	expect_match "family $f: socketcall via int 0x80 refused (ENOSYS)" '^-38$' "$(ret "$got" socketcall $f)"
	expect_match "family $f: i386 socket(2) via int 0x80 refused (EAFNOSUPPORT)" '^-97$' "$(ret "$got" i386-socket $f)"
	expect_match "family $f: socket(2) refused (EAFNOSUPPORT)" '^-97$' "$(ret "$got" socket $f)"
done
expect_match "socketcall is refused for AF_INET too (no path around the filter)" '^-38$' "$(ret "$got" socketcall 2)"

# `hrun spec` inlines the same profile, so its containers get the same filter
S=$T/spec && mkdir -p "$S" && ln -s "$ROOTFS_CACHE" "$S/rootfs"
HRUN_PROFILES=$HRUN_SRC/profiles H spec --bundle "$S" --no-limits -- /var/sc $FAMS >/dev/null
expect_eq "hrun spec inlines profiles/seccomp/default.json verbatim" \
	"$(jq -S . "$HRUN_SRC/profiles/seccomp/default.json")" "$(jq -S .linux.seccomp "$S/config.json")"
finish
