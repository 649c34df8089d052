/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The i386 multiplexers (src/linux/seccomp_mux.c): a 64-bit process issuing
 * `int $0x80` reaches the i386 syscall table, whose socketcall(2) carries
 * socket()'s family in memory. Under the default profile socketcall gets
 * ENOSYS, the direct i386 socket(2) keeps the family filter; a profile
 * that allows socketcall itself (Docker's) keeps it allowed.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/error.h"
#include "hrun/seccomp.h"
#include "hrun/spec.h"

#ifdef __x86_64__

#define I386_SOCKETCALL 102
#define I386_SOCKET 359
#define I386_GETPID 20
#define SYS_SOCKET_CALL 1
#define SYS_CONNECT_CALL 3

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

/* socketcall(SYS_SOCKET, {family, type, 0}) via int $0x80: raw return. */
static long socketcall_socket(int family, int type)
{
	unsigned *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			      -1, 0);
	long r;

	if (args == MAP_FAILED)
		return -10000;
	args[0] = (unsigned)family;
	args[1] = (unsigned)type;
	args[2] = 0;
	r = int80(I386_SOCKETCALL, SYS_SOCKET_CALL, (long)(unsigned long)args, 0);
	munmap(args, 4096);
	return r;
}

static struct hrun_spec *parse_file(const char *name)
{
	const char *dir = getenv("HRUN_PROFILES");
	char path[4096], *profile = NULL, *text = NULL;
	struct hrun_spec *spec = NULL;
	size_t len = 0;
	FILE *f;

	cr_assert_not_null(dir, "HRUN_PROFILES is not set (meson test sets it)");
	(void)snprintf(path, sizeof(path), "%s/seccomp/%s", dir, name);
	f = fopen(path, "re");
	cr_assert_not_null(f, "%s", path);
	cr_assert_gt(getdelim(&profile, &len, '\0', f), 0);
	fclose(f);
	cr_assert_gt(asprintf(&text, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
				     "\"linux\":{\"seccomp\":%s}}", profile), 0);
	cr_assert_eq(spec_parse(path, text, strlen(text), &spec), 0, "%s", hrun_errmsg());
	free(profile);
	free(text);
	return spec;
}

static struct hrun_spec *parse_inline(const char *seccomp_json)
{
	struct hrun_spec *spec = NULL;
	char *text = NULL;

	cr_assert_gt(asprintf(&text, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},"
				     "\"linux\":{\"seccomp\":%s}}", seccomp_json), 0);
	cr_assert_eq(spec_parse("t.json", text, strlen(text), &spec), 0, "%s", hrun_errmsg());
	free(text);
	return spec;
}

/* Compile SPEC, run CHECK in a filtered child, which writes one line per
 * failure to its fd: the parent expects none. */
static void run_filtered(struct hrun_spec *spec, void (*check)(FILE *out))
{
	struct hrun_bpf bpf = { 0 };
	char buf[4096] = "";
	int p[2], status;
	ssize_t n;
	pid_t pid;

	cr_assert_eq(seccomp_compile(spec->linux_cfg.seccomp, &bpf), 0, "%s", hrun_errmsg());
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		FILE *out = fdopen(p[1], "w");

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_install(&bpf) < 0)
			fprintf(out, "install: %s\n", hrun_errmsg());
		else
			check(out);
		fflush(out);
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect_str_empty(buf, "under the filter:\n%s", buf);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status 0x%x", status);
	seccomp_bpf_clear(&bpf);
	spec_free(spec);
}

#define WANT(out, expr, ...)                                                                       \
	do {                                                                                       \
		if (!(expr))                                                                       \
			fprintf((out), __VA_ARGS__);                                               \
	} while (0)

#define BASICS "\"read\",\"write\",\"close\",\"exit\",\"exit_group\",\"mmap\",\"munmap\"," \
	"\"brk\",\"fstat\",\"newfstatat\",\"rt_sigreturn\",\"getpid\",\"gettid\",\"tgkill\"," \
	"\"rt_sigprocmask\",\"rt_sigaction\",\"futex\",\"madvise\",\"mprotect\",\"sigaltstack\"," \
	"\"prctl\",\"sched_yield\""

