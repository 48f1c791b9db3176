#!/usr/bin/env bash
# P1/P2 (issue [17]) in the JVM a user runs and in the tuned benchmark JVM, side by side, interleaved
# with the C loop and Python: RUNS runs of ROUNDS rounds; each round runs every contender once, in
# this order:
#   C loop /bin/true, C loop echo (cloop.c), Python subprocess.run /bin/true and echo captured
#   (pyloop.py), then whole JVMs running PerCall.java (each warmed up, then BLOCKS blocks of CALLS
#   calls of each of its contenders: library /bin/true, ProcessBuilder /bin/true, library echo
#   captured, ProcessBuilder echo captured; each contender runs once before the warm-up):
#   user-g1      java --enable-native-access=ALL-UNNAMED -cp LIB.jar PerCall.java fresh
#                (the single-file source launcher, default G1 heap and stacks, a new Command per
#                call: Subprocess.run("/bin/true"), Subprocess.command("/bin/echo","test").captureOutput().run())
#   user-zgc     the same with -XX:+UseZGC
#   user-serial  the same with -XX:+UseSerialGC
#   quickbench   PerCall compiled, on the class path, -Xss256k, one reused Command (QuickBench's JVM)
# Each contender's figure in a round is its median per call in µs; a run's figure is the median
# of its rounds; the summary is the median of the runs' figures and of their ratios.
# Ratios: library/C (/bin/true; target <= 1.05), library/Python (echo captured; target < 1),
# ProcessBuilder/library (/bin/true; target >= 2.2), library/C (echo captured; target <= 1.15);
# also block by block ("paired blocks"), always ProcessBuilder/library (each ProcessBuilder block
# runs right after the library's block of the same call), with PAIRED=1 library/C and library/Python.
# Each JVM runs a dry block of every contender before its warm-up (figures dropped), so that no
# class is loaded after the JIT compiled the library's path (README.md, "Session 12").
# Each JVM also reports "JIT ms during the blocks": the JIT compilers' time while its blocks ran
# (the library's path, and the harness's own round robin, which starts with the blocks). With the
# default WARMUP (600 calls per contender) the blocks run 3-8 s into the JVM's life, while C2 still
# compiles the library's path (on 2 CPUs it competes with the children); WARMUP=8000 measures a JVM
# ~50 s old, whose library path is compiled (README.md, "Session 9": both are reported).
#
# Usage: subprocess4j-bench/percall.sh [CALLS] [BLOCKS] [ROUNDS] [RUNS]     (default 200 3 5 3, ~15 min)
#   JAR=/path/to/subprocess4j.jar runs another build of the library (before/after a change);
#   SKIP_BUILD=1 uses the jar already built; WARMUP=N calls of each contender per JVM (default 600;
#   8000 for a settled JIT, ~4x longer); PAIRED=1 adds the library/C and library/Python ratios of
#   paired blocks (below);
#   CONFIGS="user-g1 quickbench" picks JVM configurations. Raw figures: target/percall-raw.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
out=$here/target
calls=${1:-200}
blocks=${2:-3}
rounds=${3:-5}
runs=${4:-3}
warmup=${WARMUP:-600}
configs=${CONFIGS:-user-g1 user-zgc user-serial quickbench}
jar=${JAR:-}
if [ -z "$jar" ]; then
  if [ "${SKIP_BUILD:-0}" != 1 ] || ! ls "$root"/subprocess4j/target/subprocess4j-*-SNAPSHOT.jar >/dev/null 2>&1; then
    (cd "$root" && ./mvnw -B -q package -DskipTests -pl subprocess4j)
  fi
  jar=$(ls "$root"/subprocess4j/target/subprocess4j-*.jar | grep -v -e sources -e javadoc -e tests | head -n 1)
fi
mkdir -p "$out/percall-classes"
cc -O2 -o "$out/cloop" "$here/cloop.c"
"$JAVA_HOME/bin/javac" -d "$out/percall-classes" -cp "$jar" "$here/PerCall.java"
command -v python3 >/dev/null || { echo "percall.sh needs python3" >&2; exit 1; }
java=$JAVA_HOME/bin/java
raw=$out/percall-raw.txt
: > "$raw"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, Linux $(uname -r), $(ldd --version | head -n 1), $(python3 --version)"
echo "JDK: $("$java" -version 2>&1 | head -n 1); library: $jar"
echo "$runs runs x $rounds rounds; JVMs: $warmup warm-up calls, then $blocks blocks x $calls calls per contender"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# PAIRED=1: each JVM also runs the C loop and Python's loop right before each of its library blocks
# and reports the medians of the paired ratios ("library ... /C paired", ".../Python paired"), which
# the machine's drift between whole runs hardly moves.
if [ "${PAIRED:-0}" = 1 ]; then export PERCALL_CLOOP=$out/cloop PERCALL_PYLOOP=$here/pyloop.py; fi
jvm() { # $1 = config: prints "contender<TAB>µs" lines
  case $1 in
    user-g1) "$java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$here/PerCall.java" fresh "$calls" "$blocks" "$warmup" ;;
    user-zgc) "$java" -XX:+UseZGC --enable-native-access=ALL-UNNAMED -cp "$jar" "$here/PerCall.java" fresh "$calls" "$blocks" "$warmup" ;;
    user-serial) "$java" -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -cp "$jar" "$here/PerCall.java" fresh "$calls" "$blocks" "$warmup" ;;
    quickbench) "$java" --enable-native-access=ALL-UNNAMED -Xss256k -cp "$jar:$out/percall-classes" PerCall reused "$calls" "$blocks" "$warmup" ;;
    *) echo "unknown configuration $1 (user-g1, user-zgc, user-serial, quickbench)" >&2; exit 2 ;;
  esac
}

