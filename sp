#!/usr/bin/env bash
# sp — the subprocess4j command line. Builds itself on first use (and after a source change),
# then runs. Needs a JDK 25 or newer: JAVA_HOME when it is one, else one installed under the
# usual directories. Usage: ./sp run [options] -- command [args...]   (./sp --help)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# shellcheck source=.mvn/find-jdk.sh
. "$root/.mvn/find-jdk.sh" || exit 125

jar=$root/subprocess4j-cli/target/subprocess4j-cli.jar
# The jar's own time is the reproducible-build timestamp, so a stamp file marks the last build.
stamp=$root/subprocess4j-cli/target/.sp-built
stale() {
  [ -f "$jar" ] && [ -f "$stamp" ] || return 0
  [ -n "$(find "$root/pom.xml" "$root/subprocess4j/pom.xml" "$root/subprocess4j-cli/pom.xml" \
      "$root/subprocess4j/src/main" "$root/subprocess4j-cli/src/main" -newer "$stamp" -print -quit)" ]
}
if stale; then
  echo "sp: building (first use or sources changed)..." >&2
  # The build touches the stamp and drops the old AppCDS archive itself (subprocess4j-cli/pom.xml).
  if ! (cd "$root" && ./mvnw -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
        -Dsp.man.skip=true -pl subprocess4j-cli -am package </dev/null >&2); then
    echo "sp: the build failed; see the Maven output above." >&2
    exit 125
  fi
fi

# A dynamic AppCDS archive, written at the first run after a build, cuts the JVM's start-up.
# Native access comes from the jar's manifest (Enable-Native-Access: ALL-UNNAMED): given as
# --enable-native-access on this line it would turn off CDS's archived module graph (JDK 25
# logs "Mismatched values for property jdk.module.enable.native.access" with -Xlog:cds).
# Figures and method: subprocess4j-cli/README.md.
exec "$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
  -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$root/subprocess4j-cli/target/sp.jsa" -Xlog:cds=off \
  -jar "$jar" "$@"
