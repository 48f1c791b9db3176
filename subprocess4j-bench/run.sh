#!/usr/bin/env bash
# Whole-process comparisons (subprocess4j-bench/README.md P1-P6) in one run: the C loop, the library,
# ProcessBuilder, Python's subprocess.run (and NuProcess for scale), interleaved. Builds the
# benchmarks module (target/benchmarks.jar) and the C programs first; set SKIP_BUILD=1 to use the
# jar already built; PARTS=p1,p3,p4,p5 runs only those parts (p1: P1+P2, p5: P5+P6).
# Usage: subprocess4j-bench/run.sh [calls-per-round] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
out=$here/target
jar=${JAR:-$out/benchmarks.jar}   # JAR=... runs another build (e.g. one from before a change)
if [ -z "${JAR:-}" ] && { [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$jar" ]; }; then
  (cd "$root" && ./mvnw -B -q package -DskipTests -pl subprocess4j-bench -am)
fi
mkdir -p "$out"
cc -O2 -o "$out/cloop" "$here/cloop.c"
cc -O2 -o "$out/cscale" "$here/cscale.c"
command -v python3 >/dev/null || { echo "run.sh needs python3 for the Python contender" >&2; exit 1; }
limit=$(ulimit -Hn)
ulimit -n "$limit"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, Linux $(uname -r), $(ldd --version | head -n 1), $(python3 --version), fd limit $limit"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss256k \
  -Dcalls="${1:-200}" -Drounds="${2:-5}" -Dparts="${PARTS:-all}" \
  -cp "$jar" dev.subprocess4j.bench.QuickBench "$out/cloop" "$out/cscale" "$here/pyloop.py"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
