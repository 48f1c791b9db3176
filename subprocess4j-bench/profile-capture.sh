#!/usr/bin/env bash
# P5's profile: the throughput child of run.sh (1 GiB through stdout(), captureOutput() twice,
# ProcessBuilder, communicate() 64 MiB each way) in a fresh -Xms3g JVM under async-profiler
# (event=cpu: kernel frames too), then where captureOutput()'s samples go. Writes
# results/profile-p5-capture.collapsed.gz (the Command.run stacks) and prints the summary.
# Usage: subprocess4j-bench/profile-capture.sh        (SKIP_BUILD=1: use the jar already built)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
out=$here/target
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$out/benchmarks.jar" ]; then
  (cd "$root" && ./mvnw -B -q package -DskipTests -pl subprocess4j-bench -am)
fi
cc -O2 -o "$out/cloop" "$here/cloop.c"
lib=$out/async-profiler/linux-x64/libasyncProfiler.so
raw=$out/profile-p5.collapsed
"$JAVA_HOME/bin/java" "-agentpath:$lib=start,event=cpu,interval=1ms,file=$raw,collapsed" \
  --enable-native-access=ALL-UNNAMED -Xms3g -Xmx3g -cp "$out/benchmarks.jar" \
  dev.subprocess4j.bench.QuickBench throughput "$out/cloop"
grep 'QuickBench.throughputChild;dev/subprocess4j/Command.run' "$raw" | gzip -9 > "$here/results/profile-p5-capture.collapsed.gz"
python3 - "$raw" <<'PY'
import collections, sys
groups = collections.Counter(); total = 0
for line in open(sys.argv[1]):
    stack, n = line.rstrip().rsplit(' ', 1); n = int(n); frames = stack.split(';')
    if not any('Command.run' in f for f in frames) or any('CatBench' in f for f in frames):
        continue
    total += n
    s = ';'.join(frames)
    if 'toByteArray' in s:
        key = 'joining the blocks (CaptureBuffer.toByteArray: the new array zeroed and faulted in, the copy)'
    elif 'nextBlock' in s:
        key = 'new blocks (CaptureBuffer.nextBlock: zeroed and faulted in)'
    elif 'Unistd.read' in s or 'readInto' in s:
        key = 'reading the pipe (read(2), FFM, the copy out of the native buffer)'
    else:
        key = 'the rest (spawn, poll, wait, Java)'
    groups[key] += n
print(f"captureOutput()/communicate() samples (1 ms each): {total}")
for k, n in groups.most_common():
    print(f"  {100.0 * n / total:5.1f} %  {k}")
PY
