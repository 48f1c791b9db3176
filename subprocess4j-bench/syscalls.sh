#!/usr/bin/env bash
# System calls per call, counted with strace -f (deterministic, unlike timings on a shared
# machine): the library's Subprocess.run("/bin/true") and run("/bin/echo", "test") with
# captureOutput(), the FFM floor (posix_spawn + waitpid of /bin/true through FFM), and the C loop
# (cloop.c) for both. The JVM loops warm up first; only the N calls between two marker stat()s
# are counted. Per call, by thread: the caller, the reactor, other JVM threads, the child before
# its execve (what posix_spawn runs in the child) and the program after it. "true" and "echo" reuse one
# Command (QuickBench's way), "fresh-true" and "fresh-echo" build a new one per call (a user's way);
# WORKS="true floor" picks some.
# Usage: subprocess4j-bench/syscalls.sh [N] [warm-up]    (default 500 calls after 2000 warm-up)
# Writes results/syscalls.txt. Needs strace; SKIP_BUILD=1 uses the jar already built; JAR=/path/to/benchmarks.jar
# counts another build (before/after a change; OUT=file writes elsewhere).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
. "$root/.mvn/find-jdk.sh"
out=$here/target
jar=${JAR:-$out/benchmarks.jar}
n=${1:-500}
warm=${2:-2000}
if [ -z "${JAR:-}" ] && { [ "${SKIP_BUILD:-0}" != 1 ] || [ ! -f "$jar" ]; }; then
  (cd "$root" && ./mvnw -B -q package -DskipTests -pl subprocess4j-bench -am)
fi
mkdir -p "$out" "$here/results"
cc -O2 -o "$out/cloop" "$here/cloop.c"
command -v strace >/dev/null || { echo "syscalls.sh needs strace" >&2; exit 1; }

summarize() { # $1 = strace -f output, $2 = calls, $3 = title, $4 = 1 when the whole trace counts (C)
  python3 - "$1" "$2" "$3" "${4:-0}" <<'EOF'
import collections, re, sys
path, n, title, whole = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
line_re = re.compile(r'^(\d+)\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()')
counting = whole
main = None
exec_seen = set()
roles = collections.defaultdict(collections.Counter)
first_pid = None
for line in open(path, errors="replace"):
    m = line_re.match(line)
    if not m or m.group(2):
        continue  # signals, exits, "resumed" halves of calls counted at their start
    tid, name = int(m.group(1)), m.group(3)
    if first_pid is None:
        first_pid = tid
    if '"/s4j-mark-begin"' in line:
        counting, main = True, tid
        continue
    if '"/s4j-mark-end"' in line:
        break
    if not counting:
        continue
    if whole and main is None:
        main = first_pid
    if name == "execve" and tid != main:
        exec_seen.add(tid)
        roles["child before exec"][name] += 1
        continue
    if tid == main:
        role = "caller"
    elif tid in exec_seen:
        role = "program after exec"
    else:
        role = "t%d" % tid
    roles[role][name] += 1
# A JVM thread is the reactor when it calls epoll_wait; a tid that later execs was a child.
merged = collections.defaultdict(collections.Counter)
for role, c in roles.items():
    if role.startswith("t"):
        tid = int(role[1:])
        if tid in exec_seen:
            role = "child before exec"
        elif c.get("epoll_wait") or c.get("epoll_pwait"):
            role = "reactor"
        else:
            role = "other JVM threads"
    merged[role].update(c)
print("## %s (%d calls)" % (title, n))
total = 0
for role in ["caller", "reactor", "other JVM threads", "child before exec", "program after exec"]:
    c = merged.get(role)
    if not c:
        continue
    s = sum(c.values())
    if role != "program after exec":
        total += s
    detail = ", ".join("%s %.2f" % (k, v / n) for k, v in c.most_common())
    print("%-20s %6.2f per call: %s" % (role, s / n, detail))
print("%-20s %6.2f per call (caller + reactor + other JVM threads + child before exec)" % ("library side", total / n))
print()
EOF
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, Linux $(uname -r), $(ldd --version | head -n 1)"
  echo "git: $(cd "$root" && git rev-parse --short HEAD)$(cd "$root" && git diff --quiet HEAD -- subprocess4j/src || echo ' (modified)'); jar: $jar"
  echo "calls counted: $n after $warm of warm-up; strace -f; per call"
  echo
  for work in ${WORKS:-true fresh-true echo fresh-echo floor}; do
    strace -f -qq -o "$out/strace-$work.txt" "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
      -cp "$jar" dev.subprocess4j.bench.SyscallLoop "$work" "$warm" "$n" >/dev/null
    case $work in
      true) title='library Subprocess.run("/bin/true")' ;;
      echo) title='library run("/bin/echo", "test") with captureOutput()' ;;
      floor) title='FFM floor: posix_spawn + waitpid of /bin/true' ;;
      fresh-true) title='library Subprocess.run("/bin/true"), a new Command per call' ;;
      fresh-echo) title='library Subprocess.command("/bin/echo", "test").captureOutput().run(), a new Command per call' ;;
    esac
    summarize "$out/strace-$work.txt" "$n" "$title"
  done
  for work in true echo; do
    strace -f -qq -o "$out/strace-c-$work.txt" "$out/cloop" "$n" "$work" >/dev/null
    summarize "$out/strace-c-$work.txt" "$n" "C loop $work (whole process, start-up included)" 1
  done
} | tee "${OUT:-$here/results/syscalls.txt}"
