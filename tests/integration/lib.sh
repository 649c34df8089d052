# Shared helpers for hrun's integration tests (sourced, bash).
# Each test builds bundles from a busybox-static rootfs under a private
# temporary directory, runs real containers and checks what it sees.
set -u
HRUN=${HRUN:-$(pwd)/build/hrun}
HRUN_SRC=${HRUN_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d /tmp/hrun-test.XXXXXX)
# the root of a test user namespace (host uid 100000) must reach bind
# sources, as with runc
chmod 755 "$T"
ROOT=$T/state
FAILS=0
NTEST=0
cleanup_all() {
	for d in "$ROOT"/*/; do
		[ -d "$d" ] && "$HRUN" --root "$ROOT" delete --force "$(basename "$d")" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup_all EXIT

# TAP output
ok() { NTEST=$((NTEST + 1)); echo "ok $NTEST - $*"; }
not_ok() { NTEST=$((NTEST + 1)); FAILS=$((FAILS + 1)); echo "not ok $NTEST - $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
expect_eq() { # expect_eq DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; echo "#   expected: [$2]"; echo "#   actual:   [$3]"; fi
}
expect_match() { # expect_match DESCRIPTION REGEX ACTUAL
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1"; echo "#   /$2/ not in: [$3]"; fi
}
finish() {
	echo "1..$NTEST"
	[ "$FAILS" = 0 ]
}

# A busybox rootfs (shared by tests through a cache dir in the build tree).
ROOTFS_CACHE=${HRUN_BUILD:-$T}/test-rootfs
make_rootfs() {
	if [ ! -x "$ROOTFS_CACHE/bin/busybox" ]; then
		"$HRUN_SRC/tests/mkrootfs.sh" "$ROOTFS_CACHE" >/dev/null
	fi
}

# new_bundle NAME [jq-filter]: a bundle with the hardened base config,
# modified by a jq filter.
new_bundle() {
	local b=$T/$1 filter=${2:-.}
	make_rootfs
	mkdir -p "$b"
	ln -sfn "$ROOTFS_CACHE" "$b/rootfs"
	"$HRUN_SRC/tests/base-config.sh" | jq "$filter" > "$b/config.json"
	echo "$b"
}

# set_args BUNDLE ARGS...: replace process.args.
set_args() {
	local b=$1; shift
	local args
	args=$(jq -n '$ARGS.positional' --args -- "$@")
	jq --argjson a "$args" '.process.args = $a' "$b/config.json" > "$b/config.json.new" &&
		mv "$b/config.json.new" "$b/config.json"
}

# hrun_run BUNDLE ID ARGS...: run a container with process.args replaced.
hrun_run() {
	local b=$1 id=$2; shift 2
	set_args "$b" "$@"
	"$HRUN" --root "$ROOT" run --bundle "$b" "$id"
}
