#!/bin/bash
# tests/vm/guest-suite.sh -- runs INSIDE the test VM (see run-tests.sh): every
# executable tests/vm/guest.d/*.sh in name order, one after the other.
#
# Output is TAP: "1..N", then "ok N NAME" / "not ok N NAME" per test, the
# test's own output as "# " comment lines, and a "# summary" line. Exits 1
# if any test failed, 0 otherwise.
#
# Contract for a guest test (guest.d/NN-name.sh):
#   - exit 0 = pass, 77 = skip (say why on stdout), anything else = fail
#   - environment: HRUN (the hrun binary), HRUN_SRC (source tree, read-only),
#     HRUN_BUILD (build tree, read-only), SCRATCH (= TMPDIR = cwd: an empty
#     tmpfs dir, deleted afterwards), GUEST_CGROUP (the leaf cgroup the test
#     runs in: create your own cgroups elsewhere, e.g. /sys/fs/cgroup/NAME)
#   - killed after GUEST_TEST_TIMEOUT seconds (default 600); whatever it leaves
#     running in GUEST_CGROUP is killed when it ends
#   - the VM is shared by all tests: remove the cgroups/mounts you create
# Knobs: GUEST_TESTS="00-harness 10-foo" runs only those (names without .sh).
set -uo pipefail   # no -e: a failing test must not stop the suite

SUITE_DIR=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
export HRUN_SRC=${HRUN_SRC:-$(cd "$SUITE_DIR/../.." && pwd)}
export HRUN_BUILD=${HRUN_BUILD:-$HRUN_SRC/build}
export HRUN=${HRUN:-$HRUN_BUILD/hrun}
TEST_TIMEOUT=${GUEST_TEST_TIMEOUT:-600}
CG_BASE=/sys/fs/cgroup/guest-suite

if [ "${IN_VM:-0}" != 1 ]; then
  echo "guest-suite: refusing to run outside the test VM (IN_VM!=1); use run-tests.sh" >&2
  exit 2
fi

tests=()
for t in "$SUITE_DIR"/guest.d/*.sh; do
  [ -x "$t" ] || continue
  name=$(basename "$t" .sh)
  if [ -n "${GUEST_TESTS:-}" ] && ! [[ " $GUEST_TESTS " == *" $name "* ]]; then
    continue
  fi
  tests+=("$t")
done

echo "1..${#tests[@]}"
echo "# kernel $(uname -r), $(nproc) cpus, HRUN=$HRUN$([ -x "$HRUN" ] || echo ' (missing!)')"
mkdir -p "$CG_BASE" || { echo "Bail out! cannot create $CG_BASE"; exit 1; }

# run_one NAME PATH SCRATCH CGROUP: runs one test in its own leaf cgroup;
# returns its exit status.
run_one() {
  local name=$1 path=$2 scratch=$3 cg=$4
  (
    # join the leaf cgroup first so everything the test starts is inside it
    echo "$BASHPID" > "$cg/cgroup.procs" || exit 125
    cd "$scratch" || exit 125
    export SCRATCH="$scratch" TMPDIR="$scratch" GUEST_CGROUP="$cg"
    exec timeout --kill-after=10 "$TEST_TIMEOUT" "$path"
  ) 2>&1 | sed -u 's/^/# /'
  return "${PIPESTATUS[0]}"
}

# reap_cgroup CGROUP: kill leftovers and remove the cgroup
reap_cgroup() {
  local cg=$1
  [ -d "$cg" ] || return 0
  echo 1 > "$cg/cgroup.kill" 2>/dev/null
  for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && return 0; sleep 0.1; done
  echo "# warning: cannot remove $cg"
}

n=0 failed=0 skipped=0
for t in "${tests[@]}"; do
  n=$((n + 1))
  name=$(basename "$t" .sh)
  scratch=$(mktemp -d /tmp/guest-test.XXXXXX)
  cg=$CG_BASE/$name
  start=$(date +%s)
  if ! mkdir "$cg"; then
    rc=125
  else
    run_one "$name" "$t" "$scratch" "$cg"
    rc=$?
  fi
  secs=$(( $(date +%s) - start ))
  reap_cgroup "$cg"
  rm -rf "$scratch"
  case "$rc" in
    0)   echo "ok $n $name (${secs}s)" ;;
    77)  echo "ok $n $name # SKIP"; skipped=$((skipped + 1)) ;;
    124) echo "not ok $n $name (timeout after ${TEST_TIMEOUT}s)"; failed=$((failed + 1)) ;;
    *)   echo "not ok $n $name (exit $rc, ${secs}s)"; failed=$((failed + 1)) ;;
  esac
done
rmdir "$CG_BASE" 2>/dev/null

echo "# summary: $n tests, $((n - failed - skipped)) passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
