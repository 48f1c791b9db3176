#!/usr/bin/env bash
# sp — the subprocess4j command line. Builds itself on first use (and after a source change),
# then runs. Needs a JDK 25 or newer: JAVA_HOME when it is one, else one installed under the
# usual directories. Usage: ./sp run [options] -- command [args...]   (./sp --help)
set -euo pipefail

# The repository is where this script really is: a symlink to it (such as one on the PATH) is
# followed, link by link, whatever the current directory.
self=${BASH_SOURCE[0]}
case $self in */*) ;; *) self=$(command -v -- "$self" || printf './%s' "$self") ;; esac
while [ -L "$self" ]; do
  link=$(readlink -- "$self")
  case $link in /*) self=$link ;; *) self=${self%/*}/$link ;; esac
done
root=${self%/*}
root=$(cd -P -- "${root:-/}" && pwd)

# The JDK: found by .mvn/find-jdk.sh as the build finds it, and remembered in target/ for the next
# runs while JAVA_HOME and HOME (whose JDKs it searches) are the same and neither JDK was installed
# anew since: the search runs a few programs, ~10 ms of every start.
known=$root/subprocess4j-cli/target/.sp-jdk
asked="${JAVA_HOME:-} ${HOME:-}"
if [ -f "$known" ] && { IFS= read -r was && IFS= read -r found; } <"$known" \
    && [ "$was" = "$asked" ] && [ -x "$found/bin/java" ] && [ ! "$found/release" -nt "$known" ] \
    && [ ! "${JAVA_HOME:-/nonexistent}/release" -nt "$known" ]; then
  JAVA_HOME=$found
  export JAVA_HOME
else
  # shellcheck source=.mvn/find-jdk.sh
  . "$root/.mvn/find-jdk.sh" || exit 125
  if [ -d "${known%/*}" ]; then
    { printf '%s\n%s\n' "$asked" "$JAVA_HOME" >"$known.$$" && mv -f "$known.$$" "$known"; } 2>/dev/null \
      || rm -f "$known.$$" 2>/dev/null || true
  fi
fi

jar=$root/subprocess4j-cli/target/subprocess4j-cli.jar
# The jar's own time is the reproducible-build timestamp, so a stamp file marks the last build.
stamp=$root/subprocess4j-cli/target/.sp-built
stale() { # any build input newer than the stamp
  [ -f "$jar" ] && [ -f "$stamp" ] || return 0
  if (( BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1) )); then
    # bash's own tests (-nt in nanoseconds since 5.1): no find to start, ~2 ms
    local f
    shopt -s globstar dotglob nullglob
    for f in "$root/pom.xml" "$root/subprocess4j/pom.xml" "$root/subprocess4j-cli/pom.xml" \
        "$root"/subprocess4j/src/main/** "$root"/subprocess4j-cli/src/main/**; do
      if [[ $f -nt $stamp ]]; then
        shopt -u globstar dotglob nullglob
        return 0
      fi
    done
    shopt -u globstar dotglob nullglob
    return 1
  fi
  [ -n "$(find "$root/pom.xml" "$root/subprocess4j/pom.xml" "$root/subprocess4j-cli/pom.xml" \
      "$root/subprocess4j/src/main" "$root/subprocess4j-cli/src/main" -newer "$stamp" -print -quit)" ]
}
if stale; then
  echo "sp: building (first use or sources changed)..." >&2
  # The build touches the stamp and deletes the old AOT caches itself (subprocess4j-cli/pom.xml).
  if ! (cd "$root" && ./mvnw -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
        -Dsp.man.skip=true -pl subprocess4j-cli -am package </dev/null >&2); then
    echo "sp: the build failed; see the Maven output above." >&2
    exit 125
  fi
fi

# JDK 25's AOT cache (JEP 483, 514, 515: classes loaded and linked, lambdas resolved, method
# profiles) of one training run of `sp run -- true`, made once after each build, cuts the JVM's
# start-up: the build deletes it, and one per JDK is kept. A cache the JVM cannot use (such as a
# different JDK's) is ignored silently. Native access comes from the jar's manifest
# (Enable-Native-Access: ALL-UNNAMED): given as --enable-native-access on this line it would
# turn off the cached module graph. On JDK 25 the cache's training data is kept but not replayed
# (-AOTReplayTraining, a diagnostic flag, so only for the release it was measured on): replaying
# compiles at class initialisation what the training run compiled, CPU that a run this short only
# loses (~15 ms of wall time on 2 CPUs). Figures and method: subprocess4j-cli/README.md, "Start-up".
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xlog:aot=off -Xlog:cds=off)
release=
while IFS= read -r line; do
  case $line in JAVA_VERSION=*) release=${line#JAVA_VERSION=\"} ;; esac
done 2>/dev/null <"$JAVA_HOME/release" || true
case $release in 25 | 25[.\"]*) flags+=(-XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining) ;; esac
jdk=${JAVA_HOME%/}
aot=$root/subprocess4j-cli/target/sp-${jdk##*/}.aot
if [ ! -f "$aot" ]; then
  tmp=$aot.$$
  if "$JAVA_HOME/bin/java" "${flags[@]}" -XX:AOTCacheOutput="$tmp" -jar "$jar" run -- true </dev/null >/dev/null 2>&1 \
      && [ -f "$tmp" ]; then
    mv -f "$tmp" "$aot"
  else
    rm -f "$tmp" "$tmp.config"
  fi
fi
if [ -f "$aot" ]; then
  flags+=(-XX:AOTCache="$aot")
fi
exec "$JAVA_HOME/bin/java" "${flags[@]}" -jar "$jar" "$@"
