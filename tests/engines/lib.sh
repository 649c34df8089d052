# Shared helpers for the engine tests (sourced by bash scripts).
#
# Environment (all optional):
#   HRUN               hrun binary (default: $SRC/build/hrun)
#   RUNTIME            runtime the engines call (default: $HRUN); set it to
#                      /usr/sbin/runc (or /usr/bin/crun on a host without
#                      hybrid cgroups: crun 1.8 refuses them) to tell test
#                      bugs from hrun bugs: the same tests run against it
#   HRUN_ENGINES_TMP   state shared by setup.sh, podman.sh, containerd.sh
#                      (run.sh makes one); when unset, each script makes its
#                      own, runs setup.sh into it and removes it at exit
#   STORAGE_DRIVER     containers/storage driver: overlay (default) or vfs
#   ENGINES_KEEP=1     keep the temp dir at exit (for debugging)
#
# Layout of $ET ($HRUN_ENGINES_TMP):
#   bin/hrun           wrapper: hrun-trace.sh with the target baked in
#   trace.log          one line per runtime call (argv)
#   containers.conf, storage.conf, storage/, runroot/, libpod-tmp/
#   image/rootfs.tar   busybox rootfs; image/busybox-oci.tar (oci-archive)
set -u
ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$ENGINES_DIR/../.." && pwd)
HRUN=${HRUN:-$SRC/build/hrun}
RUNTIME=${RUNTIME:-$HRUN}
# conmon and the shim run the runtime from other directories: absolute paths
HRUN=$(readlink -f "$HRUN" 2>/dev/null || echo "$HRUN")
RUNTIME=$(readlink -f "$RUNTIME" 2>/dev/null || echo "$RUNTIME")
IMAGE=localhost/hrun-busybox:latest
STORAGE_DRIVER=${STORAGE_DRIVER:-overlay}
export HRUN RUNTIME

OWN_ET=0
if [ -z "${HRUN_ENGINES_TMP:-}" ]; then
	HRUN_ENGINES_TMP=$(mktemp -d /tmp/hrun-engines.XXXXXX)
	OWN_ET=1
fi
ET=$HRUN_ENGINES_TMP
export HRUN_ENGINES_TMP
mkdir -p "$ET/bin" "$ET/image"
touch "$ET/trace.log"

# TAP
FAILS=0
NTEST=0
ok() { NTEST=$((NTEST + 1)); echo "ok $NTEST - $*"; }
not_ok() { NTEST=$((NTEST + 1)); FAILS=$((FAILS + 1)); echo "not ok $NTEST - $*"; }
skip() { NTEST=$((NTEST + 1)); echo "ok $NTEST - $1 # SKIP ${2:-}"; }
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }
expect_eq() { # expect_eq DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; diag "expected: [$2]" "actual:   [$3]"; fi
}
# ERE against the whole text (bash =~): ^ and $ are its start and end, a
# newline in the pattern is a newline, . also matches a newline.
expect_match() { # expect_match DESCRIPTION ERE ACTUAL
	if [[ $3 =~ $2 ]]; then ok "$1"; else
		not_ok "$1"; diag "/$2/ not in:" "$3"; fi
}
expect_no_match() { # expect_no_match DESCRIPTION ERE ACTUAL
	if ! [[ $3 =~ $2 ]]; then ok "$1"; else
		not_ok "$1"; diag "/$2/ unexpectedly in:" "$3"; fi
}
finish() {
	echo "1..$NTEST"
	echo "# $(basename "$0") with runtime $RUNTIME: $((NTEST - FAILS)) passed, $FAILS failed"
	[ "$FAILS" = 0 ]
}

# run_out VAR CMD...: run CMD (60 s timeout), stdout+stderr into $VAR,
# exit status into $RC. No stdin: engines must not wait for a terminal.
RC=0
run_out() {
	local __v=$1; shift
	local __o
	[ "$1" = pm ] && set -- "${PM[@]}" "${@:2}"
	__o=$(timeout -k 5 "${CMD_TIMEOUT:-60}" "$@" </dev/null 2>&1)
	RC=$?
	printf -v "$__v" '%s' "$__o"
}

