#!/usr/bin/env python3
# winsize.py CMD...: run CMD on a new pty sized 24x80, resize the pty to
# 33x77 once CMD has printed its first line, print everything CMD wrote.
# (The kernel sends SIGWINCH to CMD; hrun must pass the size on.)
import fcntl, os, pty, select, struct, sys, termios, time

def setsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
setsize(fd, 24, 80)
out, resized, deadline = b"", False, time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if not r:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not resized and b"\n" in out:
        setsize(fd, 33, 77)
        resized = True
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
