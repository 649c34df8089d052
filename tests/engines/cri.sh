#!/bin/bash
# cri.sh: hrun as a Kubernetes RuntimeClass handler, at the CRI level.
# A private containerd 1.6 with its built-in CRI plugin (own config, root,
# state and socket under $ET/cri; a system containerd is never touched) has
# two runtime handlers, both io.containerd.runc.v2: `hrun` (BinaryName: the
# runtime under test, via the trace wrapper) and `runc` (/usr/sbin/runc,
# the reference). cri/client.py, a CRI client on a minimal runtime.v1
# .proto (cri/api.proto, stubs generated here with grpc_tools.protoc), runs
# the same pod scenarios against each handler; this script turns its
# results into TAP, checks that nothing is left behind and prints a
# side-by-side table. CNI: cri/cni-dummy, a test plugin that gives the
# pod's own netns an eth0 (a veth pair inside it: nothing on the host).
. "$(dirname "$0")/lib.sh"

C=$ET/cri
SOCK=$C/containerd.sock
PY=${CRI_PYTHON:-/usr/bin/python3}
TAG=hcri$$
CGP=/hrun-cri-$$
PAUSE=localhost/hrun-pause:latest
CTRD_PID=
RUN_CTRD_EXISTED=0
[ -d /run/containerd ] && RUN_CTRD_EXISTED=1
KCTR=(ctr --address "$SOCK" -n k8s.io)
kctr() { "${KCTR[@]}" "$@"; }

stop_containerd() {
	if [ -n "$CTRD_PID" ] && kill -0 "$CTRD_PID" 2>/dev/null; then
		local t
		for t in $(kctr task ls -q 2>/dev/null); do
			kctr task kill -s SIGKILL "$t" >/dev/null 2>&1
		done
		sleep 0.3
		for t in $(kctr task ls -q 2>/dev/null); do
			kctr task delete -f "$t" >/dev/null 2>&1
		done
		for t in $(kctr containers ls -q 2>/dev/null); do
			kctr containers rm "$t" >/dev/null 2>&1
		done
		kill "$CTRD_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$CTRD_PID" 2>/dev/null
	fi
	umount_under "$C"
	cgroup_rmdirs
	[ "$RUN_CTRD_EXISTED" = 1 ] || rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
}
# the pods' parent cgroups (kubelet's job: it made them, it removes them)
cgroup_rmdirs() {
	find /sys/fs/cgroup -depth -type d -path "*$CGP*" -exec rmdir {} + 2>/dev/null
}
on_exit() {
	stop_containerd
	engines_cleanup
}
trap on_exit EXIT
need_setup

fail_diag() {
	diag "containerd log (errors, last lines):"
	grep -E 'level=(error|warning)' "$C/containerd.log" | tail -n 6 | cut -c1-500 | diag "$(cat)"
	trace_tail 6
}

# --- images, CNI, wrappers -------------------------------------------------------
mkdir -p "$C/root" "$C/state" "$C/opt" "$C/cni-bin" "$C/cni-conf" "$C/gen" "$C/logs" \
	"$C/runtime-root/hrun" "$C/runtime-root/runc" "$C/runtime-root/hrun-raw" "$C/image"
# the sandbox ("pause") image: the busybox rootfs, whose entrypoint sleeps
if [ ! -f "$C/image/pause-oci.tar" ]; then
	run_out out pm import --change 'ENTRYPOINT ["/bin/sleep", "2147483647"]' \
		"$ET/image/rootfs.tar" "$PAUSE"
	[ "$RC" = 0 ] && run_out out pm save --format oci-archive -o "$C/image/pause-oci.tar" "$PAUSE"
	[ "$RC" = 0 ] || { echo "Bail out! building the pause image: $out"; exit 1; }
fi
ln -sf /usr/lib/cni/loopback "$C/cni-bin/loopback"
cp "$ENGINES_DIR/cri/cni-dummy" "$C/cni-bin/cni-dummy"
cat >"$C/cni-conf/10-hrun-test.conflist" <<'EOF'
{
  "cniVersion": "0.4.0",
  "name": "hrun-test",
  "plugins": [ { "type": "cni-dummy" } ]
}
EOF
# one traced wrapper per handler: the trace log says which binary ran
mkwrap() { # mkwrap NAME TARGET
	cat >"$C/$1" <<EOF
#!/bin/sh
HRUN_TRACE_LOG='$ET/trace.log' HRUN_TRACE_TARGET='$2' exec '$ENGINES_DIR/hrun-trace.sh' "\$@"
EOF
	chmod 755 "$C/$1"
}
mkwrap bin-hrun "$RUNTIME"
mkwrap bin-runc /usr/sbin/runc
# containerd's CRI gives every sandbox cpu.shares 2 (customopts
# WithDefaultSandboxShares). hrun manages cgroup v2 only and refuses a cpu
# setting it cannot enforce; on a hybrid host (cpu bound to cgroup v1, as
# here) that is every pod. So there the `hrun` handler's binary is a filter
# that deletes linux.resources.cpu.shares from the bundle before hrun's
# create (said in TAP and in the trace log), and a second handler,
# `hrun-raw`, shows the unfiltered refusal. On a cgroup v2 host with the
# cpu controller nothing is filtered and `hrun-raw` is not used.
V2=/sys/fs/cgroup
[ -f $V2/cgroup.controllers ] || V2=/sys/fs/cgroup/unified
NO_V2_CPU=0
grep -qw cpu "$V2/cgroup.controllers" 2>/dev/null || NO_V2_CPU=1
if [ "$NO_V2_CPU" = 1 ] && [ "$RUNTIME" != /usr/sbin/runc ]; then
	mv "$C/bin-hrun" "$C/bin-hrun-raw"
	cat >"$C/bin-hrun" <<EOF
