#!/bin/bash
# `hrun exec --cap X` adds X to the bounding, effective and permitted sets
# only: never to the inheritable or ambient sets, from which a program the
# process executes would keep it (the CVE-2022-29162 class).
. "$(dirname "$0")/lib.sh"

b=$(new_bundle capb)
set_args "$b" sleep 1000
H run --detach --bundle "$b" "$ID" || not_ok "run the container"
wait_running "$ID"
for user in 0:0 1000:1000; do
	out=$(H exec --user "$user" --cap CAP_NET_RAW --cap CAP_CHOWN "$ID" grep -E '^Cap(Inh|Amb|Eff|Prm|Bnd):' /proc/self/status | tr -s '\t' ' ')
	printf '%s\n' "$out" | sed 's/^/# /'
	expect_eq "exec --cap as $user: CapInh stays 0" "CapInh: 0000000000000000" "$(printf '%s\n' "$out" | grep CapInh)"
	expect_eq "exec --cap as $user: CapAmb stays 0" "CapAmb: 0000000000000000" "$(printf '%s\n' "$out" | grep CapAmb)"
	# CAP_CHOWN is bit 0, CAP_NET_RAW bit 13
	expect_eq "exec --cap as $user: CapBnd has exactly the two" "CapBnd: 0000000000002001" "$(printf '%s\n' "$out" | grep CapBnd)"
	if [ "$user" = 0:0 ]; then
		expect_eq "exec --cap as root: CapEff has exactly the two" "CapEff: 0000000000002001" "$(printf '%s\n' "$out" | grep CapEff)"
	else
		# not ambient: the program a non-root process executes (grep,
		# no file capabilities) keeps none of them
		expect_eq "exec --cap as uid 1000: nothing survives the execve of grep" "CapEff: 0000000000000000" "$(printf '%s\n' "$out" | grep CapEff)"
	fi
done
# the root process hands nothing on either: sh drops to uid 1000 and execs
out=$(H exec --user 0:0 --cap CAP_NET_RAW "$ID" sh -c 'grep -E "^Cap(Inh|Amb):" /proc/self/status' | tr -s '\t' ' ' | tr '\n' ' ')
expect_eq "exec --cap: the root process's own program also has CapInh/CapAmb 0" "CapInh: 0000000000000000 CapAmb: 0000000000000000 " "$out"
H delete --force "$ID"
finish
