/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp_compile / seccomp_install, and the default profile's behaviour.
 *
 * Filters are always installed in a fork()ed child (they cannot be
 * removed); the child writes one line per failed expectation into a pipe
 * and the parent asserts that nothing was written and that the child
 * exited 0 (a SIGSYS kill or a crash shows up as a bad wait status).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/timex.h>
#include <sys/uio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"

#if __has_include("config.h")
#include "config.h"
#endif

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* ---- helpers: building filters -------------------------------------- */

static char *test_names_getcwd[] = { "getcwd", NULL };
static char *test_names_unknown[] = { "hrun_no_such_syscall", "getcwd", NULL };
static char *test_names_getppid[] = { "getppid", NULL };

static struct hrun_seccomp test_allow_default(struct hrun_seccomp_rule *rules, size_t n)
{
	return (struct hrun_seccomp){ .default_action = HRUN_SCMP_ALLOW, .syscalls = rules, .n_syscalls = n };
}

static struct hrun_seccomp_rule test_errno_rule(char **names, unsigned e, struct hrun_seccomp_arg *args,
						size_t n_args)
{
	return (struct hrun_seccomp_rule){ .names = names, .action = HRUN_SCMP_ERRNO, .has_errno_ret = true,
					   .errno_ret = e, .args = args, .n_args = n_args };
}

static char *test_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long len;

	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	cr_assert_gt(len, 0);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

static const char *test_profiles_dir(void)
{
	const char *dir = getenv("HRUN_PROFILES");

#ifdef HRUN_SOURCE_PROFILES
	if (!dir)
		dir = HRUN_SOURCE_PROFILES;
#endif
	cr_assert_not_null(dir, "HRUN_PROFILES is not set (meson test sets it)");
	return dir;
}

/* Parse profiles/seccomp/NAME with the real config parser, wrapped in a
 * minimal config.json, so the profile is validated exactly as a user's
 * config.json would be. */
static struct hrun_spec *test_load_profile(const char *name)
{
	char path[4096];
	char *profile, *text;
	struct hrun_spec *spec = NULL;
	int r;

	(void)snprintf(path, sizeof(path), "%s/seccomp/%s", test_profiles_dir(), name);
	profile = test_read_file(path);
	cr_assert_gt(asprintf(&text, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
				     "\"linux\":{\"seccomp\":%s}}", profile), 0);
	r = spec_parse(path, text, strlen(text), &spec);
	cr_assert_eq(r, 0, "spec_parse %s: %s", path, hrun_errmsg());
	cr_assert_not_null(spec->linux_cfg.seccomp, "%s: linux.seccomp lost by the parser", path);
	free(profile);
	free(text);
	return spec;
}

/* ---- helpers: running code under a filter ---------------------------- */

#define FAILF(fd, ...) dprintf((fd), __VA_ARGS__)

static void expect_errno(int fd, const char *what, long rc, int err, int want)
{
	if (rc != -1 || err != want)
		FAILF(fd, "%s: returned %ld errno %d (%s), expected errno %d (%s)\n", what, rc,
		      rc == -1 ? err : 0, rc == -1 ? strerror(err) : "-", want, strerror(want));
}

static void expect_ok(int fd, const char *what, long rc, int err)
{
	if (rc < 0)
		FAILF(fd, "%s: failed with errno %d (%s), expected success\n", what, err, strerror(err));
}

