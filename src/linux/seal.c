/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed execution: run from an in-memory, sealed copy of the binary.
 *
 * A container process can make the kernel run hrun's binary inside the
 * container (an entrypoint `#!/proc/self/exe` with the image's own
 * /lib64/ld-linux-x86-64.so.2 as "loader"), or see hrun's processes in its
 * pid namespace; either way /proc/PID/exe (or an O_PATH fd on it, reopened
 * through /proc/self/fd/N once hrun has exited) names the binary hrun runs
 * from. If that is the host's file, it can be rewritten (CVE-2019-5736).
 * So the commands that start container processes first copy the binary
 * into a memfd, seal it (no write, grow, shrink, re-seal, chmod) and
 * re-execute from it: every process of hrun that a container can ever
 * reach then names the sealed copy, which nobody can modify, and the host
 * file is never reachable from there.
 *
 * The check of "already sealed" is on the file /proc/self/exe itself
 * (F_GET_SEALS), never on an environment variable a caller could set.
 * Cost: open + fcntl + prctl + close when sealed; before that one fstat,
 * memfd_create, a sendfile per 2 GiB, one F_ADD_SEALS and execveat.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/seal.h"

/* kernel >= 6.3; older headers lack them */
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

#define SEAL_NAME "hrun"
#define SEAL_REQUIRED (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

/* 1 when FD (our /proc/self/exe) carries every seal we set, 0 when it is
 * not a sealed memfd (a regular file: EINVAL, or a memfd missing seals). */
static int seal_is_sealed(int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0)
		return errno == EINVAL ? 0
				       : hrun_syserr(errno, "seal: F_GET_SEALS of /proc/self/exe");
	return (seals & SEAL_REQUIRED) == SEAL_REQUIRED;
}

static int seal_memfd_create(void)
{
	int fd = memfd_create(SEAL_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);

	/* kernels before 6.3 do not know MFD_EXEC (their memfds are
	 * executable anyway) */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(SEAL_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return hrun_syserr(errno, "seal: memfd_create");
	return fd;
}

/* Copy SIZE bytes of SRC into DST in the kernel (page cache to shmem). */
static int seal_copy(int dst, int src, off_t size)
{
	off_t off = 0;

	while (off < size) {
		ssize_t n = sendfile(dst, src, &off, (size_t)(size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hrun_syserr(errno, "seal: copy /proc/self/exe into the memfd");
		if (n == 0)
			return hrun_err(EIO,
					"seal: /proc/self/exe shrank while it was copied "
					"(%lld of %lld bytes)",
					(long long)off, (long long)size);
	}
	return 0;
}

static int seal_add_seals(int fd)
{
	/* F_SEAL_EXEC (>= 6.3) also stops chmod of the exec bits; it is the
	 * only seal an older kernel may refuse */
	if (fcntl(fd, F_ADD_SEALS, SEAL_REQUIRED | F_SEAL_EXEC) == 0)
		return 0;
	if (errno == EINVAL && fcntl(fd, F_ADD_SEALS, SEAL_REQUIRED) == 0)
		return 0;
	return hrun_syserr(errno, "seal: F_ADD_SEALS on the memfd");
}

int seal_ensure(char **argv)
{
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int mfd = -1;
	struct stat st;
	int r;

	if (exe < 0)
		return hrun_syserr(errno, "seal: open /proc/self/exe");
	r = seal_is_sealed(exe);
	if (r < 0)
		return r;
	if (r > 0) {
		/* the kernel names us after the fd ("4", or "memfd:hrun" since
		 * 6.14): keep the name ps and pgrep know */
		(void)prctl(PR_SET_NAME, SEAL_NAME, 0, 0, 0);
		return 0;
	}
	if (fstat(exe, &st) < 0)
		return hrun_syserr(errno, "seal: fstat /proc/self/exe");
	if (!S_ISREG(st.st_mode) || st.st_size <= 0)
		return hrun_err(EINVAL, "seal: /proc/self/exe is not a regular, non-empty file");
	mfd = seal_memfd_create();
	if (mfd < 0)
		return mfd;
	r = seal_copy(mfd, exe, st.st_size);
	if (r < 0)
		return r;
	r = seal_add_seals(mfd);
	if (r < 0)
		return r;
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	return hrun_syserr(errno, "seal: execveat of the sealed copy");
}
