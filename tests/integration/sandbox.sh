#!/bin/bash
# `hrun sandbox [options] -- CMD`: real sandboxes running host tools, seen
# from inside and outside: identity and hardening, what is (not) visible
# and writable, network, --timeout, --max-output, the report, exit codes,
# signals, 20 in parallel, bad options (one line, 125, nothing left).
. "$(dirname "$0")/lib.sh"
export HRUN_PROFILES=$HRUN_SRC/profiles
SB() { "$HRUN" --root "$ROOT" sandbox "$@"; }
jqt() { jq -e "$@" >/dev/null; }

# nothing of a sandbox is left: no state or root dir, no cgroup, no
# mount, no process (the marker is in CMD's command line)
left_behind() { # left_behind MARKER -> prints what is left
	local cg=/sys/fs/cgroup
	[ "$(stat -f -c %T $cg)" = cgroup2fs ] || cg=$cg/unified
	find "$ROOT" -mindepth 1 -maxdepth 2 ! -path "$ROOT/@seccomp*" ! -path "$ROOT/@sandbox" 2>/dev/null
	ls -d "$cg"/hrun/sandbox-* 2>/dev/null
	grep -F "$ROOT/@sandbox" /proc/self/mountinfo
	[ -n "${1:-}" ] && pgrep -af -- "$1"
	true
}

# --- identity and hardening of a host tool -----------------------------
out=$(SB -- sh -c 'id -u; id -g; grep -E "^(CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "' 2>&1)
expect_eq "host sh runs: unprivileged uid (65534)" "65534" "$(sed -n 1p <<<"$out")"
expect_eq "gid 65534" "65534" "$(sed -n 2p <<<"$out")"
expect_eq "CapEff 0" "CapEff: 0000000000000000" "$(sed -n 3p <<<"$out")"
expect_eq "CapBnd 0" "CapBnd: 0000000000000000" "$(sed -n 4p <<<"$out")"
expect_eq "CapAmb 0" "CapAmb: 0000000000000000" "$(sed -n 5p <<<"$out")"
expect_eq "NoNewPrivs 1" "NoNewPrivs: 1" "$(sed -n 6p <<<"$out")"
expect_eq "Seccomp 2" "Seccomp: 2" "$(sed -n 7p <<<"$out")"