#!/bin/sh
# cri.sh's hybrid-host filter (see cri.sh): drop linux.resources.cpu.shares
b=; prev=; create=0
for a; do
	[ "\$a" = create ] && create=1
	[ "\$prev" = --bundle ] && b=\$a
	prev=\$a
done
if [ \$create = 1 ] && [ -n "\$b" ] && jq -e '.linux.resources.cpu.shares' "\$b/config.json" >/dev/null 2>&1; then
	jq -c 'del(.linux.resources.cpu.shares) | if .linux.resources.cpu == {} then del(.linux.resources.cpu) else . end' \
		"\$b/config.json" >"\$b/config.json.tmp" && mv "\$b/config.json.tmp" "\$b/config.json" &&
		echo "cri.sh filter: deleted linux.resources.cpu.shares from \$b/config.json" >>'$ET/trace.log'
fi
exec '$C/bin-hrun-raw' "\$@"
EOF
	chmod 755 "$C/bin-hrun"
fi

run_out out "$PY" -m grpc_tools.protoc -I "$ENGINES_DIR/cri" --python_out="$C/gen" \
	--grpc_python_out="$C/gen" "$ENGINES_DIR/cri/api.proto"
if [ "$RC" != 0 ]; then
	echo "Bail out! grpc_tools.protoc failed (python3-grpc-tools): $out"
	exit 1
fi
ok "CRI stubs generated from cri/api.proto (runtime.v1 subset)"

# --- a private containerd with the CRI plugin ------------------------------------
rt_entry() { # rt_entry NAME BINARY
	cat <<EOF
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$1.options]
        BinaryName = "$2"
        Root = "$C/runtime-root/$1"
        SystemdCgroup = false
EOF
}
cat >"$C/config.toml" <<EOF
version = 2
root = "$C/root"
state = "$C/state"

