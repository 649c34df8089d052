/* SPDX-License-Identifier: Apache-2.0 */
#ifndef HRUN_CLEANUP_H
#define HRUN_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void hrun_freep(void *p)
{
	free(*(void **)p);
}

static inline void hrun_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}

static inline void hrun_fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}

#define _cleanup_free_ __attribute__((cleanup(hrun_freep)))
#define _cleanup_close_ __attribute__((cleanup(hrun_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(hrun_fclosep)))

/* Move ownership out of a cleanup variable. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p = (p);                                                            \
		(p) = NULL;                                                                        \
		_p;                                                                                \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd = (fd);                                                                    \
		(fd) = -1;                                                                         \
		_fd;                                                                               \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