# The last runtime calls from the trace log (for failure diagnostics).
trace_tail() { [ -f "$ET/trace.log" ] && tail -n "${1:-8}" "$ET/trace.log" | diag "$(cat)"; }
# trace_mark: remember the log size, trace_since: the lines added since.
TRACE_MARK=0
trace_mark() { TRACE_MARK=$(wc -l <"$ET/trace.log" 2>/dev/null || echo 0); }
trace_since() { tail -n +"$((TRACE_MARK + 1))" "$ET/trace.log" 2>/dev/null; }

# The wrapper the engines call: hrun-trace.sh with log and target baked in
# (conmon and the containerd shim do not pass our environment through).
make_wrapper() {
	cat >"$ET/bin/hrun" <<EOF
#!/bin/sh
HRUN_TRACE_LOG='$ET/trace.log' HRUN_TRACE_TARGET='$RUNTIME' exec '$ENGINES_DIR/hrun-trace.sh' "\$@"
EOF
	chmod 755 "$ET/bin/hrun"
}
make_wrapper
WRAPPER=$ET/bin/hrun

# Podman, isolated: its own containers.conf and storage.conf, storage and
# run state under $ET, no network setup (netns none: no CNI, no iptables).
make_podman_conf() {
	# root here may lack CAP_SYS_RESOURCE: Podman's defaults for root
	# (nofile=1048576, nproc=4194304) then fail with any runtime, so stay
	# within the hard limits (Podman lowers its own nproc limit to 32768
	# when it cannot raise it: stay below that)
	local nproc
	nproc=$(ulimit -Hu)
	{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 16384 ]; } && nproc=16384
	cat >"$ET/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=$nproc:$nproc"]
# no pids limit: the cgroup v2 hierarchy of a hybrid host lacks pids
pids_limit = 0
netns = "none"
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$ET/libpod-tmp/events.log"
tmp_dir = "$ET/libpod-tmp"
volume_path = "$ET/storage/volumes"
static_dir = "$ET/storage/libpod"
runtime = "hrun"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "krun", "hrun"]
num_locks = 128
# the image is local: never reach for a registry
pull_policy = "never"

[engine.runtimes]
hrun = ["$WRAPPER"]

[network]
network_config_dir = "$ET/net"
EOF
	cat >"$ET/storage.conf" <<EOF
[storage]
driver = "$STORAGE_DRIVER"
graphroot = "$ET/storage"
runroot = "$ET/runroot"
EOF
	mkdir -p "$ET/net" "$ET/libpod-tmp"
}
make_podman_conf
export CONTAINERS_CONF=$ET/containers.conf
export CONTAINERS_STORAGE_CONF=$ET/storage.conf

PM=(podman --cgroup-manager cgroupfs --events-backend file --runtime hrun)
pm() { "${PM[@]}" "$@"; }

# Unmount everything at or under directory $1, deepest first.
umount_under() {
	local d=$1 m
	awk -v d="$d" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
}
engines_cleanup() {
	if [ "$OWN_ET" = 1 ]; then
		podman_reset
		umount_under "$ET"
		if [ "${ENGINES_KEEP:-0}" = 1 ]; then
			echo "# kept $ET"
		else
			rm -rf "$ET"
		fi
	fi
}
podman_reset() {
	command -v podman >/dev/null || return 0
	[ -d "$ET/storage" ] || return 0
	# containers first (conmon, runtime state, overlay mounts), then images
	timeout 60 podman rm -af -t 0 >/dev/null 2>&1
	timeout 60 podman rmi -af >/dev/null 2>&1
}

# Standalone scripts: make the state with setup.sh first.
need_setup() {
	if [ ! -f "$ET/image/.done" ]; then
		"$ENGINES_DIR/setup.sh" >&2 || { echo "Bail out! setup.sh failed"; exit 1; }
	fi
}
