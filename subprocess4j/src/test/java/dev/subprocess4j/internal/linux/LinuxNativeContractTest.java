package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.BackendContract;
import dev.subprocess4j.Command;
import dev.subprocess4j.CompletedProcess;
import dev.subprocess4j.Popen;
import dev.subprocess4j.Redirect;
import dev.subprocess4j.ResourceUsage;
import dev.subprocess4j.Signal;
import dev.subprocess4j.Subprocess;
import dev.subprocess4j.TimeoutExpiredException;
import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What only the linux-native backend can do: sessions, groups, any signal, rusage, clean children. */
class LinuxNativeContractTest extends BackendContract {

    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }

    @Test
    void isTheDefaultBackendOnLinux() {
        assertThat(Subprocess.backend()).isEqualTo("linux-native");
    }

    /** Fields 5 and 6 of /proc/PID/stat: the process group and the session of the child shell. */
    private long[] groupAndSession(Command c) {
        String out = c.captureOutput().run().stdout().strip();
        return Arrays.stream(out.split(" ")).mapToLong(Long::parseLong).toArray();
    }

    private static final String PGID_SID_PID = "set -- $(cat /proc/$$/stat); echo $5 $6 $$";

    @Test
    void startNewSessionMakesTheChildLeaderOfItsOwnSessionAndGroup() {
        long[] v = groupAndSession(sh(PGID_SID_PID).startNewSession());
        assertThat(v[0]).as("pgid").isEqualTo(v[2]);
        assertThat(v[1]).as("sid").isEqualTo(v[2]);
    }

    @Test
    void processGroupZeroMakesANewGroupInTheSameSession() throws Exception {
        long[] v = groupAndSession(sh(PGID_SID_PID).processGroup(0));
        String[] self = Files.readString(Path.of("/proc/self/stat")).split("\\) ")[1].split(" ");
        long jvmSession = Long.parseLong(self[3]);
        assertThat(v[0]).as("pgid").isEqualTo(v[2]);
        assertThat(v[1]).as("sid").isEqualTo(jvmSession);
    }

    @Test
    void anySignalReachesTheChildAndItsTrapRuns() throws Exception {
        try (Popen p = sh("trap 'echo got USR1; exit 5' USR1; echo ready; while :; do sleep 0.05; done")
                .stdout(Redirect.PIPE).start()) {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("ready");
            p.sendSignal(Signal.SIGUSR1);
            assertThat(r.readLine()).isEqualTo("got USR1");
            assertThat(p.waitFor()).isEqualTo(5);
        }
    }

    @Test
    void aSignalDeathReadsAsMinusTheSignalEvenWhenSomeoneElseSentIt() {
        CompletedProcess r = sh("kill -USR2 $$").run();
        assertThat(r.returnCode()).isEqualTo(-12);
        assertThat(r.signal()).contains(Signal.SIGUSR2);
    }

    @Test
    void signalAfterReapIsANoOp() {
        try (Popen p = cmd("/bin/true").start()) {
            assertThat(p.waitFor()).isZero();
            p.sendSignal(Signal.SIGKILL);
            p.terminate();
            assertThat(p.returnCode()).hasValue(0);
        }
    }

    @Test
    void signalGroupReachesEveryProcessOfTheChildsGroup(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("grandchild-died");
        Path trapped = dir.resolve("grandchild-trapped");
        try (Popen p = sh("sh -c 'trap \"touch " + marker + "; exit 0\" TERM; touch " + trapped
                + "; while :; do sleep 0.05; done' & trap 'wait; exit 3' TERM; echo ready; while :; do sleep 0.05; done")
                .processGroup(0).stdout(Redirect.PIPE).start()) {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.stdout(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("ready");
            for (long end = System.nanoTime() + 20_000_000_000L; !Files.exists(trapped) && System.nanoTime() < end; ) {
                Thread.sleep(10); // until the grandchild has set its trap
            }
            p.signalGroup(Signal.SIGTERM);
            assertThat(p.waitFor()).isEqualTo(3);
            assertThat(marker).exists();
        }
    }

    @Test
    void usageIsPresentAndPlausible() {
        CompletedProcess r = sh("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done").run();
        ResourceUsage u = r.usage().orElseThrow();
        assertThat(u.userCpu().plus(u.systemCpu())).isPositive();
        // The child shares the JVM's memory until its exec, and the kernel keeps that memory's
        // high-water mark in ru_maxrss at the exec: a small shell's own peak cannot be told apart.
        assertThat(u.maxRssBytes()).as("JVM peak %d", jvmPeakRssBytes()).isEmpty();
        assertThat(u.minorFaults()).isPositive();
    }

    private static long jvmPeakRssBytes() {
        try {
            return java.nio.file.Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("VmHWM:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                    .findFirst().orElseThrow();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theChildStartsWithAnEmptySignalMaskAndNothingIgnored() {
        String status = cmd("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status").captureOutput().run().stdout();
        assertThat(status).contains("SigBlk:\t0000000000000000");
        long ignored = Long.parseUnsignedLong(status.lines().filter(l -> l.startsWith("SigIgn:")).findFirst().orElseThrow()
                .substring(7).strip(), 16);
        // Signals 1-31 (bits 0-30) at their defaults; glibc keeps its internal real-time signals 32 and 33 ignored.
        assertThat(ignored & 0x7fffffffL).as("ignored signals among 1-31, as a bit mask").isZero();
    }

    private static final MethodHandle DUP = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("dup").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));

    @Test
    void theChildSeesOnlyFdsZeroToTwoEvenWhenTheJvmHoldsAThousandInheritableFds() throws Throwable {
        List<Integer> opened = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                opened.add((int) DUP.invokeExact(0)); // dup() never sets FD_CLOEXEC
            }
            String out = sh("for f in /proc/$$/fd/*; do echo ${f##*/}; done").captureOutput().run().stdout();
            Set<Integer> childFds = out.lines().map(Integer::parseInt).collect(Collectors.toCollection(TreeSet::new));
            assertThat(childFds).contains(0, 1, 2);
            assertThat(childFds).doesNotContainAnyElementsOf(opened);
            assertThat(childFds.stream().filter(fd -> fd > 2)).as("fds beyond 0-2 (the shell's own directory fd at most)")
                    .hasSizeLessThanOrEqualTo(1);
        } finally {
            for (int fd : opened) {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
    }

    @Test
    void aChildWithItsStdioInheritedSeesOnlyFdsZeroToTwoEvenWhenTheJvmHoldsAThousandInheritableFds(@TempDir Path dir)
            throws Throwable {
        // No pipe and no redirect file: the shared-table child keeps fds 0-2 only from its unshare on
        // (no slot to take its stdio from), so the JVM's fds below the slot limit must not leak either.
        Path listing = dir.resolve("fds");
        List<Integer> opened = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                opened.add((int) DUP.invokeExact(0)); // dup() never sets FD_CLOEXEC
            }
            assertThat(sh("for f in /proc/$$/fd/*; do echo ${f##*/}; done > '" + listing + "'").run().returnCode()).isZero();
            Set<Integer> childFds = Files.readString(listing).lines().map(Integer::parseInt)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(childFds).contains(0, 1, 2);
            assertThat(childFds).doesNotContainAnyElementsOf(opened);
            assertThat(childFds.stream().filter(fd -> fd > 2))
                    .as("fds beyond 0-2 (the shell's own: its saved stdout and the glob's directory at most)")
                    .hasSizeLessThanOrEqualTo(2);
        } finally {
            for (int fd : opened) {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        }
    }

    @Test
    void closeFdsFalseLetsInheritableFdsThrough() throws Throwable {
        int fd = (int) DUP.invokeExact(0);
        try {
            String out = sh("test -e /proc/$$/fd/" + fd + " && echo open || echo closed").closeFds(false)
                    .captureOutput().run().stdout();
            assertThat(out).isEqualTo("open\n");
        } finally {
            int ignored = (int) CLOSE.invokeExact(fd);
        }
    }

    /** 'gone' or a zombie waiting for init: either way it no longer runs. */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    @Timeout(20)
    void aTimeoutKillsTheWholeNewSessionGrandchildrenToo(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        long t0 = System.nanoTime();
        try {
            sh("sleep 30 & echo $! > " + pidFile + "; echo started; sleep 30")
                    .startNewSession().captureOutput().timeout(Duration.ofMillis(300)).run();
            throw new AssertionError("expected a timeout");
        } catch (TimeoutExpiredException e) {
            assertThat(e.stdout()).isEqualTo("started\n");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        long grandchild = Long.parseLong(Files.readString(pidFile).strip());
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (running(grandchild) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(running(grandchild)).as("grandchild %d still running", grandchild).isFalse();
    }

    @Test
    @Timeout(60)
    void aThousandConcurrentChildrenRunOnOneReactorThread() throws Exception {
        int before = Thread.getAllStackTraces().size();
        List<Popen> children = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                children.add(cmd("sleep", "0.5").stdout(Redirect.PIPE).start());
            }
            int during = Thread.getAllStackTraces().size();
            assertThat(during - before).as("platform threads added while 1,000 children run").isLessThanOrEqualTo(1);
            List<CompletableFuture<CompletedProcess>> exits = children.stream().map(Popen::onExit).toList();
            for (CompletableFuture<CompletedProcess> f : exits) {
                assertThat(f.get().returnCode()).isZero();
            }
        } finally {
            for (Popen p : children) {
                p.kill();
                p.close();
            }
        }
    }
}
