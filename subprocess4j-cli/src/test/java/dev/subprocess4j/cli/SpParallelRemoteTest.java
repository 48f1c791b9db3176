package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.cli.SpRunTest.Sp;
import dev.subprocess4j.fixtures.SlurmCluster;
import dev.subprocess4j.fixtures.SshServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sp parallel --sshlogin} across two real sshd "hosts" on 127.0.0.1 (two ports, one client
 * key), and {@code --slurm} on a real single-node Slurm; in-process through {@link Main#execute}.
 */
@Timeout(120)
class SpParallelRemoteTest {
    @TempDir
    static Path dir;
    static SshServer one;
    static SshServer two;
    static Path knownHosts;

    @BeforeAll
    static void startServers() throws Exception {
        Files.createDirectories(dir.resolve("one"));
        Files.createDirectories(dir.resolve("two"));
        one = SshServer.start(dir.resolve("one"));
        two = SshServer.start(dir.resolve("two"), dir.resolve("one"));
        knownHosts = dir.resolve("known_hosts");
        Files.writeString(knownHosts, Files.readString(dir.resolve("one/known_hosts"))
                + Files.readString(dir.resolve("two/known_hosts")));
    }

    @AfterAll
    static void stopServers() {
        if (one != null) {
            one.close();
        }
        if (two != null) {
            two.close();
        }
    }

    private static String login(int slots, SshServer s) {
        return slots + "/" + System.getProperty("user.name") + "@127.0.0.1:" + s.port();
    }

    private Sp parallel(List<String> options, String... lines) throws IOException {
        Path jobs = dir.resolve("jobs-" + System.nanoTime());
        Files.writeString(jobs, String.join("\n", lines) + "\n");
        List<String> args = new ArrayList<>(List.of("parallel", "--progress", "never",
                "--ssh-identity", dir.resolve("one/client_key").toString(),
                "--ssh-option", "UserKnownHostsFile=" + knownHosts,
                "--ssh-option", "StrictHostKeyChecking=yes",
                "--ssh-option", "LogLevel=ERROR"));
        args.addAll(options);
        args.add(jobs.toString());
        return SpRunTest.sp(args.toArray(String[]::new));
    }

    @Test
    void jobsSpreadOverTwoHostsAndTheJsonAndSummaryNameThem() throws IOException {
        String[] lines = IntStream.range(0, 12).mapToObj(i -> "sh -c 'sleep 0.3; echo job" + i + "'").toArray(String[]::new);
        Sp r = parallel(List.of("-S", login(2, one) + "," + login(2, two), "--json"), lines);
        assertThat(r.status()).as(r.err()).isZero();
        List<Map<String, Object>> results = r.out().lines().map(TestJson::object).toList();
        assertThat(results).hasSize(12);
        assertThat(results).extracting(m -> ((String) m.get("stdout")).strip())
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 12).mapToObj(i -> "job" + i).toList());
        Map<Object, Long> perHost = results.stream().collect(Collectors.groupingBy(m -> m.get("host"), Collectors.counting()));
        String user = System.getProperty("user.name");
        assertThat(perHost).containsOnlyKeys("ssh " + user + "@127.0.0.1:" + one.port(), "ssh " + user + "@127.0.0.1:" + two.port());
        assertThat(r.err()).contains("sp: hosts: ssh " + user + "@127.0.0.1:" + one.port() + " ")
                .contains(", ssh " + user + "@127.0.0.1:" + two.port() + " ");
    }

    @Test
    void aHostThatCannotBeReachedIsTakenOutAndItsJobsRunOnTheOther() throws IOException {
        int dead = one.port() + 1;
        assertThat(SshServer.listeningPorts()).doesNotContain(dead);
        String deadLogin = "3/" + System.getProperty("user.name") + "@127.0.0.1:" + dead;
        Sp r = parallel(List.of("-S", deadLogin, "-S", login(2, two)), "echo a", "echo b", "echo c", "echo d", "echo e");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out().lines().sorted().toList()).containsExactly("a", "b", "c", "d", "e");
        assertThat(r.err()).contains("sp: 5 jobs, 5 succeeded, 0 failed")
                .contains("127.0.0.1:" + dead + " 0 jobs").contains("127.0.0.1:" + two.port() + " 5 jobs");
    }

    @Test
    void localColonAndATimeoutThatKillsTheRemoteJob() throws IOException {
        Sp r = parallel(List.of("-S", ":," + login(1, one), "--timeout", "1s", "--json"),
                "sh -c 'sleep 30'", "echo quick");
        assertThat(r.status()).isEqualTo(1);
        List<Map<String, Object>> results = r.out().lines().map(TestJson::object).toList();
        assertThat(results).filteredOn(m -> Boolean.TRUE.equals(m.get("timed_out"))).hasSize(1);
    }

    @Test
    void badLoginsAreUsageErrorsNamingTheValue() throws IOException {
        Sp r = parallel(List.of("-S", "0/host"), "true");
        assertThat(r.status()).isEqualTo(255);
        assertThat(r.err()).contains("0/host");
        Sp bad = parallel(List.of("-S", "a b"), "true");
        assertThat(bad.status()).isEqualTo(255);
        assertThat(bad.err()).contains("'a b'");
        Sp opt = parallel(List.of("-S", login(1, one), "--ssh-option", "novalue"), "true");
        assertThat(opt.status()).isEqualTo(255);
        assertThat(opt.err()).contains("novalue");
    }

    @Test
    void slurmRunsEachJobAsAJobStep(@TempDir Path slurmDir) throws Exception {
        try (SlurmCluster cluster = SlurmCluster.start(slurmDir)) {
            Sp r = SpRunTest.sp("parallel", "--progress", "never", "--slurm", "--slurm-conf", cluster.conf().toString(),
                    "-j", "2", "--json", Files.writeString(slurmDir.resolve("jobs"), "echo one\nsh -c 'exit 3'\n").toString());
            assertThat(r.status()).isEqualTo(1);
            List<Map<String, Object>> results = r.out().lines().map(TestJson::object).toList();
            assertThat(results).extracting(m -> m.get("host")).containsOnly("slurm");
            assertThat(results).extracting(m -> ((Number) m.get("returncode")).intValue()).containsExactlyInAnyOrder(0, 3);
        }
    }
}
