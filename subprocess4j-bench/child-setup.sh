#!/usr/bin/env bash
# subprocess4j-bench/README.md P7: the child-setup path (rlimit, umask, passFds, killOnParentExit: in-process C;
# user/group: the exec'd helper) against the fast path, interleaved. Builds the library first.
# Usage: subprocess4j-bench/child-setup.sh [calls] [rounds]   (as root, for the user cases)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
if [ ! -f "$root/subprocess4j/target/classes/dev/subprocess4j/native/linux-x86_64/subprocess4j-helper" ] \
   && [ ! -f "$root/subprocess4j/target/classes/dev/subprocess4j/native/linux-aarch64/subprocess4j-helper" ]; then
  (cd "$root" && ./mvnw -q -B -DskipTests -pl subprocess4j package)
fi
echo "machine: $(nproc) cores, $(uname -r), $(ldd --version | head -n 1)"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
  -Dcalls="${1:-200}" -Drounds="${2:-7}" \
  -cp "$root/subprocess4j/target/classes" "$here/ChildSetupBench.java"
