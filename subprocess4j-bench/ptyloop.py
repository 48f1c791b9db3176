"""Python's pty.fork() + exec in a loop, the pty benchmark's third contender (pty-bench.sh): fork
on a new pseudo-terminal, exec the program, read the master until end of file (EIO once the child
has gone: the last output is not lost), close it, waitpid. Prints the median per call in
microseconds. Usage: python3 ptyloop.py N true|echo"""
import os
import pty
import sys
import time

n = int(sys.argv[1])
echo = len(sys.argv) > 2 and sys.argv[2] == "echo"
argv = ["/bin/echo", "test"] if echo else ["/bin/true"]
times = []
for _ in range(n):
    start = time.perf_counter_ns()
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    out = bytearray()
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: no one holds the terminal any more
            break
        if not chunk:
            break
        out += chunk
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    if echo:
        assert bytes(out) == b"test\r\n", out
    times.append((time.perf_counter_ns() - start) / 1e3)
times.sort()
print("%.1f" % times[n // 2])
