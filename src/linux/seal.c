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
 *
 * Only what execve and the dynamic loader read is copied: the ELF header,
 * the program headers and every segment's file contents, up to the end of
 * the last one. The rest of the file (symbol tables, debug information,
 * the section headers) is never mapped: in a debugoptimized build it is
 * three quarters of the file, and the copy is the bulk of the re-exec's
 * cost. The copy's header then names no section headers (as sstrip does).
 * A file that is not a well-formed ELF of our class is copied whole.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
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

#define SEAL_MAX_PHDRS 64
#if __ELF_NATIVE_CLASS == 64
#define SEAL_ELFCLASS ELFCLASS64
#else
#define SEAL_ELFCLASS ELFCLASS32
#endif

/* The end of the last byte a loader reads of the ELF file FD of SIZE
 * bytes (header, program headers, segments), or SIZE when FD is not a
 * well-formed ELF of our class or the extent does not fit. */
static off_t seal_elf_extent(int fd, off_t size, ElfW(Ehdr) *eh)
{
	ElfW(Phdr) ph[SEAL_MAX_PHDRS];
	uint64_t end;
	size_t len;

	if (pread(fd, eh, sizeof(*eh), 0) != (ssize_t)sizeof(*eh) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != SEAL_ELFCLASS ||
	    eh->e_phentsize != sizeof(ph[0]) || eh->e_phnum == 0 || eh->e_phnum > SEAL_MAX_PHDRS)
		return size;
	len = (size_t)eh->e_phnum * sizeof(ph[0]);
	if (eh->e_phoff > (uint64_t)size || pread(fd, ph, len, (off_t)eh->e_phoff) != (ssize_t)len)
		return size;
	end = eh->e_phoff + len;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		uint64_t e = (uint64_t)ph[i].p_offset + ph[i].p_filesz;

		if (e < ph[i].p_offset)
			return size; /* wrapped */
		if (e > end)
			end = e;
	}
	return end <= (uint64_t)size ? (off_t)end : size;
}

/* The copy of LEN < the file's size bytes holds no section headers: say
 * so in its header. */
static int seal_drop_sections(int fd, ElfW(Ehdr) *eh)
{
	eh->e_shoff = 0;
	eh->e_shnum = 0;
	eh->e_shstrndx = SHN_UNDEF;
	if (pwrite(fd, eh, sizeof(*eh), 0) != (ssize_t)sizeof(*eh))
		return hrun_syserr(errno ? errno : EIO, "seal: write the copy's ELF header");
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
	ElfW(Ehdr) eh;
	off_t len;
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
	len = seal_elf_extent(exe, st.st_size, &eh);
	r = seal_copy(mfd, exe, len);
	if (r == 0 && len < st.st_size)
		r = seal_drop_sections(mfd, &eh);
	if (r < 0)
		return r;
	r = seal_add_seals(mfd);
	if (r < 0)
		return r;
	syscall(SYS_execveat, mfd, "", argv, environ, AT_EMPTY_PATH);
	return hrun_syserr(errno, "seal: execveat of the sealed copy");
}
