#!/bin/bash
# bench.sh: time hrun against crun and runc (Debian's) on the same hardened
# busybox bundle (/bin/true), interleaved round by round in one run, and
# print medians, p90s, paired ratios, the kernel's floor, peak RSS and
# binary sizes. Prints figures; asserts nothing (never a timed test).
#
#   flock /tmp/hrun-tests.lock meson test -C build --benchmark bench -v
#   flock /tmp/hrun-tests.lock tests/bench/bench.sh     (HRUN=build/hrun)
#   BENCH_N=50 rounds (default), BENCH_STRACE=1 adds strace -c -f summaries,
#   HRUN_BASE=OTHER-HRUN adds another hrun binary as runtime "base" (the
#   same bundle as hrun): before/after figures from one run.
#
# All runtimes run inside ONE private mount namespace (unshare -m, private
# propagation) where cgroup2 is mounted on /sys/fs/cgroup: crun 1.8 refuses
# the host's hybrid layout, and the three then see the same cgroup tree.
# The host's mounts are untouched (its /proc/self/mountinfo is compared
# before and after).
#
# Scenarios, each timed per command with bash's $EPOCHREALTIME
# (clock_gettime, no fork):
#   warm   `run` with a --root that already holds state (hrun's seccomp cache)
#   cold   `run` with a fresh empty --root each time (seccomp compiled)
#   exec   `exec ID /bin/true` into a running container (busybox sleep)
#   create/start/delete   the three steps of one container, timed apart
#   floor  the kernel's floor: unshare(1) with the same namespaces (user,
#          pid + fork, net, ipc, uts, mount, cgroup) and --root on the
#          rootfs, exec of /bin/true from it: what any runtime must pay.
#   sandbox  `hrun sandbox -- /bin/true` against bubblewrap with comparable
#          isolation: new user, pid, net, ipc and uts namespaces, the
#          host's /usr, /etc read-only, /proc, /dev, a tmpfs /tmp, and the
#          default profile's very program (exported from hrun's seccomp
#          cache) as --seccomp; when hrun has `sandbox` and bwrap exists.
# crun and runc get the same config with two changes they need here: no
# device cgroup rule (crun raises RLIMIT_MEMLOCK for the device BPF program,
# which root without CAP_SYS_RESOURCE cannot) and an explicit
# socketcall/ipc errno rule (libseccomp otherwise refuses the profile's
# conditional socket rules on x86: EEXIST). hrun keeps both: it does more.
set -eu
export LC_ALL=C
SRC=$(cd "$(dirname "$0")/../.." && pwd)
HRUN=${HRUN:-$SRC/build/hrun}
N=${BENCH_N:-${RUNS:-50}}

# ---- inner part: runs inside the private mount namespace ----------------
now_us() { local t=$EPOCHREALTIME; echo "${t/./}"; }

# timed SCEN RT ROUND CMD...: appends "SCEN RT ROUND MICROSECONDS"
timed()
{
	local scen=$1 rt=$2 round=$3 a b
	shift 3
	a=$EPOCHREALTIME
	"$@" >/dev/null 2>>"$W/errors" </dev/null || {
		echo "bench: $scen $rt failed: $*" >&2
		tail -3 "$W/errors" >&2
		return 1
	}
	b=$EPOCHREALTIME
	echo "$scen $rt $round $((${b/./} - ${a/./}))" >>"$W/times"
}

bin_of() { case $1 in hrun) echo "$HRUN" ;; base) echo "$HRUN_BASE" ;; *) command -v "$1" ;; esac; }
bundle_of() { echo "$W/b-$1"; }

wait_stopped()
{
	local i
	for i in $(seq 200); do
		"$1" --root "$2" state "$3" 2>/dev/null | grep -q '"stopped"' && return 0
		sleep 0.005
	done
	return 1
}