#define EXPECT_ERRNO(fd, want, call)                                                               \
	do {                                                                                       \
		errno = 0;                                                                         \
		long _rc = (long)(call);                                                           \
		expect_errno((fd), #call, _rc, errno, (want));                                     \
	} while (0)

/* The kernel answered: success, or an errno other than the filter's. */
static void expect_kernel(int fd, const char *what, long rc, int err)
{
	if (rc < 0 && (err == ENOSYS || err == EPERM))
		FAILF(fd, "%s: errno %d (%s): refused by the filter?\n", what, err, strerror(err));
}

#define EXPECT_KERNEL(fd, call)                                                                    \
	do {                                                                                       \
		errno = 0;                                                                         \
		long _rc = (long)(call);                                                           \
		expect_kernel((fd), #call, _rc, errno);                                            \
	} while (0)

#define EXPECT_OK(fd, call)                                                                        \
	do {                                                                                       \
		errno = 0;                                                                         \
		long _rc = (long)(call);                                                           \
		expect_ok((fd), #call, _rc, errno);                                                \
	} while (0)

/* Install BPF in a child, run CHECKS there and assert in the parent. */
static void test_run_filtered(const struct hrun_bpf *bpf, void (*checks)(int fd))
{
	char out[8192] = "";
	size_t used = 0;
	int p[2], status;
	pid_t pid;

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			FAILF(p[1], "PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
		else if (seccomp_install(bpf) < 0)
			FAILF(p[1], "seccomp_install: %s\n", hrun_errmsg());
		else
			checks(p[1]);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		ssize_t n = read(p[0], out + used, sizeof(out) - 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	out[used] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect_str_empty(out, "under the filter:\n%s", out);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "filtered child: wait status 0x%x", status);
}

/* Run ARGV under the (inherited) filter; returns its exit code or -signal. */
static int test_spawn(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1000;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (null >= 0)
			(void)dup2(null, STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1001;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

/* ---- the default profile --------------------------------------------- */

/* Allowed by the profile (as by Docker's and Podman's): each call reaches
 * the kernel, which gives its own answer (never the filter's ENOSYS/EPERM). */
static void checks_default_profile_allowed(int fd)
{
	char buf[16] = "abc", got[16] = "";
	struct iovec local = { got, 4 }, remote = { buf, 4 };
	struct timex tx = { .modes = 0 };
	struct {
		struct file_handle fh;
		unsigned char data[128];
	} h = { .fh.handle_bytes = 128 };
	int mount_id;

	/* strace and gdb: ptrace and process_vm_* (kernel >= 4.8, where a
	 * tracer can no longer skip the filter) */
	EXPECT_OK(fd, syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0));
	if (strcmp(got, "abc") != 0)
		FAILF(fd, "process_vm_readv read [%s]\n", got);
	EXPECT_ERRNO(fd, ESRCH, syscall(SYS_ptrace, PTRACE_PEEKDATA, getppid(), NULL, NULL));
	/* reading the clock's state; setting it needs CAP_SYS_TIME */
	EXPECT_OK(fd, syscall(SYS_adjtimex, &tx));
	EXPECT_OK(fd, syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx));
	EXPECT_KERNEL(fd, syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h.fh, &mount_id, 0));
	EXPECT_OK(fd, syscall(SYS_mbind, NULL, 0, 0 /* MPOL_DEFAULT */, NULL, 0, 0));
	EXPECT_KERNEL(fd, syscall(SYS_fanotify_mark, -1, 0, 0, AT_FDCWD, "/"));
	EXPECT_ERRNO(fd, EINVAL, syscall(SYS_remap_file_pages, NULL, 0, 0, 0, 0));
#ifdef __x86_64__
	/* numbers newer than glibc 2.36's headers (x86_64 table) */
	EXPECT_ERRNO(fd, EBADF, syscall(448 /* process_mrelease */, -1, 0));
	EXPECT_ERRNO(fd, EBADF, syscall(451 /* cachestat */, -1, NULL, NULL, 0));
	EXPECT_ERRNO(fd, EINVAL, syscall(454 /* futex_wake */, NULL, 0UL, 1, 0x77));
	EXPECT_ERRNO(fd, EINVAL, syscall(450 /* set_mempolicy_home_node */, 0, 0, 0, 1));
#endif
}

static void checks_default_profile(int fd)
{
	int status;
	pid_t pid;
	char buf[256];
	struct utsname uts;

	/* ordinary calls */
	EXPECT_OK(fd, syscall(SYS_getpid));
	EXPECT_OK(fd, syscall(SYS_getcwd, buf, sizeof(buf)));
	EXPECT_OK(fd, syscall(SYS_uname, &uts));

	/* allowed as by Docker/Podman (see profiles/seccomp/README.md): the
	 * kernel answers, not the filter */
	checks_default_profile_allowed(fd);

	/* explicitly denied: EPERM */
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_kcmp, 0, 0, 0, 0, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_pidfd_getfd, -1, 0, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_unshare, CLONE_NEWUSER));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_unshare, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_setns, 0, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_umount2, "/mnt", 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_bpf, 0, NULL, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_io_uring_setup, 1, NULL));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_userfaultfd, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_open_tree, -1, "/", 0));

	/* not in the profile: the default ENOSYS (so libcs fall back) */
	EXPECT_ERRNO(fd, ENOSYS, syscall(SYS_move_pages, 0, 0, NULL, NULL, NULL, 0));
	EXPECT_ERRNO(fd, ENOSYS, syscall(SYS_process_madvise, -1, NULL, 0, 0, 0));
	EXPECT_ERRNO(fd, ENOSYS, syscall(SYS_clone3, NULL, 0));

	/* socket families: allowlisted ones work, the rest EAFNOSUPPORT */
	EXPECT_OK(fd, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	EXPECT_OK(fd, socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	EXPECT_OK(fd, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	EXPECT_OK(fd, socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */));
	EXPECT_ERRNO(fd, EAFNOSUPPORT, socket(AF_VSOCK, SOCK_STREAM, 0));
	EXPECT_ERRNO(fd, EAFNOSUPPORT, socket(AF_PACKET, SOCK_RAW, 0));
	EXPECT_ERRNO(fd, EAFNOSUPPORT, socket(AF_UNSPEC, SOCK_STREAM, 0));
	EXPECT_ERRNO(fd, EAFNOSUPPORT, socket(AF_KEY, SOCK_RAW, 2));
	/* the kernel truncates the family to int: high garbage must not
	 * smuggle AF_INET (or AF_VSOCK) past the EQ rules */
	EXPECT_ERRNO(fd, EAFNOSUPPORT, syscall(SYS_socket, 0x100000000L | AF_INET, SOCK_STREAM, 0));
	EXPECT_ERRNO(fd, EAFNOSUPPORT, syscall(SYS_socket, -1L, SOCK_STREAM, 0));

	/* clone: namespace flags refused, plain fork works */
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, 0));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, 0));
	pid = fork();
	if (pid == 0)
		_exit(7);
	if (pid < 0)
		FAILF(fd, "fork: %s\n", strerror(errno));
	else if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 7)
		FAILF(fd, "fork: child status 0x%x\n", status);

	/* personality: query and PER_LINUX fine, anything else EPERM */
	EXPECT_OK(fd, syscall(SYS_personality, 0xffffffffUL));
	EXPECT_OK(fd, syscall(SYS_personality, PER_LINUX));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_personality, ADDR_NO_RANDOMIZE));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_personality, READ_IMPLIES_EXEC));
	EXPECT_ERRNO(fd, EPERM, syscall(SYS_personality, 0x100000000UL));
}

