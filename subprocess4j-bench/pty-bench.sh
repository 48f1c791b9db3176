#!/usr/bin/env bash
# Spawn on a pseudo-terminal (issue [16]): the library's Command.pty() against JetBrains' pty4j and
# Python's pty.fork()+exec (ptyloop.py), /bin/true and echo with the transcript read, interleaved
# round by round (PtyBench.java). Builds the benchmarks module (target/benchmarks.jar, which holds
# pty4j; the library never depends on it) first; SKIP_BUILD=1 uses the jar already built.
# Usage: subprocess4j-bench/pty-bench.sh [calls-per-round] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
out=$here/target
jar=${JAR:-$out/benchmarks.jar}
if [ -z "${JAR:-}" ] && { [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$jar" ]; }; then
  (cd "$root" && ./mvnw -B -q package -DskipTests -pl subprocess4j-bench -am)
fi
command -v python3 >/dev/null || { echo "pty-bench.sh needs python3 for the Python contender" >&2; exit 1; }
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) cores, Linux $(uname -r), $(ldd --version | head -n 1), $(python3 --version)"
echo "pty4j $(sed -n 's|.*<pty4j.version>\(.*\)</pty4j.version>.*|\1|p' "$here/pom.xml")"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -Dcalls="${1:-200}" -Drounds="${2:-5}" \
  -cp "$jar" dev.subprocess4j.bench.PtyBench "$here/ptyloop.py" 2>&1 | grep -v '^SLF4J:'  # pty4j's logger has no binding
echo "load after: $(uptime | sed 's/.*load average/load average/')"
