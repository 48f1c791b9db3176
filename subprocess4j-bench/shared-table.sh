#!/usr/bin/env bash
# The shared-table spawn against the copying paths (posix_spawn; the in-process clone for umask),
# one spawn at a time, interleaved call by call in one JVM. Builds the library first if needed.
# Usage: subprocess4j-bench/shared-table.sh [calls] [rounds] [extra fds, e.g. 0,1000]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
if [ ! -f "$root/subprocess4j/target/classes/dev/subprocess4j/internal/linux/SharedFdTable.class" ]; then
  (cd "$root" && ./mvnw -q -B -DskipTests -pl subprocess4j package)
fi
ulimit -n "$(ulimit -Hn)"
echo "machine: $(nproc) cores, $(uname -r), $(ldd --version | head -n 1)"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -Dcalls="${1:-300}" -Drounds="${2:-5}" -Dextra="${3:-0,1000}" \
  -cp "$root/subprocess4j/target/classes" "$here/SharedTableBench.java"
echo "load after: $(uptime | sed 's/.*load average/load average/')"
