/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "hrun/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/error.h"
#include "hrun/sync.h"
#include "hrun/util.h"

int terminal_connect_socket(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	_cleanup_close_ int fd = -1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return hrun_err(ENAMETOOLONG, "--console-socket `%s`: path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hrun_syserr(errno, "--console-socket: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hrun_syserr(errno, "--console-socket: connect `%s`", path);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void terminal_copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

int terminal_setup_child(int rootfd, int sock, const struct hrun_process *proc,
			 int (*bind_console)(void *arg, const char *slave_path), void *arg)
{
	_cleanup_close_ int master = -1, slave = -1;
	char spath[32];
	int r;

	master = util_open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0);
	if (master < 0)
		master = util_open_in_root(rootfd, "/dev/ptmx", O_RDWR | O_NOCTTY, 0);
	if (master < 0)
		return hrun_syserr(-master, "process.terminal: open the container's /dev/pts/ptmx");
	if (unlockpt(master) < 0)
		return hrun_syserr(errno, "process.terminal: unlockpt");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return hrun_syserr(errno, "process.terminal: open the pty slave");
	if (proc->has_console_size) {
		struct winsize ws = {.ws_row = (unsigned short)proc->console_height,
				     .ws_col = (unsigned short)proc->console_width};

		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			return hrun_syserr(errno, "process.consoleSize");
	} else {
		/* `run`/`exec -t` in the foreground: start with the caller's
		 * size (still our stdin), before the process can ask; later
		 * changes come through the relay */
		terminal_copy_winsize(STDIN_FILENO, slave);
	}
	r = sync_send_fd(sock, master);
	if (r < 0)
		return r;
	if (bind_console) {
		r = bind_console(arg, util_fd_path(slave, spath, sizeof(spath)));
		if (r < 0)
			return r;
	}
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(slave, fd) < 0)
			return hrun_syserr(errno, "process.terminal: dup2");
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		return hrun_syserr(errno, "process.terminal: set the controlling terminal");
	return 0;
}

/* Copy what is readable from IN to OUT; 0 on EOF/EIO, 1 when copied. */
static int pump(int in, int out)
{
	char buf[8192];
	ssize_t n = read(in, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	return util_write_all(out, buf, (size_t)n) < 0 ? 0 : 1;
}

/* SIGWINCH as an fd: our terminal's new size goes to the container's
 * pty (the kernel then signals the container's foreground group). */
static int winch_fd(sigset_t *ret_old)
{
	sigset_t set;
	int fd;

	(void)sigemptyset(&set);
	(void)sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, ret_old) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		(void)sigprocmask(SIG_SETMASK, ret_old, NULL);
	return fd;
}

static void winch_resize(int sfd, int master)
{
	struct signalfd_siginfo si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		;
	terminal_copy_winsize(STDIN_FILENO, master);
}

bool terminal_raw(struct termios *ret_saved)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, ret_saved) < 0)
		return false;
	raw = *ret_saved;
	cfmakeraw(&raw);
	(void)tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	return true;
}

void terminal_restore(const struct termios *saved)
{
	(void)tcsetattr(STDIN_FILENO, TCSANOW, saved);
}

int terminal_relay(int master, int pidfd)
{
	struct termios saved;
	bool is_tty = terminal_raw(&saved);
	bool stdin_open = true, master_open = true;
	sigset_t old_mask;
	int winch = -1;

	if (is_tty) {
		terminal_copy_winsize(STDIN_FILENO, master);
		winch = winch_fd(&old_mask);
	}
	while (master_open) {
		struct pollfd p[4] = {
			{.fd = master, .events = POLLIN},
			{.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
			{.fd = pidfd, .events = POLLIN},
			{.fd = winch, .events = POLLIN},
		};
		int n = poll(p, 4, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			master_open = pump(master, STDOUT_FILENO);
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			stdin_open = pump(STDIN_FILENO, master);
		/* the process exited: drain what is left, then stop */
		if ((p[2].revents & POLLIN) && !(p[0].revents & POLLIN))
			break;
		if (p[3].revents & POLLIN)
			winch_resize(winch, master);
	}
	if (winch >= 0) {
		(void)close(winch);
		(void)sigprocmask(SIG_SETMASK, &old_mask, NULL);
	}
	if (is_tty)
		terminal_restore(&saved);
	return 0;
}
