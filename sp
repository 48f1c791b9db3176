#!/usr/bin/env bash
# sp — the subprocess4j command line. Builds itself on first use (and after a source change),
# then runs. Needs a JDK 25 or newer: JAVA_HOME when it is one, else one installed under the
# usual directories. Usage: ./sp run [options] -- command [args...]   (./sp --help)
# Works through symlinks to it and from any directory: ln -s "$PWD/sp" ~/.local/bin/sp
set -euo pipefail

# The repository is where this script really is: a symlink to it (such as one on the PATH) is
# followed, link by link, whatever the current directory.
self=${BASH_SOURCE[0]}
# (`bash sp` names the script without a directory: the current one when it is there, else PATH's)
case $self in */*) ;; *) if [ -e "$self" ]; then self=./$self; else self=$(command -v -- "$self"); fi ;; esac
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
  # The man pages only for sp man (below): they take the build from ~15 s to ~1 min.
  man=true
  [ "${1:-}" = man ] && man=false
  if ! (cd "$root" && ./mvnw -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
        -Dsp.man.skip=$man -pl subprocess4j-cli -am package </dev/null >&2); then
    echo "sp: the build failed; see the Maven output above." >&2
    exit 125
  fi
fi

# sp man: the man pages, which ./sp's own build above leaves out. They are built here when missing
# or older than the jar; `sp man --install [DIR]` copies them to DIR/man1 (default
# ${XDG_DATA_HOME:-~/.local/share}/man, which man finds when ~/.local/bin is on PATH; else add DIR
# to MANPATH); `sp man --path` prints the directory to add to MANPATH without installing;
# `sp man [COMMAND]` shows sp's (or sp COMMAND's) page.
if [ "${1:-}" = man ]; then
  shift
  pages=$root/subprocess4j-cli/target/man
  if [ ! -f "$pages/man1/sp.1" ] || [ "$stamp" -nt "$pages/man1/sp.1" ]; then
    echo "sp: building the man pages..." >&2
    if ! (cd "$root" && ./mvnw -q -B -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
          -pl subprocess4j-cli -am package </dev/null >&2); then
      echo "sp: the build failed; see the Maven output above." >&2
      exit 125
    fi
  fi
  case ${1:-} in
    --install)
      dir=${2:-${XDG_DATA_HOME:-$HOME/.local/share}/man}
      if [ $# -gt 2 ]; then
        echo "sp: man --install takes one DIR, not: ${*:3}" >&2
        echo "Try 'sp man --help' for more information." >&2
        exit 125
      fi
      mkdir -p -- "$dir/man1" && cp -- "$pages"/man1/sp*.1 "$dir/man1/" || exit 125
      echo "sp: man pages installed in $dir/man1: man sp, man sp-run, man sp-parallel, ..." >&2
      if command -v manpath >/dev/null 2>&1; then
        case :$(manpath 2>/dev/null): in
          *:"$dir":* | *:"${dir%/}":*) ;;
          *) echo "sp: $dir is not on man's path: export MANPATH=\"$dir:\" (in ~/.profile)" >&2 ;;
        esac
      fi
      exit 0 ;;
    --path)
      printf '%s\n' "$pages"
      exit 0 ;;
    -h | --help)
      echo "Usage: sp man [COMMAND] | sp man --install [DIR] | sp man --path"
      echo "Shows sp's man page (sp COMMAND's with COMMAND), installs the pages into DIR/man1"
      echo "(default \${XDG_DATA_HOME:-~/.local/share}/man), or prints the directory to add to MANPATH."
      exit 0 ;;
    -*)
      echo "sp: man: unknown option '$1'" >&2
      echo "Try 'sp man --help' for more information." >&2
      exit 125 ;;
    '') exec man -l "$pages/man1/sp.1" ;;
    *)
      if [ ! -f "$pages/man1/sp-$1.1" ]; then
        echo "sp: man: no page for '$1'" >&2
        exit 125
      fi
      exec man -l "$pages/man1/sp-$1.1" ;;
  esac
fi

# JDK 25's AOT cache (JEP 483, 514, 515: classes loaded and linked, lambdas resolved, method
# profiles) of one training run (AotTraining: `sp run -- true`, then `sp parallel -j 2 true` with
# 100 jobs, in one JVM; the same class path as `-jar`), made once after each build, cuts the JVM's
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
  if "$JAVA_HOME/bin/java" "${flags[@]}" -XX:AOTCacheOutput="$tmp" -cp "$jar" dev.subprocess4j.cli.AotTraining \
      </dev/null >/dev/null 2>&1 \
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
