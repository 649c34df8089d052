#!/bin/sh
# The error convention (HACKING.md): the function that detects a failure
# records one line. A bare `return -EXXX;` (or `? 0 : -EXXX;`) in src/
# leaves the user an empty or stale message, unless the function is a
# low-level helper whose callers record: such lines carry the comment
# `/* the caller records */`. TAP.
src=${HRUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}/src
bad=$(grep -rnE '(return|[?:])[[:space:]]*-E[A-Z0-9]+[[:space:]]*;' "$src" --include='*.c' |
	grep -Ev 'records \*/|recorded' | grep -v '^[^:]*/util/error\.c:' | sed "s|^$src/|src/|")
if [ -z "$bad" ]; then
	echo "ok 1 - no bare negative errno return in src/"
else
	echo "not ok 1 - bare negative errno returns (record a message, or mark /* the caller records */):"
	printf '%s\n' "$bad" | sed 's/^/#   /'
fi
echo "1..1"
[ -z "$bad" ]
