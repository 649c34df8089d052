# Shared helpers for hrun's attack tests (sourced, bash): the integration
# helpers, with the binary under attack replaced by a COPY in the test's
# private directory (an attack that writes to it cannot damage the build).
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
cp "$HRUN" "$T/hrun" && chmod 755 "$T/hrun" || { echo "Bail out! cannot copy $HRUN"; exit 1; }
HRUN=$T/hrun
H() { "$HRUN" --root "$ROOT" "$@"; }
# a unique id prefix: parallel runs on one host share the cgroup tree
ID=atk$$r$RANDOM

# wait_running ID: the container's init has exec'd its program
wait_running() {
	local i
	for i in $(seq 100); do
		[ "$(H state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
		sleep 0.05
	done
	return 1
}