[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  level = "debug"

[plugins."io.containerd.internal.v1.opt"]
  path = "$C/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  # root here lacks CAP_SYS_RESOURCE: the sandbox's default oom_score_adj
  # (-998) cannot be set by any runtime; clamp it to containerd's own
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
$(rt_entry hrun "$C/bin-hrun")
$(rt_entry runc "$C/bin-runc")
$([ -x "$C/bin-hrun-raw" ] && rt_entry hrun-raw "$C/bin-hrun-raw")
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$C/cni-bin"
    conf_dir = "$C/cni-conf"
    max_conf_num = 1
EOF
containerd --config "$C/config.toml" >"$C/containerd.log" 2>&1 &
CTRD_PID=$!
for _ in $(seq 150); do
	[ -S "$SOCK" ] && kctr version >/dev/null 2>&1 && break
	kill -0 "$CTRD_PID" 2>/dev/null || break
	sleep 0.1
done
if ! kctr version >/dev/null 2>&1; then
	echo "Bail out! containerd (CRI) did not start"
	tail -n 20 "$C/containerd.log" | diag "$(cat)"
	exit 1
fi
ok "a private containerd with the CRI plugin runs (pid $CTRD_PID, socket $SOCK)"

run_out out "${KCTR[@]}" images import --base-name localhost/hrun-busybox "$ET/image/busybox-oci.tar"
run_out out2 "${KCTR[@]}" images import --base-name localhost/hrun-pause "$C/image/pause-oci.tar"
run_out imgs "${KCTR[@]}" images ls -q
if printf '%s\n' "$imgs" | grep -qx "$IMAGE" && printf '%s\n' "$imgs" | grep -qx "$PAUSE"; then
	ok "ctr -n k8s.io images import: $IMAGE and the sandbox image $PAUSE"
else
	not_ok "ctr -n k8s.io images import: $IMAGE and the sandbox image $PAUSE"
	diag "$out" "$out2" "images: $imgs"
	echo "Bail out! no images"
	finish
	exit 1
fi

# --- the scenarios, per handler ----------------------------------------------------
declare -A OUTCOME
KEYS=()
record() { # record KEY HANDLER OUTCOME
	[ -n "${OUTCOME[$1,hrun]:-}${OUTCOME[$1,runc]:-}" ] || KEYS+=("$1")
	OUTCOME[$1,$2]=$3
}
# leftovers of one handler's run: every id the client printed
leftovers() { # leftovers HANDLER IDS...
	local h=$1 id left="" p cgs
	shift
	cgs=$(find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d 2>/dev/null)
	for id in "$@"; do
		grep -q -- "$id" /proc/self/mountinfo && left+="mount of $id; "
		grep -q -- "$id" <<<"$cgs" && left+="cgroup of $id; "
	done
	for p in /proc/[0-9]*; do
		{ tr '\0' ' ' <"$p/cmdline" | grep -qE -- "$TAG-|sleep 2147483647|shim.*-address $SOCK" &&
			left+="process ${p#/proc/} ($(tr '\0' ' ' <"$p/cmdline" | cut -c1-60)); "; } 2>/dev/null
	done
	[ -n "$(ls -A "$C/runtime-root/$h/k8s.io" 2>/dev/null)" ] &&
		left+="state under the shim's --root: $(ls -A "$C/runtime-root/$h/k8s.io" | tr '\n' ' '); "
	grep " nsfs " /proc/self/mountinfo | grep -q -- "$C" && left+="netns mount under $C; "
	[ -n "$(ls -A "$C/state/io.containerd.grpc.v1.cri/netns" 2>/dev/null)" ] && left+="netns file; "
	# the pods' parent cgroups are empty now, so kubelet's rmdir works
	cgroup_rmdirs
	grep -q -- "$CGP" <<<"$(find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d 2>/dev/null)" &&
		left+="the pods' parent cgroup $CGP cannot be removed; "
	printf '%s' "$left"
}
# run_client HANDLER [client args]: TAP lines from the client's RESULTs
run_client() {
	local h=$1 line key res desc left
	shift
	IDS=()
	while IFS= read -r line; do
		case $line in
		"RESULT "*)
			read -r _ key res desc <<<"$line"
			case $res in
			PASS) ok "[$h] $desc"; record "$key" "${h%-raw}" pass ;;
			SKIP) skip "[$h] ${desc% :: *}" "${desc##* :: }"; record "$key" "${h%-raw}" skip ;;
			*) not_ok "[$h] $desc"; record "$key" "${h%-raw}" FAIL; fail_diag ;;
			esac
			;;
		"ID "*) IDS+=("${line##* }") ;;
		*) echo "$line" ;;
		esac
	done < <(timeout -k 5 600 "$PY" "$ENGINES_DIR/cri/client.py" --gen "$C/gen" --sock "$SOCK" \
		--handler "$h" --image "$IMAGE" --tag "$TAG" --logs "$C/logs/$h" \
		--cgroup-parent "$CGP/$h" "$@" 2>&1)
	left=$(leftovers "$h" "${IDS[@]}")
	if [ -z "$left" ]; then
		ok "[$h] nothing left behind: no process, mount, cgroup, netns or runtime state (${#IDS[@]} ids)"
		[ "$h" = hrun-raw ] || record leftover "$h" pass
	else
		not_ok "[$h] nothing left behind: no process, mount, cgroup, netns or runtime state (${#IDS[@]} ids)"
		diag "left: $left"
		record leftover "${h%-raw}" FAIL
	fi
}

for h in hrun runc; do
	echo "# --- handler $h"
	trace_mark
	if [ "$h" = hrun ] && [ -x "$C/bin-hrun-raw" ]; then
		run_client hrun-raw --only refused-cpu
		run_client hrun --cpu-filtered
	else
		run_client "$h"
	fi
	bin=$RUNTIME
	[ "$h" = runc ] && bin=/usr/sbin/runc
	if trace_since | grep -qF "[$bin] [--root] [$C/runtime-root/$h/k8s.io]"; then
		ok "[$h] the shim ran $bin with --root $C/runtime-root/$h/k8s.io (trace log)"
	else
		not_ok "[$h] the shim ran $bin with --root $C/runtime-root/$h/k8s.io (trace log)"
	fi
	n=$(trace_since | grep -c "^cri.sh filter")
	[ "$n" -gt 0 ] && diag "[$h] the hybrid-host filter deleted cpu.shares from $n bundles"
done

echo "# CRI scenario             hrun  runc"
for key in "${KEYS[@]}"; do
	printf '# %-24s %-5s %-5s\n' "$key" "${OUTCOME[$key,hrun]:--}" "${OUTCOME[$key,runc]:--}"
done
finish
