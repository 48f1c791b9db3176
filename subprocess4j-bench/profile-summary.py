#!/usr/bin/env python3
"""Where a JMH benchmark thread's samples go, from async-profiler's collapsed stacks (threads=true).

Usage: profile-summary.py PROFILE_DIR [JMH_LOG INTERVAL_NS]
       profile-summary.py --compact PROFILE_DIR
--compact replaces async-profiler's <benchmark>/collapsed-EVENT.csv (tens of MB: every lambda form
and stub has its own address, every thread its own stacks) by <Class.method>.collapsed-EVENT.gz:
addresses dropped, the benchmark thread's stacks merged, every other thread one line per
thread name (its sample count), gzipped.
For each <benchmark>/collapsed-*.csv under PROFILE_DIR it prints, for the JMH worker thread, the
share of samples per category and, with JMH_LOG (for the benchmark's mean and the measurement
time) and the sampling interval, microseconds per call: samples x interval / calls, where calls =
measurement time / mean. With event=cpu that is CPU time per call (a thread asleep is not
sampled); with event=wall it is wall time per call.
  kernel: sys_X       in the kernel under system call X (the __x64_sys_X frame; kernel frames end
                      in _[k]); clone3 includes the vfork wait until the child's exec
  kernel: other       kernel entry/exit, page faults, interrupts (no system call frame)
  FFM                 the Java side of downcalls (jdk/internal/foreign, method handle and stub frames)
  java: M             Java code, by its innermost frame M
  libc/JVM: F         native code outside the kernel, by its innermost frame
then the share under each library method (innermost dev/subprocess4j frame, any category), and the
samples of the other threads (reactor, GC, JIT) per thread name.
"""
import collections, glob, gzip, os, re, shutil, sys

SYS = re.compile(r'^(?:__x64_sys_|__se_sys_|__do_sys_|__ia32_sys_)(\w+)_\[k\]$')


def is_java(f):
    return '/' in f and '::' not in f and not f.endswith('_[k]')


def is_ffm(f):
    return (f.startswith(('jdk/internal/foreign/', 'java/lang/invoke/', 'jdk/internal/misc/ScopedMemoryAccess'))
            or 'DowncallStub' in f or 'nep_invoker' in f or f.startswith('java/lang/foreign/'))


def classify(frames):
    for f in frames:
        m = SYS.match(f)
        if m:
            return "kernel: sys_%s" % m.group(1)
    ks = [f for f in frames if f.endswith('_[k]')]
    if ks:
        if any('page_fault' in f for f in ks):
            return "kernel: page fault"
        if any('sysvec' in f or 'irq' in f for f in ks):
            return "kernel: interrupt"
        return "kernel: other (%s)" % ks[0][:-4]
    leaf = frames[-1]
    if is_java(leaf):
        return "FFM (Java side of downcalls)" if is_ffm(leaf) else "java: " + leaf
    if 'nep_invoker' in leaf or 'Stub' in leaf:
        return "FFM (Java side of downcalls)"
    return ("JVM: " if '::' in leaf else "libc: ") + leaf


def wall_group(frames):
    """A wall sample of the benchmark thread by what the thread is doing, from its innermost frames."""
    leaf = frames[-1]
    joined = ';'.join(frames)
    lib = [f for f in frames if f.startswith('dev/subprocess4j/') and '/bench/' not in f]
    inner = lib[-1].rsplit('/', 1)[-1] if lib else None
    if leaf in ('poll', '__poll', '__GI___poll', '__wait4', '__waitpid', 'wait4'):
        return "waiting for the child (poll of the pidfd and pipes; the floor's wait4)"
    if leaf.startswith('__spawni') or leaf == '__spawnix':
        return "posix_spawn until the child has exec'd (clone3, vfork wait)"
    if leaf in ('__GI___mmap', '__GI___munmap', '__munmap', 'mmap64', 'munmap'):
        return "glibc's posix_spawn stack (mmap, munmap)"
    if leaf == 'getrlimit64':
        return "getrlimit in glibc's file-action checks (adddup2, addclosefrom_np)"
    if 'LinkedBlockingQueue' in joined or (inner is None and 'org/openjdk/jmh' in joined and '/' in leaf):
        return "JMH between calls"
    if '/' not in leaf and '::' not in leaf and 'nep_invoker' not in leaf and 'Stub' not in leaf:
        return "system call %s from %s" % (leaf, inner)
    return "Java and FFM glue (%s)" % ("library" if inner else "benchmark")


def library_frame(frames):
    for f in reversed(frames):
        if f.startswith('dev/subprocess4j/') and '/bench/' not in f:
            return f
    return None


def means(log):
    out = {}
    if not log or not os.path.exists(log):
        return out, 0
    seconds = 0
    for line in open(log):
        m = re.match(r'^# Measurement: (\d+) iterations, (\d+) s each', line)
        if m:
            seconds = int(m.group(1)) * int(m.group(2))  # per fork
        m = re.match(r'^(\w+\.\w+)\s+(?:\S+\s+)?sample\s+\d+\s+([\d.]+)', line)
        if m:
            out[m.group(1)] = float(m.group(2))
    forks = 1
    for line in open(log):
        m = re.match(r'^# Fork: \d+ of (\d+)', line)
        if m:
            forks = int(m.group(1))
    return out, seconds * forks


