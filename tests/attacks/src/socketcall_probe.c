/* int $0x80 from a 64-bit process: socketcall(SYS_SOCKET, ...) and the
 * direct i386 socket(2) (359), for several families; prints raw returns. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "r8", "r9", "r10", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	unsigned *args = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	int i;

	if (args == MAP_FAILED) {
		perror("mmap MAP_32BIT");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		int family = atoi(argv[i]);
		int type = family == AF_PACKET || family == AF_KEY ? SOCK_RAW : SOCK_STREAM;
		long r;

		if (family == AF_PACKET || family == AF_NETLINK)
			type = SOCK_RAW;
		if (family == 38 /* AF_ALG */)
			type = SOCK_SEQPACKET;
		args[0] = (unsigned)family;
		args[1] = (unsigned)type;
		args[2] = family == AF_KEY ? 2 /* PF_KEY_V2 */ : 0;
		r = int80(102 /* socketcall */, 1 /* SYS_SOCKET */, (long)(unsigned long)args, 0);
		printf("socketcall family=%d ret=%ld\n", family, r);
		r = int80(359 /* i386 socket */, family, type, args[2]);
		printf("i386-socket family=%d ret=%ld\n", family, r);
		r = socket(family, type, (int)args[2]);
		printf("socket family=%d ret=%ld\n", family, r < 0 ? -(long)errno : r);
	}
	return 0;
}