static void check_default(FILE *out)
{
	static const int refused[] = { 40 /* VSOCK */, AF_PACKET, AF_KEY, 38 /* ALG */, 30 /* TIPC */,
				       AF_BLUETOOTH, 29 /* CAN */, 21 /* RDS */ };
	long r;

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		r = socketcall_socket(refused[i], SOCK_STREAM);
		WANT(out, r == -ENOSYS, "socketcall(SYS_SOCKET, %d): %ld, expected -ENOSYS\n", refused[i], r);
		r = int80(I386_SOCKET, refused[i], SOCK_STREAM, 0);
		WANT(out, r == -EAFNOSUPPORT, "i386 socket(%d): %ld, expected -EAFNOSUPPORT\n", refused[i], r);
		r = socket(refused[i], SOCK_STREAM, 0);
		WANT(out, r < 0 && errno == EAFNOSUPPORT, "socket(%d): %ld/%d, expected EAFNOSUPPORT\n",
		     refused[i], r, errno);
	}
	/* socketcall as a whole: no sub-call gets through */
	r = socketcall_socket(AF_INET, SOCK_STREAM);
	WANT(out, r == -ENOSYS, "socketcall(SYS_SOCKET, AF_INET): %ld, expected -ENOSYS\n", r);
	r = int80(I386_SOCKETCALL, SYS_CONNECT_CALL, 0, 0);
	WANT(out, r == -ENOSYS, "socketcall(SYS_CONNECT): %ld, expected -ENOSYS\n", r);
	/* the direct i386 calls and the rest of the i386 table still work */
	r = int80(I386_SOCKET, AF_INET, SOCK_STREAM, 0);
	WANT(out, r >= 0, "i386 socket(AF_INET): %ld, expected an fd\n", r);
	r = int80(I386_GETPID, 0, 0, 0);
	WANT(out, r == getpid(), "i386 getpid: %ld\n", r);
	r = socket(AF_INET, SOCK_STREAM, 0);
	WANT(out, r >= 0, "socket(AF_INET): %ld/%d\n", r, errno);
}

Test(seccomp_mux, default_profile_refuses_socketcall_keeps_i386_socket)
{
	run_filtered(parse_file("default.json"), check_default);
}

static void check_socketcall_allowed(FILE *out)
{
	long r = socketcall_socket(AF_UNIX, SOCK_STREAM);

	WANT(out, r >= 0, "socketcall(SYS_SOCKET, AF_UNIX): %ld, expected an fd\n", r);
	r = int80(I386_SOCKET, 40, SOCK_STREAM, 0);
	WANT(out, r == -EPERM, "i386 socket(AF_VSOCK): %ld, expected -EPERM\n", r);
}

Test(seccomp_mux, explicit_socketcall_allow_is_kept)
{
	/* Docker's choice: socketcall allowed outright (its author accepts
	 * that i386 socket creation is unfiltered), socket() filtered */
	run_filtered(parse_inline("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
				  "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":["
				  "{\"names\":[" BASICS ",\"socketcall\"],\"action\":\"SCMP_ACT_ALLOW\"},"
				  "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\","
				  "\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_NE\"}]}]}"),
		     check_socketcall_allowed);
}

static void check_condition_not_dropped(FILE *out)
{
	long r = socketcall_socket(AF_UNIX, SOCK_STREAM);

	WANT(out, r == -EPERM, "socketcall(SYS_SOCKET, AF_UNIX): %ld, expected -EPERM (the default)\n", r);
	r = int80(I386_SOCKET, AF_INET, SOCK_STREAM, 0);
	WANT(out, r >= 0, "i386 socket(AF_INET): %ld, expected an fd\n", r);
	r = int80(I386_SOCKET, AF_UNIX, SOCK_STREAM, 0);
	WANT(out, r == -EPERM, "i386 socket(AF_UNIX): %ld, expected -EPERM\n", r);
}

Test(seccomp_mux, conditional_socket_rule_does_not_open_socketcall)
{
	/* "socket only for AF_INET", socketcall never named: libseccomp alone
	 * would allow socketcall(SYS_SOCKET) for every family */
	run_filtered(parse_inline("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
				  "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":["
				  "{\"names\":[" BASICS "],"
				  "\"action\":\"SCMP_ACT_ALLOW\"},"
				  "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\","
				  "\"args\":[{\"index\":0,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		     check_condition_not_dropped);
}

Test(seccomp_mux, no_guard_without_the_x86_abi)
{
	/* x86_64 only: int $0x80 hits the bad-arch action, the program has
	 * no guard (same length as libseccomp alone would give) */
	struct hrun_spec *with = parse_inline("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
					      "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],\"syscalls\":[{\"names\":"
					      "[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
					      "\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	struct hrun_spec *without = parse_inline("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":"
						 "[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":"
						 "[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
						 "\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]}]}");
	struct hrun_bpf a = { 0 }, b = { 0 };

	cr_assert_eq(seccomp_compile(with->linux_cfg.seccomp, &a), 0, "%s", hrun_errmsg());
	cr_assert_eq(seccomp_compile(without->linux_cfg.seccomp, &b), 0, "%s", hrun_errmsg());
	/* the guard: ld arch; jeq i386; ld nr; jeq 102; ja; ret */
	cr_expect_eq(a.prog.filter[1].k, 0x40000003u /* AUDIT_ARCH_I386 */);
	cr_expect_eq(a.prog.filter[3].k, 102u);
	cr_expect_neq(b.prog.filter[1].k, 0x40000003u);
	seccomp_bpf_clear(&a);
	seccomp_bpf_clear(&b);
	spec_free(with);
	spec_free(without);
}

#endif /* __x86_64__ */