static void checks_real_programs(int fd)
{
	char *sh[] = { "/bin/sh", "-c",
		       "set -e; cd /tmp; d=$(mktemp -d); echo hi > $d/f; cat $d/f | grep -q hi; "
		       "ls -la / >/dev/null; mv $d/f $d/g; ln -s g $d/l; readlink $d/l; chmod 600 $d/g; "
		       "rm -r $d; grep -q '^Seccomp:.*2' /proc/self/status; sleep 0.01; "
		       "date >/dev/null; ps >/dev/null 2>&1 || true",
		       NULL };
	char *bb[] = { "/usr/bin/busybox", "sh", "-c",
		       "set -e; busybox ls / >/dev/null; busybox wc -l /proc/self/status >/dev/null; "
		       "busybox sleep 0.01; busybox find /etc -maxdepth 1 >/dev/null",
		       NULL };
	char *py[] = { "/usr/bin/python3", "-c",
		       "import socket, subprocess, threading, os, tempfile, hashlib\n"
		       "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen()\n"
		       "c = socket.create_connection(s.getsockname()); a, _ = s.accept()\n"
		       "c.sendall(b'x'); assert a.recv(1) == b'x'\n"
		       "t = threading.Thread(target=lambda: None); t.start(); t.join()\n"
		       "assert subprocess.run(['/bin/true']).returncode == 0\n"
		       "with tempfile.TemporaryDirectory() as d: open(os.path.join(d, 'f'), 'w').write('x')\n"
		       "hashlib.sha256(os.urandom(16)).hexdigest()\n",
		       NULL };
	int r;

	r = test_spawn(sh);
	if (r != 0)
		FAILF(fd, "/bin/sh script under the default profile: status %d\n", r);
	if (access(bb[0], X_OK) == 0 && (r = test_spawn(bb)) != 0)
		FAILF(fd, "busybox script under the default profile: status %d\n", r);
	if (access(py[0], X_OK) == 0 && (r = test_spawn(py)) != 0)
		FAILF(fd, "python3 script under the default profile: status %d\n", r);
}

