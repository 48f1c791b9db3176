#!/usr/bin/env bash
# Quick whole-process comparisons (BENCHMARKS.md P1-P6) in one run: the C loop, the library and
# ProcessBuilder, interleaved. Builds what it needs. Usage: subprocess4j-bench/run.sh [calls] [rounds]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
out=$here/target
mkdir -p "$out"
cc -O2 -o "$out/cloop" "$here/cloop.c"
cc -O2 -o "$out/cscale" "$here/cscale.c"
if [ ! -d "$root/subprocess4j/target/classes/dev" ]; then
  (cd "$root" && ./mvnw -q -B -DskipTests -pl subprocess4j package)
fi
limit=$(ulimit -Hn)
ulimit -n "$limit"
echo "machine: $(nproc) cores, $(uname -r), $(ldd --version | head -n 1), fd limit $limit"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xss256k \
  -Dcalls="${1:-200}" -Drounds="${2:-5}" \
  -cp "$root/subprocess4j/target/classes" "$here/QuickBench.java" "$out/cloop" "$out/cscale"
