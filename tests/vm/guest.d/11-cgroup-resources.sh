#!/bin/bash
# Guest test: linux.resources land in the container's cgroup v2 files.
# For the base config (user namespace 0 -> 100000) and a variant without a
# user namespace, a container with
#   memory {limit 64M, reservation 32M, swap 128M}, cpu {shares 512,
#   quota 50000, period 100000, cpus "0", mems "0"}, pids {limit 20},
#   blockIO {weight 300}
# must see, read from INSIDE (its own read-only /sys/fs/cgroup, cgroup
# namespace; `hrun exec` into the running container): memory.max 67108864,
# memory.low 33554432, memory.swap.max 67108864 (OCI swap is memory+swap),
# cpu.max "50000 100000", cpu.weight 59 (crun's mapping of shares 512),
# cpuset.cpus 0, cpuset.mems 0, pids.max 20, and io.bfq.weight 300 or,
# without BFQ, io.weight "default 2930". The host side of the known
# absolute cgroupsPath holds the same values.
# A second config checks the "unlimited"/extreme ends: limit/swap/pids -1
# -> "max", quota -1 -> "max 200000", shares 262144 -> weight 10000,
# blockIO weight 1000 -> io.weight 10000 (io.bfq.weight 1000).
. "$(dirname "$0")/10-cgroup-lib.sh"

P=$(cg_parent hrun-vmtest-res)

# prints "file=value" for the files of interest in cgroup dir $1
# (multi-line values joined with ';'); shell builtins only: it runs in the
# container's busybox sh and in bash on the host
PRINT='for f in memory.max memory.low memory.swap.max cpu.max cpu.weight cpuset.cpus cpuset.mems pids.max io.weight io.bfq.weight; do
  [ -e "$1/$f" ] || continue
  v=
  while IFS= read -r l; do v="$v${v:+;}$l"; done < "$1/$f"
  echo "$f=$v"
done'

# RES1, RES2, EXP1, EXP2 are used through ${!var}
# shellcheck disable=SC2034
RES1='{memory: {limit: 67108864, reservation: 33554432, swap: 134217728},
       cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0"},
       pids: {limit: 20}, blockIO: {weight: 300},
       devices: [{allow: false, access: "rwm"}]}'
# shellcheck disable=SC2034
RES2='{memory: {limit: -1, swap: -1}, cpu: {shares: 262144, quota: -1, period: 200000},
       pids: {limit: -1}, blockIO: {weight: 1000}, devices: [{allow: false, access: "rwm"}]}'

# expected values: "file=value" lines (io weight handled separately)
# shellcheck disable=SC2034
EXP1='memory.max=67108864
memory.low=33554432
memory.swap.max=67108864
cpu.max=50000 100000
cpu.weight=59
cpuset.cpus=0
cpuset.mems=0
pids.max=20'
# shellcheck disable=SC2034
EXP2='memory.max=max
memory.swap.max=max
cpu.max=max 200000
cpu.weight=10000
pids.max=max'

# check_values LABEL OUTPUT EXPECTED BFQWEIGHT IOWEIGHT
check_values() {
	local label=$1 line key
	local -A got=()
	while IFS= read -r line; do got[${line%%=*}]=$line; done <<<"$2"
	while IFS= read -r line; do
		key=${line%%=*}
		expect_eq "$label: $key" "$line" "${got[$key]:-}"
	done <<<"$3"
	if [ -n "${got[io.bfq.weight]:-}" ]; then
		expect_eq "$label: io.bfq.weight (BFQ)" "io.bfq.weight=$4" "${got[io.bfq.weight]}"
	else
		expect_eq "$label: io.weight (no BFQ)" "io.weight=default $5" "${got[io.weight]:-}"
	fi
}

for variant in userns no-userns; do
	filter=.
	[ "$variant" = no-userns ] && filter=$NO_USERNS
	for cfg in 1 2; do
		id=res$cfg-$variant
		res=RES$cfg exp=EXP$cfg
		b=$(bundle "$id" "$filter | .linux.cgroupsPath = \"/hrun-vmtest-res/$id\" | .linux.resources = ${!res}" sleep 600)
		if ! run_detached "$b" "$id"; then
			not_ok "$variant cfg$cfg: run -d"
			diag "$(cat "$b/out")"
			continue
		fi
		inside=$(hr exec "$id" sh -c "$PRINT" sh /sys/fs/cgroup </dev/null 2>&1)
		host=$(bash -c "$PRINT" sh "$P/$id" 2>&1)
		if [ "$cfg" = 1 ]; then w="300 2930"; else w="1000 10000"; fi
		# shellcheck disable=SC2086 # $w: two arguments
		check_values "$variant cfg$cfg inside" "$inside" "${!exp}" $w
		# shellcheck disable=SC2086
		check_values "$variant cfg$cfg host" "$host" "${!exp}" $w
		# the exec'd process is in the container's cgroup too
		expect_eq "$variant cfg$cfg: exec'd process in the container cgroup" "0::/" \
			"$(hr exec "$id" cat /proc/self/cgroup </dev/null 2>&1)"
		hr delete --force "$id"
		expect_eq "$variant cfg$cfg: delete --force exits 0" 0 "$?"
		check "$variant cfg$cfg: cgroup removed" test ! -e "$P/$id"
	done
done
finish
