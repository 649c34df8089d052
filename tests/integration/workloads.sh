#!/bin/bash
# Real workloads under hrun's default seccomp profile, with the host's /usr
# (and the /bin, /lib*, /sbin symlinks into it) bound read-only into a
# bundle: busybox, python3's own test modules, gcc + make, git, Go, Java,
# strace -f and gdb of a child, ping over lo, and a 32-bit glibc program
# (the cost of refusing i386 socketcall). The container keeps the hardened
# defaults of tests/base-config.sh: uid 1000, no capabilities, no_new_privs,
# read-only root, its own user/pid/net/ipc/uts/mount/cgroup namespaces;
# only /tmp is a bigger tmpfs that allows exec (compilers run what they
# build there). ping gets ICMP "ping sockets" through
# net.ipv4.ping_group_range in the container's own network namespace (what
# Docker sets by default), not CAP_NET_RAW.
# HRUN_PYTEST_LOG=FILE keeps python's verbose output (skip reasons);
# HRUN_PYTEST_ONLY=1 runs only the python modules; HRUN_SECCOMP_PROFILE
# (tests/base-config.sh) runs everything under another profile.
. "$(dirname "$0")/lib.sh"
H() { "$HRUN" --root "$ROOT" "$@"; }
make_rootfs
N=0
W=$T/wroot && mkdir -p "$W"/{proc,dev,sys,tmp,run,etc/alternatives,etc/java-17-openjdk,usr,home/user,var}
for l in bin sbin lib lib32 lib64 libx32; do [ -L /$l ] && ln -s "$(readlink /$l)" "$W/$l"; done
cp "$ROOTFS_CACHE/etc/passwd" "$ROOTFS_CACHE/etc/group" "$W/etc/"
printf '127.0.0.1 localhost\n::1 localhost\n' > "$W/etc/hosts"
for f in ld.so.cache services protocols; do [ -f /etc/$f ] && cp /etc/$f "$W/etc/"; done
B=$T/wl && mkdir -p "$B" && ln -s "$W" "$B/rootfs"
ro_bind() { printf '{destination: "%s", type: "bind", source: "%s", options: ["rbind", "ro", "nosuid", "nodev"]}' "$1" "$2"; }
MOUNTS="$(ro_bind /usr /usr), $(ro_bind /etc/alternatives /etc/alternatives)"
[ -d /etc/java-17-openjdk ] && MOUNTS="$MOUNTS, $(ro_bind /etc/java-17-openjdk /etc/java-17-openjdk)"
"$HRUN_SRC/tests/base-config.sh" | jq "
  .mounts |= map(if .destination == \"/tmp\" then .options = [\"nosuid\", \"nodev\", \"mode=1777\", \"size=1g\"] else . end)
  | .mounts += [$MOUNTS]
  | .process.env += [\"HOME=/tmp/home\", \"TMPDIR=/tmp\", \"LANG=C.UTF-8\"]
  | .process.cwd = \"/tmp\"
  | .linux.sysctl = {\"net.ipv4.ping_group_range\": \"0 65535\"}" > "$B/config.json"
# wl SCRIPT: run a shell script in the workload container, output on stdout
wl() {
	N=$((N + 1))
	set_args "$B" /bin/sh -c "mkdir -p /tmp/home; $1"
	H run --bundle "$B" "wl$$-$N" 2>&1
}
have() { [ -x "$1" ] || { echo "# $1 missing: skipped (tests/deps.sh --test installs it)"; return 1; }; }

[ "${HRUN_PYTEST_ONLY:-0}" = 1 ] && ONLY=1 || ONLY=0
out=$(wl 'grep -E "^(Uid|CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "')
expect_eq "hardened: uid 1000, no caps, no_new_privs, seccomp filter" \
	"Uid: 1000 1000 1000 1000
CapEff: 0000000000000000
NoNewPrivs: 1
Seccomp: 2" "$out"

# busybox (the test rootfs, its own container)
[ $ONLY = 1 ] || {
BB=$(new_bundle bb)
out=$(hrun_run "$BB" "wl$$-bb" sh -c 'for a in ls ps top df free find tar gzip sort wc sed awk grep od sha256sum; do busybox $a --help >/dev/null 2>&1 || echo "fail $a"; done
echo abc | gzip | gunzip | sed s/b/X/; ps -o pid,comm | wc -l; find /proc/self/ -maxdepth 1 -name status; top -b -n1 | head -1 | cut -c1-4; df / | tail -1 | wc -l' 2>&1)
expect_match "busybox applets run" "^aXc" "$out"
expect_match "busybox ps/find/top/df" "/proc/self/status" "$out"
expect_eq "no busybox applet failed" "" "$(printf '%s\n' "$out" | grep '^fail')"

# gcc and make
if have /usr/bin/gcc && have /usr/bin/make; then
	out=$(wl 'mkdir -p /tmp/c && cd /tmp/c && printf "#include <stdio.h>\n#include <pthread.h>\nstatic void *t(void *a) { return a; }\nint main(void) { pthread_t p; pthread_create(&p, 0, t, 0); pthread_join(p, 0); puts(\"built-and-ran\"); return 0; }\n" > hello.c &&
printf "hello: hello.o\n\tgcc -pthread -o \$@ \$^\nhello.o: hello.c\n\tgcc -O2 -Wall -c \$<\n" > Makefile && make -s -j2 && ./hello')
	expect_match "gcc and make build and run a C program" "built-and-ran" "$out"
fi

# git
if have /usr/bin/git; then
	out=$(wl 'cd /tmp && git init -q repo && cd repo && git config user.email u@example.org && git config user.name U &&
echo one > f && git add f && git commit -qm first && echo two >> f && git commit -qam second && git log --oneline | wc -l && git gc -q && git fsck --no-progress 2>&1 | head -3; git status --short | wc -l')
	expect_eq "git init/commit/log/gc/fsck in /tmp" "2
0" "$out"
fi

# Go
if have /usr/bin/go; then
	out=$(wl 'mkdir -p /tmp/g && cd /tmp/g && export GOCACHE=/tmp/gocache GOPATH=/tmp/gopath GOFLAGS=-mod=mod GO111MODULE=off &&
printf "package main\nimport (\"fmt\"; \"net\"; \"os/exec\"; \"sync\")\nfunc main() {\n var wg sync.WaitGroup\n for i := 0; i < 8; i++ { wg.Add(1); go func() { defer wg.Done() }() }\n wg.Wait()\n l, err := net.Listen(\"tcp\", \"127.0.0.1:0\"); if err != nil { panic(err) }\n go func() { c, _ := l.Accept(); c.Write([]byte(\"go-net\")); c.Close() }()\n c, err := net.Dial(\"tcp\", l.Addr().String()); if err != nil { panic(err) }\n b := make([]byte, 6); c.Read(b)\n out, err := exec.Command(\"/bin/true\").CombinedOutput(); if err != nil { panic(err) }\n fmt.Println(\"go-ok\", string(b), len(out))\n}\n" > main.go && go build -o hello main.go && ./hello')
	expect_match "go build, goroutines, net, os/exec" "go-ok go-net 0" "$out"
fi

# Java
JAVAC=/usr/lib/jvm/java-17-openjdk-amd64/bin/javac
if have $JAVAC; then
	out=$(wl "mkdir -p /tmp/j && cd /tmp/j && printf 'public class Hello { public static void main(String[] a) throws Exception { Thread t = new Thread(() -> {}); t.start(); t.join(); Process p = new ProcessBuilder(\"/bin/true\").start(); System.out.println(\"java-ok \" + p.waitFor() + \" \" + Runtime.getRuntime().availableProcessors()); } }\n' > Hello.java && $JAVAC Hello.java && ${JAVAC%c} -Xshare:auto Hello")
	expect_match "javac compiles, java runs threads and a subprocess" "java-ok 0 [0-9]+" "$out"
fi

# strace -f and gdb (ptrace and process_vm_* are allowed now)
if have /usr/bin/strace; then
	out=$(wl 'strace -f -qq -e trace=execve,exit_group -o /tmp/st sh -c "/bin/true; echo traced" && grep -c "execve(\"/bin/true\"" /tmp/st')
	expect_match "strace -f follows a child's execve" "traced
1" "$out"
fi
if have /usr/bin/gdb; then
	out=$(wl 'cd /tmp && printf "#include <stdlib.h>\nvoid crash_here(void) { abort(); }\nint main(void) { crash_here(); return 0; }\n" > crash.c && gcc -g -O0 -o crash crash.c && gdb -q -nx -batch -ex run -ex bt ./crash 2>&1')
	expect_match "gdb -batch runs a child to its SIGABRT" "SIGABRT" "$out"
	expect_match "gdb prints the child's backtrace" "crash_here \(\) at crash.c" "$out"
	# gdb asks to disable ASLR (personality ADDR_NO_RANDOMIZE): refused by
	# the profile (as by Docker's), gdb warns and goes on
	expect_match "... with ASLR kept (personality refused, gdb warns)" "disabling address space randomization: Operation not permitted" "$out"
fi

# ping over lo: ICMP ping sockets, no CAP_NET_RAW
if have /usr/bin/ping; then
	host_pgr=$(cat /proc/sys/net/ipv4/ping_group_range)
	out=$(wl 'cat /proc/sys/net/ipv4/ping_group_range | tr -s "\t" " "; ping -c1 -W2 127.0.0.1 2>&1 | grep -E "1 (packets )?received"')
	expect_match "ping_group_range set in the container's netns" "^0 65535" "$out"
	expect_match "ping -c1 127.0.0.1 over lo (uid 1000, no capabilities)" "1 received" "$out"
	expect_eq "the host's ping_group_range is untouched" "$host_pgr" "$(cat /proc/sys/net/ipv4/ping_group_range)"
fi

# a 32-bit glibc program: runs, but cannot create sockets (socketcall ENOSYS)
if [ -x /usr/bin/as ] && [ -e /usr/lib32/libc.so.6 ] && [ -e /lib/ld-linux.so.2 ]; then
	cat > "$T/t32.s" <<'S'
.globl _start
.text
_start:
	call getpid
	pushl %eax
	pushl $fmt1
	call printf
	addl $8, %esp
	pushl $0
	pushl $1
	pushl $1
	call socket
	addl $12, %esp
	pushl %eax
	pushl $fmt2
	call printf
	addl $8, %esp
	pushl $0
	call perror
	pushl $0
	call exit
.data
fmt1: .asciz "i386-pid=%d\n"
fmt2: .asciz "i386-socket=%d\n"
S
	if as --32 -o "$T/t32.o" "$T/t32.s" && ld -m elf_i386 -o "$W/t32" "$T/t32.o" /usr/lib32/libc.so.6 -dynamic-linker /lib/ld-linux.so.2; then
		out=$(wl '/t32')
		expect_match "a 32-bit glibc program runs" "i386-pid=[0-9]+" "$out"
		expect_match "... its socket() (glibc: socketcall) fails with ENOSYS" "i386-socket=-1" "$out"
		expect_match "... 'Function not implemented'" "Function not implemented" "$out"
	fi
fi

}

# python3's own test modules
if python3 -c 'import test.libregrtest' 2>/dev/null; then
	# the six modules whole: ~100 s with -j2 on the 2-core VM
	PYT="test_os test_subprocess test_threading test_mmap test_signal test_asyncio"
	start=$(date +%s)
	if [ -n "${HRUN_PYTEST_LOG:-}" ]; then
		wl "python3 -m test -j2 -v --timeout 300 $PYT 2>&1" > "$HRUN_PYTEST_LOG"
		out=$(tail -40 "$HRUN_PYTEST_LOG")
	else
		out=$(wl "python3 -m test -j2 --timeout 300 $PYT 2>&1 | tail -40")
	fi
	secs=$(( $(date +%s) - start ))
	echo "# python3 -m test $PYT: ${secs}s"
	printf '%s\n' "$out" | grep -E "^(== Tests result|Total duration|[0-9]+ tests? (OK|failed|skipped)|Total tests)|test_[a-z_.]+ (failed|skipped)" | sed 's/^/# /'
	expect_match "python3 -m test $PYT: SUCCESS" "Tests result: SUCCESS" "$out"
fi
finish
