#!/usr/bin/env bash
# P9 (issue [17]): `sp parallel` against `xargs -P` and GNU parallel, N trivial jobs (`true N`),
# side by side, interleaved: each round runs every contender once for each case (sp then xargs in
# odd rounds, xargs then sp in even ones, then GNU parallel):
#   sp       seq N | ./sp parallel -j J true          (each job's stdout and stderr captured)
#   xargs    seq N | xargs -P J -n 1 true             (nothing captured)
#   parallel seq N | parallel -j J true               (GNU parallel; captures like sp)
# Cases: N=5,000 at -j 2 and -j 8, and N=50,000 at -j 2 (sp and xargs only; GNU parallel takes
# minutes there: BIG_PARALLEL=1 adds it). Every command's wall time, from the start of the pipeline
# to its end (the JVM's start-up included), gives jobs/s; the peak RSS is that of the biggest process
# the timing helper waited for (for sp: its JVM; `./sp` execs java). Medians over the rounds, then
# sp/xargs and sp/GNU parallel (targets: sp/xargs >= 1.0, sp/parallel >= 3.0), and sp's peak RSS
# at 5,000 and 50,000 (memory flat: about equal). Also sp/xargs per round ("paired": the two ran
# one after the other) and their median, which the VM's speed drifting between rounds moves less.
# Usage: subprocess4j-bench/parallel-throughput.sh [ROUNDS] [N] [BIG_N]   (default 3 5000 50000)
#   BIG_N=0 skips the big case; JOBS="2 8" picks the -j values for N. Raw: target/parallel-raw.txt.
# GNU parallel missing: apt-get install parallel (Debian's package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
rounds=${1:-3}
n=${2:-5000}
big=${3:-50000}
jobs=${JOBS:-2 8}
out=$here/target
mkdir -p "$out"
raw=$out/parallel-raw.txt
: > "$raw"
command -v python3 >/dev/null || { echo "parallel-throughput.sh needs python3" >&2; exit 1; }
have_parallel=1
if ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
  echo "GNU parallel not found (apt-get install parallel): left out" >&2
  have_parallel=0
fi
"$root/sp" parallel -j 1 true ::: warm >/dev/null 2>&1 # builds sp on first use, outside the timing
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores, Linux $(uname -r)"
echo "sp: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?'); $(xargs --version | head -n 1); $( [ $have_parallel = 1 ] && parallel --version | head -n 1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Runs one shell command line, prints "wall-seconds peak-rss-KiB" (the biggest waited-for process).
measure() {
  python3 - "$1" <<'EOF'
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(["/bin/bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - t
if r.returncode != 0:
    sys.exit("failed (%d): %s\n%s" % (r.returncode, sys.argv[1], r.stderr.decode(errors="replace")[-2000:]))
print("%.4f %d" % (wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
EOF
}

one() { # $1 case label, $2 contender, $3 jobs, $4 command line
  local m
  m=$(measure "$4")
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${m% *}" "${m#* }" >> "$raw"
}

for round in $(seq 1 "$rounds"); do
  for j in $jobs; do
    c="$n jobs, -j $j"
    if (( round % 2 )); then
      one "$c" sp "$n" "seq $n | '$root/sp' parallel -j $j true"
      one "$c" xargs "$n" "seq $n | xargs -P $j -n 1 true"
    else # even rounds: xargs first, so neither always runs right after GNU parallel or first
      one "$c" xargs "$n" "seq $n | xargs -P $j -n 1 true"
      one "$c" sp "$n" "seq $n | '$root/sp' parallel -j $j true"
    fi
    [ $have_parallel = 1 ] && one "$c" "GNU parallel" "$n" "seq $n | parallel -j $j true"
  done
  if [ "$big" -gt 0 ]; then
    c="$big jobs, -j 2"
    if (( round % 2 )); then
      one "$c" sp "$big" "seq $big | '$root/sp' parallel -j 2 true"
      one "$c" xargs "$big" "seq $big | xargs -P 2 -n 1 true"
    else
      one "$c" xargs "$big" "seq $big | xargs -P 2 -n 1 true"
      one "$c" sp "$big" "seq $big | '$root/sp' parallel -j 2 true"
    fi
    [ $have_parallel = 1 ] && [ "${BIG_PARALLEL:-0}" = 1 ] && one "$c" "GNU parallel" "$big" "seq $big | parallel -j 2 true"
  fi
  echo "round $round done, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$raw" <<'EOF'
import collections, statistics, sys
rows = collections.defaultdict(list)
order = []
for line in open(sys.argv[1]):
    case, who, n, wall, rss = line.rstrip("\n").split("\t")
    if (case, who) not in rows:
        order.append((case, who))
    rows[(case, who)].append((int(n) / float(wall), int(rss)))
print()
print("%-22s %-13s %12s %10s %14s" % ("case", "contender", "jobs/s", "rounds", "peak RSS MiB"))
med = {}
for case, who in order:
    v = rows[(case, who)]
    rate = statistics.median(x[0] for x in v)
    rss = statistics.median(x[1] for x in v) / 1024
    med[(case, who)] = rate
    print("%-22s %-13s %12.0f %10s %14.1f" % (case, who, rate, " ".join("%.0f" % x[0] for x in v), rss))
print()
for case in dict.fromkeys(c for c, _ in order):
    sp = med.get((case, "sp"))
    if sp is None:
        continue
    parts = []
    if (case, "xargs") in med:
        parts.append("sp/xargs %.2fx (>= 1.0)" % (sp / med[(case, "xargs")]))
        # Each round's pair (run one after the other) too: the VM's speed drifts between rounds.
        pairs = [a[0] / b[0] for a, b in zip(rows[(case, "sp")], rows[(case, "xargs")])]
        parts.append("paired %s, median %.2fx" % (" ".join("%.2f" % r for r in pairs), statistics.median(pairs)))
    if (case, "GNU parallel") in med:
        parts.append("sp/GNU parallel %.2fx (>= 3.0)" % (sp / med[(case, "GNU parallel")]))
    print("%-22s %s" % (case, ", ".join(parts)))
EOF
