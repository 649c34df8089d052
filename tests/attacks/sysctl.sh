#!/bin/bash
# Attack: linux.sysctl as a way to write the host's kernel settings.
# Host-wide keys (kernel.core_pattern, vm.swappiness) and namespaced keys
# whose namespace is not private to the container (no new ipc / network
# namespace, or one "joined" by path that is the runtime's own) are refused
# with one line naming the key, before the container exists; the host
# value is read before and after (a change is restored and fails loudly).
# Namespaced keys with their namespace are applied inside the container.
. "$(dirname "$0")/lib.sh"

NOUSERNS='.linux.namespaces |= map(select(.type != "user")) | del(.linux.uidMappings, .linux.gidMappings)'
b=$(new_bundle sysb)
BASE=$(cat "$b/config.json")

host_val() { tr '\t' ' ' < "/proc/sys/$(printf '%s' "$1" | tr . /)"; }

# refused DESC KEY VALUE REGEX JQ-FILTER
refused() {
	local before after out rc
	before=$(host_val "$2")
	printf '%s' "$BASE" | jq --arg k "$2" --arg v "$3" "$5 | .linux.sysctl = {(\$k): \$v} | .process.args = [\"sh\", \"-c\", \"echo RAN\"]" > "$b/config.json"
	out=$(H run --bundle "$b" "$ID" 2>&1); rc=$?
	after=$(host_val "$2")
	if [ "$before" != "$after" ]; then
		printf '%s\n' "$before" > "/proc/sys/$(printf '%s' "$2" | tr . /)"
		echo "Bail out! HOST SYSCTL $2 WAS CHANGED: [$before] -> [$after] (restored)"
		exit 1
	fi
	expect_eq "$1: exit 1" "1" "$rc"
	expect_match "$1: one line naming the key and the reason" "^hrun: config.json: linux.sysctl\[\"$2\"\]: $4" "$out"
	expect_eq "$1: one line" "1" "$(printf '%s\n' "$out" | wc -l)"
	expect_eq "$1: the host value is unchanged" "$before" "$after"
	expect_eq "$1: nothing left behind" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx '@seccomp')"
}

# never a value that would change the host if written: the current one
refused "kernel.core_pattern (host-wide)" kernel.core_pattern "$(host_val kernel.core_pattern)" \
	'not namespaced' "$NOUSERNS"
sw=$(host_val vm.swappiness)
refused "vm.swappiness (host-wide)" vm.swappiness $(( (sw + 1) % 100 )) 'not namespaced' "$NOUSERNS"
refused "fs.inotify.max_user_watches (fs.* other than mqueue)" fs.inotify.max_user_watches 12345 \
	'not namespaced' "$NOUSERNS"
nosep_ipc="$NOUSERNS | .linux.namespaces |= map(select(.type != \"ipc\"))"
refused "fs.mqueue.queues_max without an ipc namespace" fs.mqueue.queues_max 77 \
	'not in a separate kernel namespace \(linux.namespaces has no ipc namespace\)$' "$nosep_ipc"
refused "kernel.shmmax without an ipc namespace" kernel.shmmax 123456789 \
	'not in a separate kernel namespace' "$nosep_ipc"
refused "net.ipv4.ping_group_range without a network namespace" net.ipv4.ping_group_range "7 7" \
	'not in a separate kernel namespace \(linux.namespaces has no network namespace\)$' \
	"$NOUSERNS | .linux.namespaces |= map(select(.type != \"network\"))"
refused "kernel.domainname without a uts namespace" kernel.domainname hrun-attack \
	'not in a separate kernel namespace' \
	"$NOUSERNS | del(.hostname) | .linux.namespaces |= map(select(.type != \"uts\"))"

# a namespace "joined" by path that is the runtime's own is the host's
joined() { # joined DESC KEY VALUE NSTYPE
	local before after out rc
	before=$(host_val "$2")
	printf '%s' "$BASE" | jq --arg k "$2" --arg v "$3" --arg t "$4" --arg p "/proc/$$/ns/$5" \
		"$NOUSERNS | .linux.namespaces |= map(if .type == \$t then .path = \$p else . end) | .linux.sysctl = {(\$k): \$v} | .process.args = [\"sh\", \"-c\", \"echo RAN\"]" > "$b/config.json"
	out=$(H run --bundle "$b" "$ID" 2>&1); rc=$?
	after=$(host_val "$2")
	if [ "$before" != "$after" ]; then
		printf '%s\n' "$before" > "/proc/sys/$(printf '%s' "$2" | tr . /)"
		echo "Bail out! HOST SYSCTL $2 WAS CHANGED: [$before] -> [$after] (restored)"
		exit 1
	fi
	expect_eq "$1: exit 1" "1" "$rc"
	expect_match "$1: refused naming the key" "^hrun: linux.sysctl\[\"$2\"\]: not in a separate kernel namespace \(the $4 namespace .* is the runtime's own\)$" "$out"
	expect_eq "$1: the host value is unchanged" "$before" "$after"
	expect_eq "$1: nothing left behind" "" "$(ls -A "$ROOT" 2>/dev/null | grep -vx '@seccomp')"
}
joined "net.ipv4.ping_group_range in the runtime's own netns joined by path" net.ipv4.ping_group_range "7 7" network net
joined "fs.mqueue.msg_max in the runtime's own ipc ns joined by path" fs.mqueue.msg_max 17 ipc ipc

# allowed: each key with its namespace private, read back inside
printf '%s' "$BASE" | jq '.linux.sysctl = {"kernel.shmmax": "123456789", "fs.mqueue.queues_max": "77",
	"net.ipv4.ping_group_range": "1000 1000", "net/ipv4/ip_default_ttl": "33"}' > "$b/config.json"
h_shm=$(host_val kernel.shmmax); h_mq=$(host_val fs.mqueue.queues_max); h_ping=$(host_val net.ipv4.ping_group_range)
out=$(hrun_run "$b" "$ID" sh -c 'cat /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/queues_max /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/ip_default_ttl' 2>&1 | tr '\t' ' ')
expect_eq "namespaced keys (user ns, new ipc and net ns) are applied inside" "123456789
77
1000 1000
33" "$out"
expect_eq "... and not on the host" "$h_shm|$h_mq|$h_ping" "$(host_val kernel.shmmax)|$(host_val fs.mqueue.queues_max)|$(host_val net.ipv4.ping_group_range)"
printf '%s' "$BASE" | jq "$NOUSERNS"' | .linux.sysctl = {"kernel.domainname": "hrun-dom"}' > "$b/config.json"
h_dom=$(host_val kernel.domainname)
out=$(hrun_run "$b" "$ID" cat /proc/sys/kernel/domainname 2>&1)
expect_eq "kernel.domainname with a new uts namespace is applied inside" "hrun-dom" "$out"
expect_eq "... and not on the host" "$h_dom" "$(host_val kernel.domainname)"
finish