static double test_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

Test(seccomp, default_profile_compiles)
{
	struct hrun_spec *spec = test_load_profile("default.json");
	struct hrun_bpf bpf = { 0 };
	double t0, t1;
	int r;

	cr_assert_eq(spec->linux_cfg.seccomp->default_action, HRUN_SCMP_ERRNO);
	cr_assert_eq(spec->linux_cfg.seccomp->default_errno_ret, ENOSYS);
	t0 = test_now();
	r = seccomp_compile(spec->linux_cfg.seccomp, &bpf);
	t1 = test_now();
	cr_assert_eq(r, 0, "compile: %s", hrun_errmsg());
	cr_assert_not_null(bpf.prog.filter);
	cr_assert_gt(bpf.prog.len, 100);
	cr_assert_leq(bpf.prog.len, BPF_MAXINSNS);
	cr_assert_eq(bpf.flags, 0);
	cr_log_info("default.json: %u BPF instructions, compiled in %.2f ms", bpf.prog.len, (t1 - t0) * 1e3);
	seccomp_bpf_clear(&bpf);
	cr_assert_null(bpf.prog.filter);
	spec_free(spec);
}

Test(seccomp, default_profile_behaviour)
{
	struct hrun_spec *spec = test_load_profile("default.json");
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(spec->linux_cfg.seccomp, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_default_profile);
	seccomp_bpf_clear(&bpf);
	spec_free(spec);
}

/* The program compiled into hrun at build time (seccomp_builtin.c) is the
 * one chosen for this profile, and it behaves as the run-time compile:
 * the same checks, the same errnos. */
Test(seccomp, builtin_default_profile_behaviour)
{
	struct hrun_spec *spec = test_load_profile("default.json");
	char *key = seccomp_canonical_key(spec->linux_cfg.seccomp);
	struct hrun_bpf bpf = { 0 };

	cr_assert_not_null(key);
	cr_assert_eq(seccomp_builtin_find(key, &bpf), 1, "the default profile has a built-in program");
	test_run_filtered(&bpf, checks_default_profile);
	seccomp_bpf_clear(&bpf);
	free(key);
	spec_free(spec);
}

Test(seccomp, default_profile_runs_real_programs, .timeout = 60)
{
	struct hrun_spec *spec = test_load_profile("default.json");
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(spec->linux_cfg.seccomp, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_real_programs);
	seccomp_bpf_clear(&bpf);
	spec_free(spec);
}

/* ---- small inline filters --------------------------------------------- */

static void checks_getcwd_42(int fd)
{
	char buf[256];

	EXPECT_ERRNO(fd, 42, syscall(SYS_getcwd, buf, sizeof(buf)));
	EXPECT_OK(fd, syscall(SYS_getpid));
}

Test(seccomp, errno_ret_is_returned)
{
	struct hrun_seccomp_rule rules[] = { test_errno_rule(test_names_getcwd, 42, NULL, 0) };
	struct hrun_seccomp s = test_allow_default(rules, 1);
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_getcwd_42);
	seccomp_bpf_clear(&bpf);
}

Test(seccomp, unknown_syscall_names_are_skipped)
{
	struct hrun_seccomp_rule rules[] = { test_errno_rule(test_names_unknown, 42, NULL, 0) };
	struct hrun_seccomp s = test_allow_default(rules, 1);
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	/* ... and the known name of the same rule is still filtered */
	test_run_filtered(&bpf, checks_getcwd_42);
	seccomp_bpf_clear(&bpf);
}

Test(seccomp, names_newer_than_libseccomp_are_skipped)
{
	/* in the default profile; unknown to libseccomp 2.5.4 (Debian 12) */
	static char *names[] = { "mseal", "uretprobe", "listmount", "statmount", "setxattrat",
				 "getxattrat", "listxattrat", "removexattrat", "getcwd", NULL };
	struct hrun_seccomp_rule rules[] = { test_errno_rule(names, 42, NULL, 0) };
	struct hrun_seccomp s = test_allow_default(rules, 1);
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_getcwd_42);
	seccomp_bpf_clear(&bpf);
}

static void checks_errno_default(int fd)
{
	char buf[256];

	EXPECT_OK(fd, syscall(SYS_getcwd, buf, sizeof(buf)));
	EXPECT_ERRNO(fd, 99, syscall(SYS_getppid));
	EXPECT_ERRNO(fd, 99, syscall(SYS_getuid));
}

