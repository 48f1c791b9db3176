#!/usr/bin/env bash
# The JMH suite (subprocess4j-bench/README.md, "Commands" and "JMH"), the C loop beside it, the chart and the table.
# Usage: subprocess4j-bench/jmh.sh [JMH options...]      e.g. jmh.sh TrueBenchmark -f 1
# With no options it runs every benchmark with the settings in the classes (2 forks, 5 x 1 s
# warm-up, 10 x 1 s measurement; about 15 minutes). Writes, in subprocess4j-bench/results/:
#   jmh.json (JMH's own result file), jmh.md (the table: medians, ratios to the C loop and to
#   ProcessBuilder), jmh-env.txt (machine, JDK, load before and after), and jmh-chart.png.
# Set SKIP_BUILD=1 to use the benchmarks.jar already built.
#
# Profiles (async-profiler 4.6 from Maven Central, unpacked into target/async-profiler by the
# build): PROFILE=cpu (or wall, alloc, lock, ...) runs only JMH with -prof async for the
# library's TrueBenchmark and EchoBenchmark and the FFM floor on the native backend (1 fork,
# 3 x 1 s warm-up, 5 x 1 s measurement, one thread's stacks per file, kernel frames with cpu),
# writes the benchmark thread's collapsed stacks (compacted and gzipped, a few hundred KB) to
# results/profile-EVENT/<Class.method>.collapsed-EVENT.gz, JMH's output to profile-EVENT.jmh.txt,
# and where the benchmark thread's samples go to profile-EVENT.md (profile-summary.py). Options after the command replace
# the defaults, e.g. PROFILE=wall jmh.sh TrueBenchmark.library -f 2. PROFILE_OPTS adds
# async-profiler options (';'-separated, e.g. 'alloc'); PROFILE_INTERVAL the sampling interval in ns
# (default 100000: 100 us; a wall profile samples each thread less often); JAR=... profiles another jar (e.g. one built before a change).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
java="$JAVA_HOME/bin/java"
jar=$here/target/benchmarks.jar
results=$here/results
mkdir -p "$results" "$here/target"
if [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$jar" ]; then
  (cd "$root" && ./mvnw -B -q package -DskipTests -pl subprocess4j-bench -am)
fi
if [ -n "${PROFILE:-}" ]; then
  lib=$here/target/async-profiler/linux-x64/libasyncProfiler.so
  [ -f "$lib" ] || { echo "no $lib: build the module first (without SKIP_BUILD)" >&2; exit 1; }
  dir=$results/profile-$PROFILE
  rm -rf "$dir" "$dir.md" "$dir.jmh.txt"
  args=("$@")
  if [ ${#args[@]} -eq 0 ]; then
    args=('TrueBenchmark.(library|ffmFloor)|EchoBenchmark.library' -p backend=linux-native -f 1 -wi 3 -i 5)
  fi
  echo "load before: $(uptime | sed 's/.*load average/load average/')"
  "$java" -jar "${JAR:-$jar}" "${args[@]}" \
    -prof "async:libPath=$lib;event=$PROFILE;output=collapsed;threads=true;rawCommand=cstack=vm;interval=${PROFILE_INTERVAL:-100000};dir=$dir${PROFILE_OPTS:+;$PROFILE_OPTS}" \
    | tee "$dir.jmh.txt"
  echo "load after: $(uptime | sed 's/.*load average/load average/')" | tee -a "$dir.jmh.txt"
  python3 "$here/profile-summary.py" --compact "$dir"
  python3 "$here/profile-summary.py" "$dir" "$dir.jmh.txt" "${PROFILE_INTERVAL:-100000}" | tee "$dir.md"
  exit 0
fi
cc -O2 -o "$here/target/cloop" "$here/cloop.c"

c_loop() { # medians of the C loop for each work, the same kinds of call as the JMH benchmarks
  echo "true=$("$here/target/cloop" 2000 true) echo=$("$here/target/cloop" 2000 echo) cat=$("$here/target/cloop" 300 cat)"
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), Linux $(uname -r), $(ldd --version | head -n 1)"
  echo "jdk: $("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.version = //p') ($("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.vm.vendor = //p'))"
  echo "jmh options: ${*:-(defaults in the classes)}"
  echo "load before: $(uptime | sed 's/.*load average/load average/')"
} > "$results/jmh-env.txt"
c_before=$(c_loop)
echo "C loop before: $c_before" | tee -a "$results/jmh-env.txt"
"$java" -jar "$jar" -rf json -rff "$results/jmh.json" "$@" | tee "$results/jmh.log"
c_after=$(c_loop)
echo "C loop after: $c_after" | tee -a "$results/jmh-env.txt"
echo "load after: $(uptime | sed 's/.*load average/load average/')" >> "$results/jmh-env.txt"

# The C loop's figure for each work: the mean of its medians before and after the JMH run.
c_args=()
for key in true echo cat; do
  b=$(echo "$c_before" | tr ' ' '\n' | sed -n "s/^$key=//p")
  a=$(echo "$c_after" | tr ' ' '\n' | sed -n "s/^$key=//p")
  c_args+=("$key=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", (a + b) / 2 }')")
done
"$java" -Djava.awt.headless=true -cp "$jar" dev.subprocess4j.bench.Chart \
  "$results/jmh.json" "$here/jmh-chart.png" "${c_args[@]}" > "$results/jmh.md"
gzip -9 -f "$results/jmh.json"   # JMH's raw histograms are ~5 MB; Chart reads the .gz too
cat "$results/jmh-env.txt" "$results/jmh.md"
echo "chart: $here/jmh-chart.png"