n=$((calls * blocks))
for run in $(seq 1 "$runs"); do
  for round in $(seq 1 "$rounds"); do
    printf '%s\t%s\t%s\t%s\n' "$run" "$round" "C loop /bin/true" "$("$out/cloop" "$n" true)" >> "$raw"
    printf '%s\t%s\t%s\t%s\n' "$run" "$round" "C loop echo captured" "$("$out/cloop" "$n" echo)" >> "$raw"
    printf '%s\t%s\t%s\t%s\n' "$run" "$round" "Python /bin/true" "$(python3 "$here/pyloop.py" "$n" true)" >> "$raw"
    printf '%s\t%s\t%s\t%s\n' "$run" "$round" "Python echo captured" "$(python3 "$here/pyloop.py" "$n" echo)" >> "$raw"
    for c in $configs; do
      jvm "$c" | while IFS=$'\t' read -r name us _; do
        printf '%s\t%s\t%s\t%s\n' "$run" "$round" "$c: $name" "$us" >> "$raw"
      done
    done
  done
  echo "run $run done, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$raw" "$configs" <<'EOF'
import collections, statistics, sys
raw, configs = sys.argv[1], sys.argv[2].split()
v = collections.defaultdict(lambda: collections.defaultdict(list))  # run -> contender -> [µs per round]
for line in open(raw):
    run, rnd, name, us = line.rstrip("\n").split("\t")
    v[int(run)][name].append(float(us))
runs = sorted(v)
med = {r: {k: statistics.median(x) for k, x in v[r].items()} for r in runs}
names = list(v[runs[0]].keys())
print()
print("median per call, µs (median of the rounds)")
print("%-46s" % "contender" + "".join("%11s" % ("run %d" % r) for r in runs) + "%11s" % "median")
for k in names:
    if "paired" in k:
        continue  # a ratio, not µs: in the ratios below
    xs = [med[r][k] for r in runs]
    print("%-46s" % k + "".join("%11.1f" % x for x in xs) + "%11.1f" % statistics.median(xs))
print()
print("ratios (each run's medians; then the median of the runs' ratios)")
rows = []
for c in configs:
    rows.append(("%s: /bin/true library/C (<= 1.05)" % c, lambda m, c=c: m[c + ": library /bin/true"] / m["C loop /bin/true"]))
    rows.append(("%s: /bin/true ProcessBuilder/library (>= 2.2)" % c, lambda m, c=c: m[c + ": ProcessBuilder /bin/true"] / m[c + ": library /bin/true"]))
    rows.append(("%s: /bin/true library/Python" % c, lambda m, c=c: m[c + ": library /bin/true"] / m["Python /bin/true"]))
    rows.append(("%s: echo captured library/C (<= 1.15)" % c, lambda m, c=c: m[c + ": library echo captured"] / m["C loop echo captured"]))
    rows.append(("%s: echo captured library/Python (< 1)" % c, lambda m, c=c: m[c + ": library echo captured"] / m["Python echo captured"]))
    rows.append(("%s: echo captured ProcessBuilder/library" % c, lambda m, c=c: m[c + ": ProcessBuilder echo captured"] / m[c + ": library echo captured"]))
    for k in ("ProcessBuilder /bin/true", "ProcessBuilder echo captured"):
        name = "%s: %s/library paired (ratio, not us)" % (c, k)
        if all(name in v[r] for r in runs):
            rows.append(("%s: %s/library, paired blocks" % (c, k), lambda m, name=name: m[name]))
    for k in ("library /bin/true", "library echo captured"):
        for floor in ("C", "Python"):
            name = "%s: %s/%s paired (ratio, not us)" % (c, k, floor)
            if all(name in v[r] for r in runs):
                rows.append(("%s: %s/%s, paired blocks" % (c, k, floor), lambda m, name=name: m[name]))
width = max(len(label) for label, _ in rows) + 2
for label, f in rows:
    xs = [f(med[r]) for r in runs]
    print("%-*s" % (width, label) + "".join("%8.2fx" % x for x in xs) + "   median %.2fx" % statistics.median(xs))
EOF