# --- the filesystem -------------------------------------------------------
W=$T/work && mkdir -p "$W" && chown 4242:4343 "$W"
echo secret > "$T/hostfile"
out=$(SB --workdir "$W" -- sh -c 'pwd; id -u; echo data > result.txt && echo wd-ok
echo t > /tmp/t && echo tmp-ok
for p in / /etc /usr /bin /var /run/.. /proc/sys; do touch $p/x 2>/dev/null && echo "wrote $p"; done
mkdir /var 2>/dev/null && echo "made /var"
for p in /root /home /var /sys /mnt /srv /opt "'"$HRUN_SRC"'" "'"$T"'/hostfile" /run/hrun /var/run/docker.sock /run/containerd; do
	[ -e $p ] && echo "sees $p"; done
echo "run=$(ls -A /run | wc -l) tmp=$(ls -A /tmp | tr "\n" " ")"' 2>&1)
expect_eq "--workdir becomes the cwd" "$W" "$(sed -n 1p <<<"$out")"
expect_eq "default user: the owner of --workdir" "4242" "$(sed -n 2p <<<"$out")"
expect_match "writing in --workdir works" "wd-ok" "$out"
expect_match "writing in /tmp works" "tmp-ok" "$out"
expect_eq "what was written in --workdir reaches the host" "data 4242" "$(cat "$W/result.txt" 2>&1) $(stat -c %u "$W/result.txt" 2>&1)"
check "writing outside --workdir and /tmp fails (/, /etc, /usr, /bin, /var, /proc/sys)" \
	bash -c '! grep -q "^wrote\|^made" <<<"$1"' _ "$out"
check "host files not bound are invisible (/root, /home, /var, /sys, the checkout, the test dir, engine sockets)" \
	bash -c '! grep -q "^sees" <<<"$1"' _ "$out"
# /tmp: what CMD wrote and the mount point of --workdir ($T/work)
expect_eq "/run and /tmp are fresh (empty but what CMD wrote)" "run=0 tmp=${T#/tmp/} t " "$(sed -n '$p' <<<"$out")"
out=$(SB -- sh -c 'readlink /bin; readlink /lib64 2>/dev/null || echo none; ls /usr/bin/sh >/dev/null && echo usr-ok; cat /etc/hostname >/dev/null && echo etc-ok; hostname' 2>&1)
expect_eq "/bin stays a symlink (as on the host)" "$(readlink /bin || echo dir)" "$(sed -n 1p <<<"$out" | grep . || echo dir)"
expect_match "host /usr and /etc are there" "usr-ok.*etc-ok" "$(tr '\n' ' ' <<<"$out")"
expect_eq "hostname is sandbox" "sandbox" "$(sed -n '$p' <<<"$out")"

mkdir -p "$T/ro" "$T/rw" && chmod 777 "$T/rw" && echo in-ro > "$T/ro/f"
out=$(SB --bind "$T/ro:/data" --bind "$T/rw:/out:rw" -- sh -c 'cat /data/f; touch /data/g 2>&1 || echo ro-refused; echo w > /out/g && echo rw-ok' 2>&1)
expect_match "--bind SRC:DST is read-only by default" "in-ro.*ro-refused" "$(tr '\n' ' ' <<<"$out")"
expect_match "--bind SRC:DST:rw is writable" "rw-ok" "$out"
check "--bind rw: the file reached the host" test -s "$T/rw/g"

make_rootfs
out=$(SB --rootfs "$ROOTFS_CACHE" -- /bin/busybox sh -c 'ls /usr/bin/python3 2>&1; busybox | head -1' 2>&1)
expect_match "--rootfs DIR: that root, not the host's" "No such file.*BusyBox" "$(tr '\n' ' ' <<<"$out")"

# --- environment, user, capabilities ---------------------------------------
out=$(SECRET_TOKEN=leak LANG=C.UTF-8 SB --env FOO=first --env FOO=bar --env PATH=/usr/bin:/bin -- sh -c 'env | sort' 2>&1)
expect_eq "environment: only PATH, HOME, LANG, TERM and --env" "FOO=bar HOME=/tmp LANG=C.UTF-8 PATH=/usr/bin:/bin PWD=/ TERM=${TERM:-xterm}" \
	"$(grep -v '^SHLVL=\|^_=' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"
expect_eq "--user UID:GID" "1234 5678" "$(SB --user 1234:5678 -- sh -c 'echo $(id -u) $(id -g)' 2>&1)"
expect_eq "--cap-add NET_BIND_SERVICE: effective and ambient" "CapEff: 0000000000000400 CapAmb: 0000000000000400" \
	"$(SB --cap-add NET_BIND_SERVICE -- grep -E '^Cap(Eff|Amb)' /proc/self/status | tr -s '\t\n' '  ' | sed 's/ $//')"

# --- network: only lo, no route -----------------------------------------
out=$(SB -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; tail -n +2 /proc/net/route | wc -l; cat /proc/net/ipv6_route | grep -v " lo$" | wc -l' 2>&1)
expect_eq "network: only lo" "lo" "$(sed -n 1p <<<"$out")"
expect_eq "network: no IPv4 route" "0" "$(sed -n 2p <<<"$out")"
expect_eq "network: no IPv6 route but lo's" "0" "$(sed -n 3p <<<"$out")"
if command -v python3 >/dev/null && [ -x "$(readlink -f "$(command -v python3)")" ]; then
	PY=/usr/bin/python3
	out=$(SB -- $PY -c '
import socket
s = socket.socket(); s.settimeout(2)
try:
    s.connect(("1.1.1.1", 80)); print("connected")
except OSError as e:
    print("refused", e.errno)' 2>&1)
	expect_match "no route out (connect fails with ENETUNREACH)" "refused 101" "$out"
fi

# --- --timeout ----------------------------------------------------------
start=$(date +%s%N)
SB --timeout 2 -- sh -c 'sleep 6011 & sleep 6012' >/dev/null 2>&1; rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect_eq "--timeout 2: exit 124" "124" "$rc"
check "--timeout 2 on sleep ends in about 2 s (${ms} ms)" test "$ms" -ge 1900 -a "$ms" -lt 4500
expect_eq "--timeout: no process left, nothing left behind" "" "$(left_behind 'sleep 601[12]')"

# --- --max-output and the report ----------------------------------------
out=$(SB --max-output 100 --report "$T/r1.json" -- sh -c 'seq 1 10000; echo to-stderr >&2' 2>"$T/r1.err")
rc=$?
expect_eq "--max-output: CMD's status kept (0)" "0" "$rc"
expect_eq "--max-output 100: 100 bytes forwarded" "100" "$(printf '%s' "$out" | wc -c)"
expect_match "--max-output: one warning line" "truncated at 100 bytes" "$(cat "$T/r1.err")"
check "report: valid JSON" jqt . "$T/r1.json"
expect_eq "report: truncated, every byte CMD wrote counted" "true 48894 10" \
	"$(jq -r '"\(.truncated) \(.stdout_bytes) \(.stderr_bytes)"' "$T/r1.json")"
out=$(SB --report - -- sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3')
rc=$?
expect_eq "report -: CMD's exit status (3)" "3" "$rc"
rep=$(sed -n '/^{/,$p' <<<"$out")
check "report -: valid JSON on stdout" jqt . <<<"$rep"
expect_eq "report: exit_code, signal, timed_out, oom_killed" "3 null false false 3" \
	"$(jq -r '"\(.exit_code) \(.signal) \(.timed_out) \(.oom_killed) \(.exit_status)"' <<<"$rep")"
check "report: plausible wall and CPU seconds (0 < cpu <= wall + 0.1 < 30)" \
	jqt '.wall_s > 0 and .wall_s < 30 and .cpu_s > 0 and .cpu_s <= .wall_s + 0.1' <<<"$rep"
expect_eq "report: the effective settings" "host 65534 65534 [] none (loopback only) default false" \
	"$(jq -r '.settings | "\(.rootfs) \(.user.uid) \(.user.gid) \(.capabilities | tojson) \(.net) \(.seccomp) \(.user_namespace)"' <<<"$rep")"
check "report: host /usr bound read-only" jqt '.settings.binds | any(.source == "/usr" and .mode == "ro")' <<<"$rep"
SB --timeout 1 --report "$T/r2.json" -- sleep 6013 >/dev/null 2>&1
expect_eq "report after --timeout: timed_out, signal 9, status 124" "true 9 124 null" \
	"$(jq -r '"\(.timed_out) \(.signal) \(.exit_status) \(.exit_code)"' "$T/r2.json")"

# --- exit status ----------------------------------------------------------
SB -- sh -c 'exit 7' 2>/dev/null; expect_eq "exit status: CMD's (7)" "7" "$?"
SB -- sh -c 'sh -c "kill -TERM \$\$"' 2>/dev/null; expect_eq "exit status: 128+N for signal N (143)" "143" "$?"
out=$(SB -- no-such-command-xyz 2>&1); rc=$?
expect_eq "CMD not found: 127" "127" "$rc"
expect_match "CMD not found: one line" "^hrun: exec: .no-such-command-xyz.: executable file not found" "$out"
SB -- /etc/passwd 2>/dev/null; expect_eq "CMD not executable: 126" "126" "$?"

# --- SIGTERM/SIGINT of hrun end the whole sandbox ------------------------------
for sig in TERM INT; do
	"$HRUN" --root "$ROOT" sandbox -- sh -c 'sleep 6014 & sleep 6015' >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do pgrep -f 'sleep 6015' >/dev/null && break; sleep 0.1; done
	kill -$sig $pid; wait $pid; rc=$?
	expect_eq "SIG$sig to hrun: exit 128+N" "$((128 + $(kill -l $sig)))" "$rc"
	expect_eq "SIG$sig to hrun: every process gone, nothing left behind" "" "$(left_behind 'sleep 601[45]')"
done

# --- --tty ----------------------------------------------------------------
out=$(SB --tty -- sh -c 'tty; test -t 0 && test -t 1 && echo is-tty' </dev/null 2>&1)
expect_match "--tty: CMD runs on a pseudo-terminal" "^/dev/pts/[0-9]+.*is-tty" "$(tr -d '\r' <<<"$out" | tr '\n' ' ')"

# --- policy -----------------------------------------------------------------
out=$(SB --policy restricted --rootfs "$ROOTFS_CACHE" -- /bin/busybox true 2>&1)
expect_eq "--policy restricted: the hardened defaults comply (with --rootfs)" "0:" "$?:$out"
out=$(SB --policy restricted --rootfs "$ROOTFS_CACHE" --cap-add SYS_ADMIN -- /bin/busybox true 2>&1); rc=$?
expect_eq "--policy restricted refuses --cap-add SYS_ADMIN: 125" "125" "$rc"
expect_match "--policy: one line naming the rule" "^hrun: policy .restricted. refused .sandbox config.: HR-CAP-DANGEROUS" "$out"
out=$(SB --policy restricted -- true 2>&1)
expect_match "--policy restricted judges the default root's host binds" "HR-MOUNT-HOST-PATH \(mounts\[[0-9]+\] /usr\)" "$out"

# --- 20 sandboxes in parallel do not see each other -------------------------
P=$T/par
for i in $(seq 1 20); do
	mkdir -p "$P/$i" && chmod 777 "$P/$i"
	cat > "$P/$i/job.sh" <<JOB
echo $i > /tmp/mine; echo $i > /dev/shm/mine
${PY:-true} -c 'import socket, time; s = socket.socket(); s.bind(("127.0.0.1", 8080)); s.listen(); time.sleep(1); print("bound")' > bound 2>&1
ls /proc | grep -c '^[0-9]' > procs; ls /tmp > tmp; ls /dev/shm > shm; cat /tmp/mine /dev/shm/mine > mine
JOB
	SB --workdir "$P/$i" --report "$P/$i.json" -- sh job.sh >/dev/null 2>&1 &
done
wait
bad=""
for i in $(seq 1 20); do
	[ "$(jq -r .exit_code "$P/$i.json" 2>/dev/null)" = 0 ] || bad="$bad $i:exit"
	[ "$(cat "$P/$i/procs")" -le 3 ] || bad="$bad $i:procs=$(cat "$P/$i/procs")"
	[ "$(tr '\n' ' ' <"$P/$i/mine")" = "$i $i " ] || bad="$bad $i:mine"
	[ "$(tr '\n' ' ' <"$P/$i/tmp")$(cat "$P/$i/shm")" = "${T#/tmp/} mine mine" ] || bad="$bad $i:tmp"
	[ -z "${PY:-}" ] || [ "$(cat "$P/$i/bound")" = bound ] || bad="$bad $i:port"
done
expect_eq "20 sandboxes in parallel: each sees only its own processes, /tmp, /dev/shm, port 8080 on its own lo" "" "$bad"
expect_eq "20 in parallel: nothing left behind" "" "$(left_behind)"

# --- bad options: one line, 125, nothing left behind ---------------------
CG=/sys/fs/cgroup; [ "$(stat -f -c %T $CG)" = cgroup2fs ] || CG=$CG/unified
bad_opts=(
	"--bogus|unknown option .--bogus."
	"--bind /nonexistent-xyz:/x|--bind ./nonexistent-xyz:/x.: source"
	"--bind /tmp:relative|DST must be an absolute path"
	"--bind /tmp:/x:rx|the mode must be ro or rw"
	"--workdir /nonexistent-xyz|--workdir ./nonexistent-xyz."
	"--rootfs /etc/passwd|--rootfs ./etc/passwd.: not a directory"
	"--user root|--user: expected UID"
	"--cap-add CAP_NOPE|--cap-add: unknown capability .CAP_NOPE."
	"--net host|--net: only .none."
	"--memory lots|--memory: expected a size"
	"--cpus 0|--cpus: expected a positive number"
	"--pids -3|--pids: expected a positive number"
	"--timeout never|--timeout: expected a positive number"
	"--max-output 1q|--max-output: expected a size"
	"--seccomp /nonexistent.json|seccomp profile"
	"--policy no-such-policy|no-such-policy"
	"--env NOEQUALS|--env: expected K=V"
	"--timeout|needs an argument|--timeout"
)
for c in memory cpu pids; do
	grep -qw $c $CG/cgroup.controllers 2>/dev/null && continue
	case $c in memory) o="--memory 64m" ;; cpu) o="--cpus 0.5" ;; pids) o="--pids 10" ;; esac
	bad_opts+=("$o|${o%% *}: needs the cgroup v2 $c controller")
done
for case in "${bad_opts[@]}"; do
	opts=${case%%|*} want=${case#*|}
	# shellcheck disable=SC2086
	out=$(SB $opts -- sleep 6016 2>&1 </dev/null); rc=$?
	expect_eq "bad option '$opts': exit 125" "125" "$rc"
	expect_eq "bad option '$opts': one line" "1" "$(printf '%s\n' "$out" | wc -l)"
	expect_match "bad option '$opts': names it" "$want" "$out"
done
out=$(SB 2>&1); rc=$?
expect_eq "no CMD: 125, one line" "125 1" "$rc $(printf '%s\n' "$out" | wc -l)"
expect_eq "bad options: nothing left behind" "" "$(left_behind 'sleep 6016')"
SB --help | grep -q -- '--max-output BYTES'; expect_eq "--help lists the options" "0" "$?"

finish