# The default profile's program for bwrap --seccomp: a filter that differs
# from the default profile only by a rule for a syscall no kernel has (the
# same program; the default's own never reaches the cache) is run once and
# its program is cut out of the cache entry (seccomp_cache.c's format).
sandbox_setup()
{
	local e klen
	if ! "$HRUN" sandbox --help >/dev/null 2>&1 || ! command -v bwrap >/dev/null; then
		echo "bench: no hrun sandbox or no bwrap: sandbox scenario skipped" >&2
		return 0
	fi
	mkdir -p "$W/b-bpf"
	jq '.linux.seccomp.syscalls += [{names: ["hrun_no_such_syscall"], action: "SCMP_ACT_ALLOW"}]' \
		"$W/b-hrun/config.json" >"$W/b-bpf/config.json"
	"$HRUN" --root "$W/st-bpf" run --bundle "$W/b-bpf" bpf >/dev/null
	e=$(ls "$W"/st-bpf/@seccomp/*.bpf)
	klen=$(od -An -tu4 -j8 -N4 "$e" | tr -d ' ')
	tail -c +$((8 + 4 + klen + 8 + 1)) "$e" >"$W/default.bpf"
	"$HRUN" --root "$W/st-sb" sandbox -- /bin/true
}

sandbox_round()
{
	local rt
	for rt in hrun bwrap; do
		case $rt in
		hrun) timed sandbox hrun "$1" "$HRUN" --root "$W/st-sb" sandbox -- /bin/true ;;
		bwrap) timed sandbox bwrap "$1" bwrap --unshare-user --unshare-pid --unshare-net \
			--unshare-ipc --unshare-uts --die-with-parent --ro-bind /usr /usr \
			--symlink usr/bin /bin --symlink usr/sbin /sbin --symlink usr/lib /lib \
			--symlink usr/lib64 /lib64 --ro-bind /etc /etc --proc /proc --dev /dev \
			--tmpfs /tmp --seccomp 10 /bin/true 10<"$W/default.bpf" ;;
		esac
	done
}

inner()
{
	mount -t cgroup2 none /sys/fs/cgroup
	local rt b i order
	: >"$W/times"
	for rt in $RTS; do # warm-up, and the long-running exec targets
		b=$(bin_of "$rt")
		"$b" --root "$W/st-$rt" run --bundle "$(bundle_of "$rt")" "warmup-$rt" >/dev/null
		"$b" --root "$W/st-$rt" create --bundle "$(bundle_of "$rt")-sleep" "x-$rt" >/dev/null </dev/null
		"$b" --root "$W/st-$rt" start "x-$rt"
	done
	sandbox_setup
	for i in $(seq "$N"); do
		# alternate the order each round: no runtime always goes first
		if ((i % 2)); then order=$RTS; else order=$(echo "$RTS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
		timed floor floor "$i" unshare -r -p -f -n -i -u -m -C --root="$W/hard/rootfs" /bin/true
		[ ! -s "$W/default.bpf" ] || sandbox_round "$i"
		for rt in $order; do
			b=$(bin_of "$rt")
			timed warm "$rt" "$i" "$b" --root "$W/st-$rt" run --bundle "$(bundle_of "$rt")" "w$i"
			timed cold "$rt" "$i" "$b" --root "$W/cold-$rt-$i" run --bundle "$(bundle_of "$rt")" "c$i"
			rm -rf "$W/cold-$rt-$i"
			timed exec "$rt" "$i" "$b" --root "$W/st-$rt" exec "x-$rt" /bin/true
			timed create "$rt" "$i" "$b" --root "$W/st-$rt" create --bundle "$(bundle_of "$rt")" "s$i"
			timed start "$rt" "$i" "$b" --root "$W/st-$rt" start "s$i"
			wait_stopped "$b" "$W/st-$rt" "s$i"
			timed delete "$rt" "$i" "$b" --root "$W/st-$rt" delete "s$i"
		done
	done
	for rt in $RTS; do
		b=$(bin_of "$rt")
		"$b" --root "$W/st-$rt" kill "x-$rt" KILL 2>/dev/null || true
		wait_stopped "$b" "$W/st-$rt" "x-$rt" || true
		"$b" --root "$W/st-$rt" delete --force "x-$rt" 2>/dev/null || true
	done
	# peak RSS (kB) of a warm run, max over 5 runs
	for rt in $RTS; do
		b=$(bin_of "$rt")
		for i in 1 2 3 4 5; do
			/usr/bin/time -f "rss $rt %M" -a -o "$W/rss" "$b" --root "$W/st-$rt" run --bundle "$(bundle_of "$rt")" "r$i" >/dev/null
		done
	done
	[ "${BENCH_STRACE:-0}" = 1 ] || return 0
	for rt in $RTS; do
		b=$(bin_of "$rt")
		echo "== strace -c -f: $rt warm run" >>"$W/strace"
		strace -c -f -o "$W/st.tmp" "$b" --root "$W/st-$rt" run --bundle "$(bundle_of "$rt")" t1 >/dev/null
		head -25 "$W/st.tmp" >>"$W/strace"
		echo "== strace -c -f: $rt cold run" >>"$W/strace"
		strace -c -f -o "$W/st.tmp" "$b" --root "$W/st-cold-$rt" run --bundle "$(bundle_of "$rt")" t3 >/dev/null
		head -25 "$W/st.tmp" >>"$W/strace"
		echo "== strace -c -f: $rt exec" >>"$W/strace"
		"$b" --root "$W/st-$rt" create --bundle "$(bundle_of "$rt")-sleep" t2 >/dev/null </dev/null
		"$b" --root "$W/st-$rt" start t2
		strace -c -f -o "$W/st.tmp" "$b" --root "$W/st-$rt" exec t2 /bin/true >/dev/null
		head -25 "$W/st.tmp" >>"$W/strace"
		"$b" --root "$W/st-$rt" kill t2 KILL
		wait_stopped "$b" "$W/st-$rt" t2 || true
		"$b" --root "$W/st-$rt" delete --force t2 2>/dev/null || true
	done
}

if [ "${1:-}" = --inner ]; then
	W=$2
	RTS=$3
	inner
	exit
fi

# ---- outer part: bundles, the namespace, the report ---------------------
W=$(mktemp -d /tmp/hrun-bench.XXXXXX)
chmod 755 "$W"
trap 'rm -rf "$W"' EXIT
"$SRC/tests/mkrootfs.sh" "$W/hard/rootfs" >/dev/null
CG=/hrun-bench-$$
# the tests' hardened config, a fixed cgroup, /bin/true; rootfs by absolute
# path (runc refuses a symlinked one)
"$SRC/tests/base-config.sh" | jq --arg cg "$CG" --arg root "$W/hard/rootfs" \
	'.ociVersion = "1.0.2" | .process.args = ["/bin/true"] | .linux.cgroupsPath = $cg | .root.path = $root' \
	>"$W/hard/config.json"
jq '.linux.seccomp.syscalls = [{names: ["socketcall", "ipc"], action: "SCMP_ACT_ERRNO", errnoRet: 1}] + .linux.seccomp.syscalls | del(.linux.resources.devices)' \
	"$W/hard/config.json" >"$W/compat.json"
RTS=hrun
[ -z "${HRUN_BASE:-}" ] || RTS="$RTS base"
for rt in crun runc; do
	command -v $rt >/dev/null && RTS="$RTS $rt" || echo "bench: $rt not installed, skipped"
done
# one bundle (and cgroup) per runtime; a sleeper bundle each for exec
for rt in $RTS; do
	mkdir -p "$W/b-$rt" "$W/b-$rt-sleep"
	src=$W/compat.json
	case $rt in hrun | base) src=$W/hard/config.json ;; esac
	jq --arg cg "$CG-$rt" '.linux.cgroupsPath = $cg' "$src" >"$W/b-$rt/config.json"
	jq --arg cg "$CG-$rt-x" '.process.args = ["sleep", "100000"] | .linux.cgroupsPath = $cg' \
		"$src" >"$W/b-$rt-sleep/config.json"
done
before=$(cat /proc/self/mountinfo)
unshare -m --propagation private "$0" --inner "$W" "$RTS"
[ "$before" = "$(cat /proc/self/mountinfo)" ] || echo "bench: WARNING: the host's mountinfo changed"

echo "hrun: $HRUN ($(git -C "$SRC" describe --always --dirty 2>/dev/null || echo '?'))"
[ -z "${HRUN_BASE:-}" ] || echo "base: $HRUN_BASE"
echo "crun: $(crun --version 2>/dev/null | head -1)   runc: $(runc --version 2>/dev/null | head -1)"
echo "kernel $(uname -r), $(nproc) CPUs, N=$N rounds, interleaved, one private mount namespace"
echo
awk -v rts="$RTS" '
function sortv(a, n,   i, j, t) { for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t } }
function q(a, n, p,   k) { sortv(a, n); k = int(p * (n - 1) + 0.5) + 1; return a[k] }
{ v[$1, $2, $3] = $4; seen[$1] = 1; rounds[$3] = 1 }
END {
	ns = split("warm cold exec create start delete", sc, " ")
	nr = split(rts, rt, " ")
	printf "%-8s", "ms"
	for (r = 1; r <= nr; r++) printf " %16s", rt[r] " med/p90"
	for (r = 2; r <= nr; r++) printf " %11s", "hrun/" rt[r]
	printf "\n"
	for (s = 1; s <= ns; s++) {
		printf "%-8s", sc[s]
		for (r = 1; r <= nr; r++) {
			n = 0; delete a
			for (i in rounds) if ((sc[s], rt[r], i) in v) a[++n] = v[sc[s], rt[r], i] / 1000
			if (n) printf " %7.2f / %6.2f", q(a, n, 0.5), q(a, n, 0.9); else printf " %16s", "-"
		}
		for (r = 2; r <= nr; r++) {
			n = 0; delete a
			for (i in rounds) if ((sc[s], "hrun", i) in v && (sc[s], rt[r], i) in v) a[++n] = v[sc[s], "hrun", i] / v[sc[s], rt[r], i]
			if (n) printf " %11.2f", q(a, n, 0.5); else printf " %11s", "-"
		}
		printf "\n"
	}
	n = 0; delete a
	for (i in rounds) if (("floor", "floor", i) in v) a[++n] = v["floor", "floor", i] / 1000
	f = q(a, n, 0.5)
	printf "%-8s %7.2f / %6.2f   (unshare -rpfniumC --root=ROOTFS /bin/true)\n", "floor", f, q(a, n, 0.9)
	n = 0; delete a
	for (i in rounds) a[++n] = v["warm", "hrun", i] / v["floor", "floor", i]
	printf "hrun warm / floor (paired median): %.2f\n", q(a, n, 0.5)
	n = 0; delete a; delete b; delete c
	for (i in rounds) if (("sandbox", "hrun", i) in v && ("sandbox", "bwrap", i) in v) {
		n++; a[n] = v["sandbox", "hrun", i] / 1000; b[n] = v["sandbox", "bwrap", i] / 1000
		c[n] = v["sandbox", "hrun", i] / v["sandbox", "bwrap", i]
	}
	if (n) printf "%-8s hrun sandbox %.2f / %.2f, bwrap %.2f / %.2f, hrun/bwrap %.2f\n", "sandbox", q(a, n, 0.5), q(a, n, 0.9), q(b, n, 0.5), q(b, n, 0.9), q(c, n, 0.5)
	printf "ratios: median of the per-round ratios (same round, same load)\n"
}' "$W/times"
echo
echo "peak RSS of a warm run (max resident, /usr/bin/time, max of 5) and binary size:"
for rt in $RTS; do
	kb=$(awk -v rt="$rt" '$1 == "rss" && $2 == rt && $3 > m { m = $3 } END { print m }' "$W/rss")
	b=$(bin_of "$rt")
	printf '  %-5s %5.2f MB   %8d bytes  %s\n' "$rt" "$(echo "$kb / 1024" | bc -l)" "$(stat -L -c %s "$b")" "$b"
done
[ ! -s "$W/strace" ] || { echo; cat "$W/strace"; }
