#!/bin/bash
# run-all.sh: the whole test suite, as CI runs it (.ci/run calls this).
#   1. install test dependencies (apt)
#   2. build; unit tests (criterion) and integration tests (real containers)
#   3. the same under ASan+UBSan (with the fuzz corpus replayed)
#   4. each libFuzzer target for FUZZ_SECONDS (60 s)
#   5. Podman and containerd with hrun as their runtime
#   6. the cgroup v2 suite inside a qemu VM booting Debian's kernel
# Must run as root (containers, cgroups, mounts).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC"
[ "$(id -u)" = 0 ] || exec sudo -E "$0" "$@"
"$SRC/tests/deps.sh" --test || exit 1
fail=0
step() { echo; echo "=== $*"; }

step "build (warnings are errors)"
# (re)configure: a build dir made by the demo may lack the unit tests
setup_dir() { # setup_dir DIR OPTIONS...
	local d=$1; shift
	if [ -f "$d/build.ninja" ]; then meson configure "$d" "$@" >/dev/null
	else meson setup "$d" "$@" >/dev/null; fi
}
setup_dir build -Dwerror=true -Dunit_tests=enabled || exit 1
ninja -C build || exit 1

step "unit and integration tests"
meson test -C build --print-errorlogs || fail=1

step "unit and integration tests under ASan+UBSan"
setup_dir build-asan -Dsanitize=address,undefined -Dwerror=true -Dunit_tests=enabled || exit 1
ninja -C build-asan || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs || fail=1

step "fuzz: each target for ${FUZZ_SECONDS:-60} s"
"$SRC/tests/fuzz/run.sh" || fail=1

step "engines: Podman and containerd with hrun"
HRUN=$SRC/build/hrun "$SRC/tests/engines/run.sh" || fail=1

step "cgroup v2 suite in a VM"
HRUN_BUILD=$SRC/build "$SRC/tests/vm/run-tests.sh" || fail=1

echo
[ "$fail" = 0 ] && echo "ALL TESTS PASSED" || echo "SOME TESTS FAILED"
exit "$fail"