Test(seccomp, default_errno_ret_and_same_as_default_rule)
{
	/* enough for the child's libc (and the ASan runtime) to report and exit */
	static char *allowed[] = { "getcwd", "write", "exit", "exit_group", "read", "close",
				   "mmap", "munmap", "mprotect", "madvise", "brk", "sigaltstack",
				   "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "getpid", "gettid",
				   "tgkill", "futex", "prctl", "sched_yield", "clock_gettime", NULL };
	struct hrun_seccomp_rule rules[] = {
		{ .names = allowed, .action = HRUN_SCMP_ALLOW },
		/* equals the default action: skipped, not an error */
		test_errno_rule(test_names_getppid, 99, NULL, 0),
	};
	struct hrun_seccomp s = { .default_action = HRUN_SCMP_ERRNO, .has_default_errno_ret = true,
				  .default_errno_ret = 99, .syscalls = rules, .n_syscalls = 2 };
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_errno_default);
	seccomp_bpf_clear(&bpf);
}

static void checks_args(int fd)
{
	/* getppid ignores its arguments, but the filter sees the registers */
	EXPECT_ERRNO(fd, 42, syscall(SYS_getppid, 5, 0));
	EXPECT_ERRNO(fd, 42, syscall(SYS_getppid, 7, 0));
	EXPECT_OK(fd, syscall(SYS_getppid, 6, 0));
	/* AND: arg0 == 1 && arg1 == 2 */
	EXPECT_ERRNO(fd, 43, syscall(SYS_getpid, 1, 2));
	EXPECT_OK(fd, syscall(SYS_getpid, 1, 3));
	EXPECT_OK(fd, syscall(SYS_getpid, 0, 2));
	/* MASKED_EQ: value is the mask, valueTwo the datum */
	EXPECT_ERRNO(fd, 44, syscall(SYS_getuid, 0x35));
	EXPECT_ERRNO(fd, 44, syscall(SYS_getuid, 0x130));
	EXPECT_OK(fd, syscall(SYS_getuid, 0x45));
	EXPECT_OK(fd, syscall(SYS_getuid, 0x03));
}

Test(seccomp, argument_conditions)
{
	static char *getpid_n[] = { "getpid", NULL };
	static char *getuid_n[] = { "getuid", NULL };
	struct hrun_seccomp_arg same_index[] = {
		{ .index = 0, .value = 5, .op = HRUN_SCMP_CMP_EQ },
		{ .index = 0, .value = 7, .op = HRUN_SCMP_CMP_EQ },
	};
	struct hrun_seccomp_arg and_args[] = {
		{ .index = 0, .value = 1, .op = HRUN_SCMP_CMP_EQ },
		{ .index = 1, .value = 2, .op = HRUN_SCMP_CMP_EQ },
	};
	struct hrun_seccomp_arg masked[] = {
		{ .index = 0, .value = 0xf0, .value_two = 0x30, .op = HRUN_SCMP_CMP_MASKED_EQ },
	};
	struct hrun_seccomp_rule rules[] = {
		test_errno_rule(test_names_getppid, 42, same_index, 2),
		test_errno_rule(getpid_n, 43, and_args, 2),
		test_errno_rule(getuid_n, 44, masked, 1),
	};
	struct hrun_seccomp s = test_allow_default(rules, ARRAY_SIZE(rules));
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_args);
	seccomp_bpf_clear(&bpf);
}

static void checks_first_unconditional_wins(int fd)
{
	char buf[64];

	EXPECT_ERRNO(fd, 42, syscall(SYS_getcwd, buf, sizeof(buf)));
}

Test(seccomp, duplicate_unconditional_first_wins)
{
	struct hrun_seccomp_rule rules[] = {
		test_errno_rule(test_names_getcwd, 42, NULL, 0),
		test_errno_rule(test_names_getcwd, 43, NULL, 0),
	};
	struct hrun_seccomp s = test_allow_default(rules, 2);
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_first_unconditional_wins);
	seccomp_bpf_clear(&bpf);
}

static void checks_unconditional_overrides(int fd)
{
	EXPECT_ERRNO(fd, 43, syscall(SYS_getppid, 5));
	EXPECT_ERRNO(fd, 43, syscall(SYS_getppid, 6));
}

