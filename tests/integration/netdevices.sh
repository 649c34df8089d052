#!/bin/bash
# linux.netDevices with real containers. No host interface is ever touched:
# the whole test re-runs itself in a network namespace of its own
# (`unshare -n`, gone when the test ends), makes veth pairs there, and hrun
# moves one end into the container: renamed, with its addresses, MTU and
# up, reachable from the peer end; a "%d" template; a joined namespace
# keeps the device after delete, a new one takes it with it (runtime-spec:
# the runtime does not move it back); bad names, a missing device, the
# runtime's own namespace, a name already taken: one line each and nothing
# moved or left behind.
if [ -z "${HRUN_NETDEV_NETNS:-}" ]; then
	exec env HRUN_NETDEV_NETNS=1 unshare -n -- bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
H() { "$HRUN" --root "$ROOT" "$@"; }
S=$$
HOLDER=

cleanup_netdev() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	cleanup_all
}
trap cleanup_netdev EXIT

if ! ip link add ndprobe type veth peer name ndprobe1 2>/dev/null; then
	echo "1..0 # SKIP no veth support"
	exit 0
fi
ip link del ndprobe

# veth NAME PEER ADDR PEER_ADDR: a pair, both ends up, with IPv4 addresses
veth() {
	ip link add "$1" type veth peer name "$2" &&
		ip addr add "$3/24" dev "$1" && ip addr add "$4/24" dev "$2" &&
		ip link set "$2" up && ip link set "$1" up
}
# jq: the base config with netDevices = $1, process.args = the rest
nd_bundle() {
	local name=$1 devs=$2
	new_bundle "$name" ".linux.netDevices = $devs"
}
gone() { ! ip link show "$1" >/dev/null 2>&1; }
# wait_gone DEV: the kernel frees a namespace (and its veths) asynchronously
wait_gone() {
	for _ in $(seq 50); do gone "$1" && return 0; sleep 0.1; done
	return 1
}
no_state() { [ "$(H list -q 2>/dev/null)" = "" ]; }

# --- moved, renamed, addresses, MTU, up ---------------------------------
veth nda$S ndap$S 10.77.0.2 10.77.0.1
ip addr add 10.77.1.2/24 dev nda$S label nda$S:x
ip -6 addr add fd77::2/64 dev nda$S nodad
ip link set nda$S mtu 1400
B=$(nd_bundle mv "{\"nda$S\": {\"name\": \"ctr0\"}}")
set_args "$B" sh -c 'ip -o addr show dev ctr0
	echo "mtu=$(cat /sys/class/net/ctr0/mtu) state=$(cat /sys/class/net/ctr0/operstate) host_name=$(ip -o link show | grep -c nda)"
	echo hi-from-ctr0 | nc -w 3 10.77.0.1 7777'
timeout 10 /bin/busybox nc -l -p 7777 > "$T/nc.out" 2>&1 &
ncpid=$!
sleep 0.3
out=$(timeout 30 "$HRUN" --root "$ROOT" run --bundle "$B" mv$S 2>&1); rc=$?
wait $ncpid 2>/dev/null
expect_eq "run with a moved device exits 0" 0 "$rc"
expect_match "the container sees ctr0 with 10.77.0.2/24 (global)" "ctr0 +inet 10.77.0.2/24 .*scope global ctr0" "$out"
expect_match "  ... the alias address keeps its label, renamed: ctr0:x" "inet 10.77.1.2/24 .*scope global ctr0:x" "$out"
expect_match "  ... and the IPv6 address fd77::2/64" "inet6 fd77::2/64 scope global" "$out"
expect_match "  ... its MTU 1400, state up, nothing under its host name" "^mtu=1400 state=up host_name=0$" "$out"
expect_eq "the peer end received what the container sent through ctr0" "hi-from-ctr0" "$(cat "$T/nc.out")"
check "the container's namespace is gone: so is the veth (runtime-spec: not moved back)" wait_gone ndap$S
check "  ... and no state left" no_state

# --- while it runs, the device is not in the runtime's namespace --------
veth ndb$S ndbp$S 10.78.0.2 10.78.0.1
B=$(nd_bundle det "{\"ndb$S\": {}}")
set_args "$B" sleep 60
H run -d --bundle "$B" det$S >/dev/null 2>&1
check "run -d: ndb$S left the runtime's namespace" gone ndb$S
pid=$(H state det$S | jq .pid)
expect_match "  ... it is in the container's, under its own name (no name given)" "ndb$S" \
	"$(nsenter --net=/proc/"$pid"/ns/net ip -o addr show 2>&1)"
H delete --force det$S >/dev/null 2>&1
check "delete: the namespace and the veth are gone" wait_gone ndbp$S

# --- a "%d" template ------------------------------------------------------
veth ndc$S ndcp$S 10.79.0.2 10.79.0.1
B=$(nd_bundle tpl "{\"ndc$S\": {\"name\": \"net%d\"}}")
out=$(hrun_run "$B" tpl$S ip -o addr show 2>&1)
expect_match "name \"net%d\": the kernel numbers it, net0, with its address" "net0 +inet 10.79.0.2/24" "$out"

# --- a joined network namespace keeps the device after delete -----------
unshare -n sleep 300 & HOLDER=$!
sleep 0.3
NS=/proc/$HOLDER/ns/net
veth ndd$S nddp$S 10.80.0.2 10.80.0.1
B=$(new_bundle join ".linux.netDevices = {\"ndd$S\": {\"name\": \"joined0\"}} |
	.linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"$NS\" else . end]")
