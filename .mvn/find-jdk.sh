# Finds a JDK 25 or newer and exports JAVA_HOME to it; sourced by ./mvnw and ./sp (POSIX sh).
# Order: JAVA_HOME when it is 25+, then the usual install directories. Prints one sentence and
# returns 1 when there is none.

sp_java_major() { # the feature version of the JDK at $1, or nothing
  [ -x "$1/bin/java" ] || return 0
  sp_v=""
  if [ -f "$1/release" ]; then
    sp_v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  fi
  if [ -z "$sp_v" ]; then
    sp_v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  echo "$sp_v"
}

sp_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ]; then
    sp_m=$(sp_java_major "$JAVA_HOME")
    if [ -n "$sp_m" ] && [ "$sp_m" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for sp_cand in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/*jdk* /usr/local/*jdk* \
                 "${HOME:-/nonexistent}"/.sdkman/candidates/java/* "${HOME:-/nonexistent}"/.jdks/*; do
    [ -d "$sp_cand" ] || continue
    sp_m=$(sp_java_major "$sp_cand")
    if [ -n "$sp_m" ] && [ "$sp_m" -ge 25 ]; then echo "$sp_cand"; return 0; fi
  done
  return 0
}

sp_noglob=""
case $- in *f*) sp_noglob=1; set +f ;; esac # ./mvnw runs with globbing off
sp_jdk=$(sp_find_jdk)
[ -z "$sp_noglob" ] || set -f
if [ -z "$sp_jdk" ]; then
  echo "subprocess4j needs a JDK 25 or newer and found none (JAVA_HOME is ${JAVA_HOME:-unset}; searched /usr/lib/jvm, /usr/java, /opt, /usr/local and ~/.sdkman): install one or point JAVA_HOME at it." >&2
  return 1 2>/dev/null || exit 1
fi
JAVA_HOME=$sp_jdk
export JAVA_HOME
