#!/bin/bash
# tests/vm/run-tests.sh -- CI entry point for the VM tests.
#
# Prepares the VM (setup.sh: packages, kernel, initramfs), then boots ONE VM
# that runs tests/vm/guest-suite.sh, i.e. every tests/vm/guest.d/*.sh. One boot
# for everything: under TCG a boot costs ~5 s and all work runs several times
# slower than on the host, so tests are batched, never one VM per test.
#
# Prints the suite's TAP output (also saved to tests/vm/work/guest-suite.tap)
# and exits 0 when all guest tests passed, 1 when some failed, 124 on timeout,
# 125 when the VM itself failed.
#
# Environment:
#   HRUN_BUILD=<src>/build   meson build dir holding the hrun binary (built
#                            beforehand: this script does not build)
#   HRUN=$HRUN_BUILD/hrun    the binary under test
#   GUEST_TESTS="00-harness ..."  run only these guest tests
#   GUEST_TEST_TIMEOUT=600   per-test timeout (seconds)
#   VM_TIMEOUT=3000          whole-VM timeout (CI allows 90 min in total)
#   other VM_* knobs: see vm-run.sh
set -euo pipefail

HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
HRUN_SRC=$(cd "$HERE/../.." && pwd)
export HRUN_SRC
export HRUN_BUILD=${HRUN_BUILD:-$HRUN_SRC/build}
HRUN_BUILD=$(readlink -m -- "$HRUN_BUILD")
export HRUN=${HRUN:-$HRUN_BUILD/hrun}
export VM_TIMEOUT=${VM_TIMEOUT:-3000}
export VM_ENV="HRUN HRUN_SRC HRUN_BUILD GUEST_TESTS GUEST_TEST_TIMEOUT ${VM_ENV:-}"
export VM_CWD=$HRUN_SRC
# a checkout or build under /tmp (e.g. a CI clone) must stay visible: the
# guest otherwise puts a fresh tmpfs on /tmp
for p in "$HRUN_SRC" "$HRUN_BUILD" "$HRUN"; do
	case "$p" in /tmp/*) export VM_HOSTTMP=1 ;; esac
done

[ -x "$HRUN" ] || echo "run-tests: warning: $HRUN is missing; tests needing it will fail" >&2

"$HERE/setup.sh"

TAP=$HERE/work/guest-suite.tap
rc=0
# VM_NO_SETUP: setup.sh just ran
VM_NO_SETUP=1 "$HERE/vm-run.sh" "$HERE/guest-suite.sh" | tee "$TAP" || rc=$?
# pipefail: rc is vm-run.sh's exit code (or tee's, should tee fail)
echo "run-tests: exit $rc (TAP saved in $TAP)" >&2
exit "$rc"
