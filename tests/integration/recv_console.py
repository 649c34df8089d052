#!/usr/bin/env python3
"""recv_console.py SOCKET OUT: accept one --console-socket connection, take
the pty master fd sent with SCM_RIGHTS, and copy what the container writes
to its terminal into OUT until EOF."""
import array, os, socket, sys

path, out = sys.argv[1], sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
conn, _ = srv.accept()
fds = array.array("i")
msg, anc, _, _ = conn.recvmsg(16, socket.CMSG_LEN(fds.itemsize))
for level, kind, data in anc:
    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
        fds.frombytes(data[: fds.itemsize])
with open(out, "wb") as f:
    while True:
        try:
            chunk = os.read(fds[0], 4096)
        except OSError:  # EIO once the last slave fd closes
            break
        if not chunk:
            break
        f.write(chunk)
        f.flush()