def open_collapsed(path):
    return gzip.open(path, 'rt') if path.endswith('.gz') else open(path)


def collapsed_files(d):
    """(short benchmark name, event, path) for raw or compacted files."""
    out = []
    for path in glob.glob(os.path.join(d, '*', 'collapsed-*.csv')):
        bench = os.path.basename(os.path.dirname(path))
        event = os.path.basename(path)[len('collapsed-'):-len('.csv')]
        out.append(('.'.join(bench.split('-')[0].split('.')[-2:]), event, path))
    for path in glob.glob(os.path.join(d, '*.collapsed-*.gz')):
        name = os.path.basename(path)
        short, _, rest = name.partition('.collapsed-')
        out.append((short, rest[:-3], path))
    return sorted(out)


def compact(d):
    for short, event, path in collapsed_files(d):
        if path.endswith('.gz'):
            continue
        worker = collections.Counter()
        others = collections.Counter()
        for line in open(path):
            stack, _, n = line.rstrip('\n').rpartition(' ')
            if not stack:
                continue
            frames = stack.split(';')
            thread = re.sub(r' tid=\d+', '', frames[0])
            if 'jmh-worker' in thread:
                frames = [thread] + [re.sub(r'0x[0-9a-f]+', '0x', f) for f in frames[1:]]
                worker[';'.join(frames)] += int(n)
            else:
                others[thread] += int(n)
        with gzip.open(os.path.join(d, '%s.collapsed-%s.gz' % (short, event)), 'wt') as out:
            for stack, n in sorted(worker.items()):
                out.write('%s %d\n' % (stack, n))
            for thread, n in sorted(others.items()):
                out.write('%s %d\n' % (thread, n))
        shutil.rmtree(os.path.dirname(path))


def main():
    if sys.argv[1] == '--compact':
        compact(sys.argv[2])
        return
    d = sys.argv[1]
    mean, seconds = means(sys.argv[2] if len(sys.argv) > 2 else None)
    interval_us = int(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0
    for short, event, path in collapsed_files(d):
        worker = collections.Counter()
        groups = collections.Counter()
        inlib = collections.Counter()
        others = collections.Counter()
        total = 0
        for line in open_collapsed(path):
            line = line.rstrip('\n')
            if not line:
                continue
            stack, _, n = line.rpartition(' ')
            n = int(n)
            frames = stack.split(';')
            thread = frames[0]
            if 'jmh-worker' in thread and len(frames) > 1:
                total += n
                worker[classify(frames[1:])] += n
                groups[wall_group(frames[1:])] += n
                inlib[library_frame(frames[1:]) or "(outside the library: JMH, the benchmark)"] += n
            else:
                others[re.sub(r' tid=\d+', '', thread).strip('[]')] += n
        if total == 0:
            continue
        m = mean.get(short)
        calls = seconds * 1e6 / m if m and seconds else 0
        # us/op of n samples; a wall profile samples each thread less often than the interval (a
        # few threads per tick), so there a share of the JMH mean is the better estimate
        if event == 'wall':
            us = m / total if m else None
        else:
            us = interval_us / calls if calls and interval_us else None
        print("### %s: %d samples of the benchmark thread%s" % (short, total,
              (", JMH mean %.0f us/op, us/op = share x mean" % m if event == 'wall' else
               ", JMH mean %.0f us/op, about %.0f calls profiled, us/op = samples x %.0f us / calls (CPU time)"
               % (m, calls, interval_us)) if us else ""))
        print()
        print("| where (benchmark thread) | share | us/op |")
        print("|---|---:|---:|")
        for cat, n in worker.most_common(20):
            share = n / total
            print("| %s | %.1f%% | %s |" % (cat, 100 * share, "%.1f" % (n * us) if us else ""))
        rest = total - sum(n for _, n in worker.most_common(20))
        if rest:
            print("| (the rest) | %.1f%% | %s |" % (100 * rest / total, "%.1f" % (rest * us) if us else ""))
        print("| **all** | 100%% | %s |" % ("%.1f" % (total * us) if us else ""))
        print()
        if event == 'wall':
            print("| what the benchmark thread does (wall) | share | us/op |")
            print("|---|---:|---:|")
            for g, n in groups.most_common(14):
                print("| %s | %.1f%% | %s |" % (g, 100 * n / total, "%.1f" % (n * us) if us else ""))
            print()
        print("| innermost library method on the stack | share | us/op |")
        print("|---|---:|---:|")
        for m, n in inlib.most_common(15):
            print("| %s | %.1f%% | %s |" % (m, 100 * n / total, "%.1f" % (n * us) if us else ""))
        print()
        print("Other threads (samples; benchmark thread %d): %s" % (total, ", ".join(
            "%s %d" % (t, n) for t, n in others.most_common(8))))
        print()


main()
