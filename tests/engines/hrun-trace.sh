#!/bin/sh
# hrun-trace.sh ARGS...: log how an engine calls the runtime, then exec it.
# Engines (Podman via conmon, containerd's runc.v2 shim) call the runtime
# binary with flags of their choosing; this wrapper appends one line per
# call to $HRUN_TRACE_LOG (timestamp, pid, cwd, argv with each argument in
# [brackets]) and then execs $HRUN_TRACE_TARGET with the same arguments, so
# stdio, fds and the exit status are the runtime's own.
#
# Engines do not always pass their environment on to the runtime, so
# lib.sh generates a small wrapper with both variables baked in and hands
# that to the engine; this file can also be used directly:
#   HRUN_TRACE_LOG=/tmp/t.log HRUN_TRACE_TARGET=/path/to/hrun hrun-trace.sh state x
LOG=${HRUN_TRACE_LOG:-/tmp/hrun-trace.log}
TARGET=${HRUN_TRACE_TARGET:-hrun}
{
	printf '%s pid=%s cwd=%s:' "$(date +%H:%M:%S.%N 2>/dev/null)" "$$" "$(pwd)"
	for a in "$TARGET" "$@"; do
		printf ' [%s]' "$a"
	done
	printf '\n'
} >>"$LOG" 2>/dev/null
exec "$TARGET" "$@"
