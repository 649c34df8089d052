#!/bin/bash
# deps.sh [--test]: install what hrun needs from Debian 12's apt repositories.
#   (no flag)  build and run: compiler, meson/ninja, libseccomp, libcap-ng,
#              jansson, busybox-static (the demo rootfs), jq
#   --test     also what the test suite needs: criterion, Podman, containerd,
#              crun/runc (reference runtimes), bubblewrap (bench: vs `hrun sandbox`), qemu + Debian's kernel (the
#              cgroup v2 VM), groff/man-db (man page rendering), hyperfine,
#              clang + libclang-rt-14-dev (libFuzzer, tests/fuzz/run.sh),
#              clang-format (tests/format-check.sh); the workloads run
#              under the default seccomp profile (tests/integration/
#              workloads.sh): strace, gdb, git, make, iputils-ping, golang-go
#              (~330 MB) and openjdk-17-jdk-headless (~230 MB), python's own
#              test suite (libpython3.11-testsuite), libc6-i386 (a 32-bit
#              glibc program); python3-grpcio + python3-grpc-tools +
#              containernetworking-plugins (the CRI client and containerd's
#              CRI, tests/engines/cri.sh); apparmor (apparmor_parser for the
#              VM suite's AppArmor test; it enforces nothing on a host whose
#              kernel has no AppArmor)
set -eu
PKGS="gcc pkg-config meson ninja-build libseccomp-dev libcap-ng-dev libjansson-dev busybox-static jq file procps"
if [ "${1:-}" = --test ]; then
	PKGS="$PKGS libcriterion-dev python3 podman containerd crun runc bubblewrap uidmap iproute2 qemu-system-x86 linux-image-amd64 cpio xz-utils groff man-db hyperfine time bc clang libclang-rt-14-dev clang-format strace gdb git make iputils-ping golang-go openjdk-17-jdk-headless libpython3.11-testsuite libc6-i386 python3-grpcio python3-grpc-tools containernetworking-plugins apparmor"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "deps: installing$missing" >&2
$SUDO apt-get update -qq
# shellcheck disable=SC2086 # word splitting is the point
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