Test(seccomp, unconditional_overrides_conditional)
{
	struct hrun_seccomp_arg a[] = { { .index = 0, .value = 5, .op = HRUN_SCMP_CMP_EQ } };
	struct hrun_seccomp_rule rules[] = {
		test_errno_rule(test_names_getppid, 42, a, 1),
		test_errno_rule(test_names_getppid, 43, NULL, 0),
	};
	struct hrun_seccomp s = test_allow_default(rules, 2);
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_unconditional_overrides);
	seccomp_bpf_clear(&bpf);
}

Test(seccomp, conflicting_rules_error_names_the_rule)
{
	/* on x86 (32-bit) libseccomp also maps socket() onto
	 * socketcall(SYS_SOCKET), where it collides with a rule for that very
	 * sub-call with another action */
	static char *archs[] = { "SCMP_ARCH_X86", NULL };
	static char *socket_n[] = { "socket", NULL };
	static char *socketcall_n[] = { "socketcall", NULL };
	struct hrun_seccomp_arg a[] = { { .index = 0, .value = 1 /* SYS_SOCKET */, .op = HRUN_SCMP_CMP_EQ } };
	struct hrun_seccomp_rule rules[] = {
		{ .names = socketcall_n, .action = HRUN_SCMP_ALLOW, .args = a, .n_args = 1 },
		test_errno_rule(socket_n, 97, NULL, 0),
	};
	struct hrun_seccomp s = { .default_action = HRUN_SCMP_ERRNO, .architectures = archs,
				  .syscalls = rules, .n_syscalls = 2 };
	struct hrun_bpf bpf = { 0 };

	cr_assert_eq(seccomp_compile(&s, &bpf), -EEXIST);
	cr_assert_str_eq(hrun_errmsg(),
			 "linux.seccomp.syscalls[1]: rule for `socket` conflicts with an earlier rule for the same syscall");
	cr_assert_null(bpf.prog.filter);
}

/* ---- validation errors ------------------------------------------------ */

Test(seccomp, unknown_arch_rejected)
{
	static char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11", NULL };
	struct hrun_seccomp s = test_allow_default(NULL, 0);
	struct hrun_bpf bpf = { 0 };

	s.architectures = archs;
	cr_assert_eq(seccomp_compile(&s, &bpf), -EINVAL);
	cr_assert_str_eq(hrun_errmsg(), "linux.seccomp.architectures[1]: unknown architecture `SCMP_ARCH_PDP11`");
	cr_assert_null(bpf.prog.filter);
}

Test(seccomp, every_known_arch_is_accepted)
{
	struct hrun_bpf bpf = { 0 };
	size_t n = 0;

	/* other-endian arches (s390x on x86_64) are accepted and skipped */
	for (size_t i = 0; seccomp_known_archs[i]; i++, n++) {
		char *archs[] = { (char *)seccomp_known_archs[i], NULL };
		struct hrun_seccomp s = test_allow_default(NULL, 0);

		s.architectures = archs;
		s.default_action = HRUN_SCMP_ERRNO;
		cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s: %s", archs[0], hrun_errmsg());
		seccomp_bpf_clear(&bpf);
	}
	cr_assert_geq(n, 5);
}

Test(seccomp, invalid_rules_rejected)
{
	struct hrun_seccomp_arg bad_index[] = { { .index = 6, .value = 1, .op = HRUN_SCMP_CMP_EQ } };
	struct hrun_seccomp_rule notify = { .names = test_names_getcwd, .action = HRUN_SCMP_NOTIFY };
	struct hrun_seccomp_rule allow_errno = { .names = test_names_getcwd, .action = HRUN_SCMP_ALLOW,
						 .has_errno_ret = true, .errno_ret = 1 };
	struct hrun_seccomp_rule big_errno = test_errno_rule(test_names_getcwd, 70000, NULL, 0);
	struct hrun_seccomp_rule idx = test_errno_rule(test_names_getcwd, 1, bad_index, 1);
	struct hrun_seccomp s;
	struct hrun_bpf bpf = { 0 };

	s = test_allow_default(&notify, 1);
	cr_assert_eq(seccomp_compile(&s, &bpf), -EOPNOTSUPP);
	cr_assert(strstr(hrun_errmsg(), "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY"), "%s", hrun_errmsg());
	s = test_allow_default(&allow_errno, 1);
	cr_assert_eq(seccomp_compile(&s, &bpf), -EINVAL);
	s = test_allow_default(&big_errno, 1);
	cr_assert_eq(seccomp_compile(&s, &bpf), -EINVAL);
	s = test_allow_default(&idx, 1);
	cr_assert_eq(seccomp_compile(&s, &bpf), -EINVAL);
	cr_assert_str_eq(hrun_errmsg(), "linux.seccomp.syscalls[0].args[0]: index 6 out of range (0-5)");
	s = test_allow_default(NULL, 0);
	s.default_action = HRUN_SCMP_NOTIFY;
	cr_assert_eq(seccomp_compile(&s, &bpf), -EOPNOTSUPP);
	cr_assert_null(bpf.prog.filter);
}