out=$(hrun_run "$B" join$S ip -o addr show dev joined0 2>&1)
expect_match "joined namespace by path: the container sees joined0 10.80.0.2/24" "joined0 +inet 10.80.0.2/24" "$out"
expect_match "  ... after delete it stays there, with its address (not moved back)" "joined0 +inet 10.80.0.2/24" \
	"$(nsenter --net="$NS" ip -o addr show dev joined0 2>&1)"

# --- refused: one line, nothing moved, nothing left ---------------------
veth nde$S ndep$S 10.81.0.2 10.81.0.1
addrs_before=$(ip -o addr show dev nde$S)
refused() { # refused DESCRIPTION REGEX BUNDLE
	local out rc
	out=$(H run --bundle "$3" bad$S 2>&1); rc=$?
	expect_match "$1" "$2" "$out"
	expect_eq "  ... one line, exit 1" "1 1" "$(printf '%s\n' "$out" | wc -l) $rc"
	check "  ... nde$S still here with its addresses, no state left" \
		[ "$(ip -o addr show dev nde$S 2>&1)" = "$addrs_before" -a -z "$(H list -q)" ]
}
B=$(nd_bundle b1 "{\"nde$S\": {}, \"nosuch$S\": {}}")
refused "a missing device (after a good one): named, nothing moved" \
	"^hrun: linux.netDevices: .nosuch$S.: no such network device in the runtime's network namespace$" "$B"
B=$(nd_bundle b2 "{\"nde$S\": {\"name\": \"a/b\"}}")
refused "a name with '/': the field and the reason" \
	"^hrun: config.json: linux.netDevices.nde$S.name: invalid device name \"a/b\": contains '/'" "$B"
B=$(nd_bundle b3 "{\"nde$S\": {\"name\": \"abcdefghijklmnop\"}}")
refused "a name of 16 bytes: IFNAMSIZ" "longer than 15 bytes \\(IFNAMSIZ\\)$" "$B"
B=$(new_bundle b4 ".linux.netDevices = {\"nde$S\": {}} | .linux.namespaces -= [{type: \"network\"}]")
refused "no network namespace in linux.namespaces" \
	"^hrun: config.json: linux.netDevices: requires a network namespace in linux.namespaces" "$B"
B=$(new_bundle b5 ".linux.netDevices = {\"nde$S\": {}} |
	.linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"/proc/$$/ns/net\" else . end]")
refused "the runtime's own network namespace by path" \
	"^hrun: linux.netDevices: the container's network namespace ./proc/$$/ns/net. is the runtime's own" "$B"
nsenter --net="$NS" ip link add taken0 type veth peer name taken1
B=$(new_bundle b6 ".linux.netDevices = {\"nde$S\": {\"name\": \"taken0\"}} |
	.linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"$NS\" else . end]")
refused "a name already taken in the container's namespace" \
	"^hrun: linux.netDevices: .nde$S.: a device named .taken0. already exists in the container's network namespace$" "$B"
B=$(nd_bundle b7 "{\"lo\": {}}")
refused "the loopback device" "^hrun: linux.netDevices: .lo. is a loopback device" "$B"

# --- a failure after the move: moved back as it was -----------------------
# IPv6 off in the joined namespace: adding the device's IPv6 address there
# fails after it moved, so hrun gives it back with its name and addresses
veth ndf$S ndfp$S 10.82.0.2 10.82.0.1
ip -6 addr add fd82::2/64 dev ndf$S nodad
nsenter --net="$NS" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 &&
	echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
B=$(new_bundle rb ".linux.netDevices = {\"ndf$S\": {\"name\": \"rb0\"}} |
	.linux.namespaces = [.linux.namespaces[] | if .type == \"network\" then .path = \"$NS\" else . end]")
out=$(H run --bundle "$B" rb$S 2>&1); rc=$?
expect_match "IPv6 disabled in the container's namespace: the address that fails is named" \
	"^hrun: linux.netDevices: .ndf$S.: add its address #2 to .rb0.: " "$out"
expect_eq "  ... one line (the move back succeeded), exit 1" "1 1" "$(printf '%s\n' "$out" | wc -l) $rc"
after=$(ip -o addr show dev ndf$S 2>&1)
expect_match "  ... ndf$S is back under its name with its IPv4 address" "ndf$S +inet 10.82.0.2/24" "$after"
expect_match "  ... and its IPv6 address" "ndf$S +inet6 fd82::2/64" "$after"
expect_match "  ... and up" "state UP|,UP" "$(ip link show ndf$S 2>&1)"
check "  ... no rb0 in the container's namespace, no state left" \
	bash -c "! nsenter --net='$NS' ip link show rb0 >/dev/null 2>&1 && [ -z \"\$($HRUN --root $ROOT list -q)\" ]"

# --- features and check ---------------------------------------------------
expect_eq "features: linux.netDevices.enabled" true "$("$HRUN" features | jq .linux.netDevices.enabled)"
B=$(nd_bundle chk "{\"nde$S\": {\"name\": \"ctr0\"}}")
expect_match "check: HR-NET-DEVICE (medium) names the device" "MEDIUM +HR-NET-DEVICE +linux.netDevices.nde$S +host network device" \
	"$("$HRUN" check --bundle "$B" 2>&1 | tr '\n' ' ')"

finish
