#!/bin/bash
# bench.sh: time one hardened busybox container running /bin/true with hrun,
# crun and runc (Debian's) on the same bundle, in the same run (hyperfine),
# plus peak RSS of each runtime. Prints figures; asserts nothing.
#   HRUN=build/hrun  RUNS=50  bench.sh
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HRUN=${HRUN:-$SRC/build/hrun}
RUNS=${RUNS:-50}
W=$(mktemp -d /tmp/hrun-bench.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
"$SRC/tests/mkrootfs.sh" "$W/bundle/rootfs" >/dev/null
# the tests' hardened config, with a fixed cgroup and /bin/true
"$SRC/tests/base-config.sh" | jq '.ociVersion = "1.0.2" | .process.args = ["/bin/true"] | .linux.cgroupsPath = "/hrun-bench"' > "$W/bundle/config.json"
cmds=()
names=()
for rt in "$HRUN" /usr/bin/crun /usr/bin/runc; do
	[ -x "$rt" ] || continue
	n=$(basename "$rt")
	# a runtime that cannot run here is reported, not timed (crun 1.8
	# refuses hybrid cgroup hosts whose cgroup2 has any controller)
	if ! err=$("$rt" --root "$W/probe-$n" run --bundle "$W/bundle" "probe-$n" 2>&1); then
		echo "skipping $n: $err"
		continue
	fi
	names+=("$n")
	cmds+=("$rt --root $W/state-$n run --bundle $W/bundle bench-$n")
done
hyperfine -N --warmup 5 --runs "$RUNS" "${cmds[@]}" --export-markdown "$W/result.md" >/dev/null 2>&1 ||
	hyperfine --warmup 5 --runs "$RUNS" "${cmds[@]}" --export-markdown "$W/result.md" >/dev/null
cat "$W/result.md"
echo
echo "peak RSS of the runtime process (max over 5 runs, /usr/bin/time):"
for i in "${!cmds[@]}"; do
	max=0
	for _ in 1 2 3 4 5; do
		kb=$(/usr/bin/time -f %M ${cmds[$i]} 2>&1 >/dev/null | tail -1)
		[ "$kb" -gt "$max" ] 2>/dev/null && max=$kb
	done
	printf '  %-6s %6.1f MB\n' "${names[$i]}" "$(echo "$max / 1024" | bc -l)"
done