Test(seccomp, flags_are_mapped)
{
	struct hrun_seccomp s = test_allow_default(NULL, 0);
	struct hrun_bpf bpf = { 0 };

	s.default_action = HRUN_SCMP_ERRNO;
	s.flags = HRUN_SECCOMP_FLAG_LOG | HRUN_SECCOMP_FLAG_SPEC_ALLOW;
	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	cr_assert_eq(bpf.flags, SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW);
	seccomp_bpf_clear(&bpf);
	s.flags = HRUN_SECCOMP_FLAG_WAIT_KILLABLE_RECV;
	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	cr_assert_eq(bpf.flags, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
	seccomp_bpf_clear(&bpf);
}

static void checks_log_flag(int fd)
{
	EXPECT_OK(fd, syscall(SYS_getpid));
}

Test(seccomp, install_with_flags)
{
	struct hrun_seccomp_rule rules[] = { test_errno_rule(test_names_getcwd, 42, NULL, 0) };
	struct hrun_seccomp s = test_allow_default(rules, 1);
	struct hrun_bpf bpf = { 0 };

	s.flags = HRUN_SECCOMP_FLAG_LOG;
	cr_assert_eq(seccomp_compile(&s, &bpf), 0, "%s", hrun_errmsg());
	test_run_filtered(&bpf, checks_log_flag);
	seccomp_bpf_clear(&bpf);
}

Test(seccomp, known_name_lists)
{
	bool errno_action = false, masked = false, log_flag = false;

	for (size_t i = 0; seccomp_known_actions[i]; i++) {
		cr_assert_neq(strcmp(seccomp_known_actions[i], "SCMP_ACT_NOTIFY"), 0);
		errno_action |= strcmp(seccomp_known_actions[i], "SCMP_ACT_ERRNO") == 0;
	}
	for (size_t i = 0; seccomp_known_operators[i]; i++)
		masked |= strcmp(seccomp_known_operators[i], "SCMP_CMP_MASKED_EQ") == 0;
	for (size_t i = 0; seccomp_known_flags[i]; i++)
		log_flag |= strcmp(seccomp_known_flags[i], "SECCOMP_FILTER_FLAG_LOG") == 0;
	cr_assert(errno_action && masked && log_flag);
}

#ifdef __x86_64__
/* arm and aarch64 can never reach a filter on an x86_64 kernel: listing them
 * must produce exactly the x86-family program */
Test(seccomp, foreign_arch_families_are_pruned)
{
	static char *x86_family[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
	static char *x86_only[] = { "SCMP_ARCH_X86_64", NULL };
	struct hrun_spec *spec = test_load_profile("default.json");
	struct hrun_seccomp *s = spec->linux_cfg.seccomp;
	char **listed = s->architectures;
	struct hrun_bpf full = { 0 }, family = { 0 }, native = { 0 };

	cr_assert_eq(seccomp_compile(s, &full), 0, "%s", hrun_errmsg());
	s->architectures = x86_family;
	cr_assert_eq(seccomp_compile(s, &family), 0, "%s", hrun_errmsg());
	s->architectures = x86_only;
	cr_assert_eq(seccomp_compile(s, &native), 0, "%s", hrun_errmsg());
	s->architectures = listed;
	cr_assert_eq(full.prog.len, family.prog.len);
	cr_assert_eq(memcmp(full.prog.filter, family.prog.filter, full.prog.len * sizeof(struct sock_filter)), 0);
	/* ... while the listed x86 and x32 ABIs really are in it */
	cr_assert_gt(family.prog.len, native.prog.len);
	seccomp_bpf_clear(&full);
	seccomp_bpf_clear(&family);
	seccomp_bpf_clear(&native);
	spec_free(spec);
}
#endif
