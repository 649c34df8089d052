#!/bin/bash
# run.sh: the engine integration tests in order: setup.sh, podman.sh,
# containerd.sh, cri.sh, sharing one private state dir, removed at the end.
# Exit status: 0 when every script passed. Root only; non-interactive.
#   HRUN=/path/to/hrun tests/engines/run.sh
#   RUNTIME=/usr/sbin/runc tests/engines/run.sh   # the same tests on runc
#   ENGINES_ONLY=podman tests/engines/run.sh       # one of podman, containerd, cri
. "$(dirname "$0")/lib.sh"
trap engines_cleanup EXIT
rc=0
start=$SECONDS
if ! "$ENGINES_DIR/setup.sh"; then
	echo "Bail out! setup.sh failed"
	exit 1
fi
OUT=$ET/run.out
: >"$OUT"
for t in podman containerd cri; do
	[ -n "${ENGINES_ONLY:-}" ] && [ "$ENGINES_ONLY" != "$t" ] && continue
	echo "# --- $t.sh"
	"$ENGINES_DIR/$t.sh" 2>&1 | tee -a "$OUT"
	r=${PIPESTATUS[0]}
	echo "# $t.sh: exit $r"
	[ "$r" = 0 ] || rc=1
done
skipped=$(grep -c '^ok .*# SKIP' "$OUT")
passed=$(($(grep -c '^ok ' "$OUT") - skipped))
failed=$(grep -c '^not ok ' "$OUT")
if [ $rc != 0 ]; then
	cp "$ET/trace.log" /tmp/hrun-engines-trace.log 2>/dev/null &&
		echo "# runtime calls (argv) kept in /tmp/hrun-engines-trace.log"
fi
echo "# engines: runtime $RUNTIME, $((SECONDS - start)) s"
echo "engines: $passed passed, $failed failed, $skipped skipped"
exit $rc
