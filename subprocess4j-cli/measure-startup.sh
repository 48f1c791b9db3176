#!/usr/bin/env bash
# Start-up of `./sp run -- true` against /bin/true alone: the median wall time of N runs of each
# variant (default 20), in milliseconds, measured with `date +%s%N` around each run (no hyperfine
# needed), and the median CPU time (user+sys, from bash's `time`), which a busy machine disturbs
# less. Variants run interleaved, one run of each per round, so a busy moment hurts all alike.
# Usage: subprocess4j-cli/measure-startup.sh [N]      (builds sp first if needed)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-20}
. "$root/.mvn/find-jdk.sh"
jar=$root/subprocess4j-cli/target/subprocess4j-cli.jar
aot=$root/subprocess4j-cli/target/sp-$(basename "$JAVA_HOME").aot
jsa=$root/subprocess4j-cli/target/measure.jsa
"$root/sp" run -- true          # builds when needed, then writes the AOT cache
"$root/sp" run -- true          # runs with it
# As ./sp runs it (native access from the manifest).
java=("$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xlog:aot=off -Xlog:cds=off
  -XX:+UnlockDiagnosticVMOptions -XX:-AOTReplayTraining) # as ./sp runs JDK 25
# For comparison: a dynamic AppCDS archive of the same run (what ./sp used before the AOT cache).
rm -f "$jsa"
"${java[@]}" -XX:+AutoCreateSharedArchive -XX:SharedArchiveFile="$jsa" -jar "$jar" run -- true

declare -A names=(
  [a]="/bin/true"
  [b]="./sp run -- true (launcher, AOT cache)"
  [c]="java -jar, same flags, AOT cache"
  [f]="java -jar, same flags, dynamic AppCDS archive"
  [d]="java -jar, same flags, JDK's default CDS only"
  [e]="java -jar, same flags, -Xshare:off"
)
run() {
  case $1 in
    a) /bin/true ;;
    b) "$root/sp" run -- true ;;
    c) "${java[@]}" -XX:AOTCache="$aot" -jar "$jar" run -- true ;;
    f) "${java[@]}" -XX:SharedArchiveFile="$jsa" -jar "$jar" run -- true ;;
    d) "${java[@]}" -jar "$jar" run -- true ;;
    e) "${java[@]}" -Xshare:off -jar "$jar" run -- true ;;
  esac
}
declare -A times cpus
TIMEFORMAT='%3U %3S'
for ((i = 0; i < n; i++)); do
  for v in a b c f d e; do
    t0=$(date +%s%N)
    cpu=$( { time run "$v" >/dev/null 2>&1; } 2>&1 )
    t1=$(date +%s%N)
    times[$v]+="$(( (t1 - t0) / 1000 )) "
    cpus[$v]+="$(awk -v u="${cpu% *}" -v s="${cpu#* }" 'BEGIN {printf "%d", (u + s) * 1000000}') "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.1f", m/1000}'; }
base=$(echo "${times[a]}" | median)
cbase=$(echo "${cpus[a]}" | median)
printf '%-46s %9s %9s %9s %9s\n' "median of $n runs, $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)" \
  "wall ms" "added" "CPU ms" "added"
for v in a b c f d e; do
  m=$(echo "${times[$v]}" | median)
  c=$(echo "${cpus[$v]}" | median)
  printf '%-46s %9s %9s %9s %9s\n' "${names[$v]}" "$m" "$(awk -v m="$m" -v b="$base" 'BEGIN {printf "%.1f", m - b}')" \
    "$c" "$(awk -v m="$c" -v b="$cbase" 'BEGIN {printf "%.1f", m - b}')"
done
