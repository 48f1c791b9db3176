"""Python's subprocess.run in a loop, the same calls as cloop.c; prints the median per call in
microseconds. Usage: python3 pyloop.py N true|echo"""
import subprocess
import sys
import time

n = int(sys.argv[1])
echo = len(sys.argv) > 2 and sys.argv[2] == "echo"
times = []
for _ in range(n):
    start = time.perf_counter_ns()
    if echo:
        result = subprocess.run(["/bin/echo", "test"], capture_output=True)
        assert result.stdout == b"test\n"
    else:
        subprocess.run(["/bin/true"])
    times.append((time.perf_counter_ns() - start) / 1e3)
times.sort()
print("%.1f" % times[n // 2])
