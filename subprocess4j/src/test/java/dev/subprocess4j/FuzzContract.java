package dev.subprocess4j;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.fixtures.ContractSupport;
import dev.subprocess4j.fixtures.PropertySeed;
import dev.subprocess4j.internal.Backend;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzing with seeded random values (issue [7]): argv of arbitrary Unicode (unpaired surrogates and
 * NUL included), environment maps, working directories, redirect combinations, resource limits,
 * {@code Shlex.split} input and {@code Shlex.quote} through a real shell. Each case either works
 * with an exact round trip or fails with {@code IllegalArgumentException}/{@code SpawnException}
 * naming the bad value; never another exception, a hang or a leak (the class's leak check).
 *
 * <p>{@value #BATCHES} batches of {@value #PER_BATCH} cases per property ({@value #BATCHES}
 * &times; {@value #PER_BATCH} = 1,000); where one child can check many cases it does (one child
 * prints every argv of a batch). Every batch's name carries the seed:
 * {@code -Dsubprocess4j.seed=N} replays it (see {@link PropertySeed}).
 */
@Timeout(120)
@EveryBackend
public class FuzzContract extends BackendContract {
    static final int BATCHES = 50;
    static final int PER_BATCH = 20;

    @TempDir
    Path dir;

    /**
     * Cases per batch of a property on this backend: {@value #PER_BATCH}; on the jdk backend, 4 of
     * the properties that need one child per case (the working directory, the redirects): one child
     * per case through ProcessBuilder costs several times a native spawn, and 200 such cases suffice.
     */
    protected int casesPerBatch(String property) {
        boolean childPerCase = property.equals("fuzz-cwd") || property.equals("fuzz-redirects");
        return childPerCase && backend().name().equals("jdk") ? 4 : PER_BATCH;
    }

    /** One batch of cases of one property: its random source is fixed by the seed and the index. */
    record Batch(String property, int index) {
        Random random(int caseInBatch) {
            return PropertySeed.random(property, index * PER_BATCH + caseInBatch);
        }

        String describe(int caseInBatch) {
            return PropertySeed.describe(index * PER_BATCH + caseInBatch, property);
        }

        @Override
        public String toString() {
            return PropertySeed.describe(index, property + ", cases " + index * PER_BATCH + "-"
                    + (index * PER_BATCH + PER_BATCH - 1));
        }
    }

    static Stream<Batch> batches(String property) {
        return IntStream.range(0, BATCHES).mapToObj(i -> new Batch(property, i));
    }

    static Stream<Batch> argv() {
        return batches("fuzz-argv");
    }

    static Stream<Batch> env() {
        return batches("fuzz-env");
    }

    static Stream<Batch> cwd() {
        return batches("fuzz-cwd");
    }

    static Stream<Batch> redirects() {
        return batches("fuzz-redirects");
    }

    static Stream<Batch> rlimits() {
        return batches("fuzz-rlimits");
    }

    static Stream<Batch> shlexSplit() {
        return batches("fuzz-shlex-split");
    }

    static Stream<Batch> shlexQuote() {
        return batches("fuzz-shlex-quote");
    }

    // ---- generators ---------------------------------------------------------------------------------

    private static final String SPECIALS = " \t\n\"'\\$`;&|<>(){}[]*?!#~=%^,.:-_/+@";

    /** Any text: ASCII controls, shell specials, every plane, emoji sequences; no NUL or lone surrogate. */
    static String text(Random random, int maxLength) {
        int length = random.nextInt(6) == 0 ? 0 : 1 + random.nextInt(maxLength);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int cp = switch (random.nextInt(10)) {
                case 0, 1, 2 -> SPECIALS.charAt(random.nextInt(SPECIALS.length()));
                case 3, 4 -> 'a' + random.nextInt(26);
                case 5 -> 1 + random.nextInt(0x7f);
                case 6 -> 0x80 + random.nextInt(0x780);
                case 7 -> {
                    int c;
                    do {
                        c = 0x800 + random.nextInt(0x10000 - 0x800);
                    } while (Character.isSurrogate((char) c));
                    yield c;
                }
                case 8 -> 0x1F300 + random.nextInt(0x700);
                default -> 0x10000 + random.nextInt(0x100000);
            };
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /** {@link #text}, now and then with a NUL or an unpaired surrogate put in at a random place. */
    static String maybeBad(Random random, int maxLength, int oneIn) {
        String s = text(random, maxLength);
        if (random.nextInt(oneIn) != 0) {
            return s;
        }
        String poison = switch (random.nextInt(3)) {
            case 0 -> "\0";
            case 1 -> String.valueOf((char) (0xD800 + random.nextInt(0x400)));
            default -> String.valueOf((char) (0xDC00 + random.nextInt(0x400)));
        };
        int at = random.nextInt(s.length() + 1);
        if (at > 0 && at < s.length() && Character.isLowSurrogate(s.charAt(at))) {
            at--; // do not split a pair: that would make a second defect
        }
        return s.substring(0, at) + poison + s.substring(at);
    }

    static boolean bad(String s) {
        return s.indexOf('\0') >= 0 || Validation.unpairedSurrogate(s) >= 0;
    }

    // ---- argv ---------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("argv")
    void anyArgvRoundTripsExactlyOrIsRejectedNamingTheBadArgument(Batch batch) {
        List<String> all = new ArrayList<>(List.of("/bin/sh", "-c", "printf '%s\\0' \"$@\"", "sh"));
        List<String> expected = new ArrayList<>();
        for (int c = 0; c < PER_BATCH; c++) {
            Random random = batch.random(c);
            List<String> args = new ArrayList<>();
            int n = 1 + random.nextInt(6);
            for (int i = 0; i < n; i++) {
                args.add(maybeBad(random, 30, 12));
            }
            int firstBad = IntStream.range(0, n).filter(i -> bad(args.get(i))).findFirst().orElse(-1);
            List<String> argv = new ArrayList<>(List.of("/bin/echo"));
            argv.addAll(args);
            if (firstBad >= 0) {
                IllegalArgumentException e = ContractSupport.thrown(IllegalArgumentException.class,
                        () -> cmd(argv.toArray(String[]::new)));
                assertThat(e.getMessage()).as(batch.describe(c)).contains("argument " + (firstBad + 1))
                        .contains(Validation.printable(args.get(firstBad)));
            } else {
                assertThat(cmd(argv.toArray(String[]::new)).argv()).as(batch.describe(c)).isEqualTo(argv);
                all.addAll(args);
                expected.addAll(args);
            }
        }
        CompletedProcess r = cmd(all.toArray(String[]::new)).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).as(batch::toString).isZero();
        assertThat(r.args()).isEqualTo(all);
        assertThat(nulSeparated(r.stdoutBytes())).as(batch::toString).isEqualTo(expected);
    }

    private static List<String> nulSeparated(byte[] out) {
        String s = new String(out, UTF_8);
        if (s.isEmpty()) {
            return List.of();
        }
        assertThat(s).endsWith("\0");
        return Arrays.asList(s.substring(0, s.length() - 1).split("\0", -1));
    }

    // ---- environment --------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("env")
    void anyEnvironmentRoundTripsExactlyOrIsRejectedNamingTheKeyButNeverTheValue(Batch batch) {
        Map<String, String> merged = new TreeMap<>();
        for (int c = 0; c < PER_BATCH; c++) {
            Random random = batch.random(c);
            Map<String, String> env = new LinkedHashMap<>();
            int n = random.nextInt(6);
            for (int i = 0; i < n; i++) {
                String key = random.nextInt(25) == 0 ? "" : maybeBad(random, 12, 15);
                if (key.isEmpty() && random.nextBoolean()) {
                    key = "K";
                }
                if (random.nextInt(25) == 0) {
                    key = key + "=";
                }
                env.put(key, maybeBad(random, 40, 15));
            }
            boolean valid = env.entrySet().stream().noneMatch(e -> e.getKey().isEmpty() || e.getKey().contains("=")
                    || bad(e.getKey()) || bad(e.getValue()));
            if (!valid) {
                IllegalArgumentException e = ContractSupport.thrown(IllegalArgumentException.class,
                        () -> cmd("true").env(env));
                String message = e.getMessage();
                assertThat(env.keySet().stream().anyMatch(k -> k.isEmpty() ? message.contains("must not be empty")
                        : message.contains(Validation.printable(k)))).as("%s: %s names a key", batch.describe(c), message)
                        .isTrue();
                for (String v : env.values()) {
                    if (v.length() >= 8 && env.keySet().stream().noneMatch(k -> k.contains(v))) {
                        assertThat(message).as(batch.describe(c)).doesNotContain(v);
                    }
                }
            } else {
                String prefix = "F" + c + "_";
                env.forEach((k, v) -> merged.put(prefix + k, v));
            }
        }
        CompletedProcess r = cmd("/usr/bin/env", "-0").env(merged).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).as(batch::toString).isZero();
        Map<String, String> seen = new TreeMap<>();
        for (String entry : nulSeparated(r.stdoutBytes())) {
            int eq = entry.indexOf('=');
            seen.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        assertThat(seen).as(batch::toString).isEqualTo(merged);
    }

    // ---- working directory ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @MethodSource("cwd")
    void anyWorkingDirectoryIsTheChildsOrFailsAtChdirNamingIt(Batch batch) throws IOException {
        for (int c = 0; c < casesPerBatch(batch.property()); c++) {
            Random random = batch.random(c);
            Path path = dir.resolve("b" + batch.index() + "c" + c);
            int depth = 1 + random.nextInt(3);
            for (int i = 0; i < depth; i++) {
                path = path.resolve(fileName(random));
            }
            int kind = random.nextInt(10);
            if (kind < 7) {
                Files.createDirectories(path);
                CompletedProcess r = cmd("/bin/pwd", "-P").cwd(path).stdout(Redirect.PIPE).run();
                assertThat(r.stdoutBytes()).as(batch.describe(c))
                        .isEqualTo((path.toRealPath() + "\n").getBytes(UTF_8));
            } else {
                boolean file = kind == 9;
                if (file) {
                    Files.createDirectories(path.getParent());
                    Files.writeString(path, "not a directory");
                }
                Path cwd = path;
                SpawnException e = ContractSupport.thrown(SpawnException.class, () -> cmd("true").cwd(cwd).run());
                assertThat(e.step()).as(batch.describe(c)).isEqualTo(SpawnException.Step.CHDIR);
                assertThat(e.errnoName()).as(batch.describe(c)).isEqualTo(file ? "ENOTDIR" : "ENOENT");
                assertThat(e.getMessage()).as(batch.describe(c)).endsWith("(chdir): '" + path + "'");
            }
        }
    }

    /** A file name: any text without '/' or NUL, not "." or "..", at most 255 bytes. */
    private static String fileName(Random random) {
        String name = text(random, 20).replace('/', '_').replace('\0', '_');
        while (name.getBytes(UTF_8).length > 200) {
            name = name.substring(0, name.offsetByCodePoints(0, name.codePointCount(0, name.length()) / 2));
        }
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "d" + name : name;
    }

    // ---- redirects ----------------------------------------------------------------------------------

    private enum In { PIPE_INPUT, DEVNULL, READ_FILE, FROM_STREAM, STDOUT_BAD, INPUT_WITH_DEVNULL_BAD }

    private enum Out { PIPE, DEVNULL, FILE, APPEND, LINES, TO_STREAM, STDOUT }

    @ParameterizedTest(name = "{0}")
    @MethodSource("redirects")
    void anyRedirectCombinationDeliversExactlyWhereAskedOrIsRejected(Batch batch) throws IOException {
        for (int c = 0; c < casesPerBatch(batch.property()); c++) {
            Random random = batch.random(c);
            In in = In.values()[random.nextInt(In.values().length)];
            Out out = Out.values()[random.nextInt(Out.values().length)];
            Out err = Out.values()[random.nextInt(Out.values().length)];
            String what = batch.describe(c) + ": stdin " + in + ", stdout " + out + ", stderr " + err;
            String input = text(random, 30).replace('\r', ' ').replace("\0", "") + "\n" + "line 2 \u00e9\n";
            Path inFile = Files.writeString(dir.resolve("in-" + batch.index() + "-" + c), input);
            Path outFile = Files.writeString(dir.resolve("out-" + batch.index() + "-" + c), "old\n");
            Path errFile = Files.writeString(dir.resolve("err-" + batch.index() + "-" + c), "old\n");
            List<String> outLines = Collections.synchronizedList(new ArrayList<>());
            List<String> errLines = Collections.synchronizedList(new ArrayList<>());
            ByteArrayOutputStream outStream = new ByteArrayOutputStream();
            ByteArrayOutputStream errStream = new ByteArrayOutputStream();

            boolean invalid = out == Out.STDOUT || in == In.STDOUT_BAD || in == In.INPUT_WITH_DEVNULL_BAD;
            Command command;
            try {
                command = sh("cat; printf E >&2");
                command = switch (in) {
                    case PIPE_INPUT -> command.input(input);
                    case DEVNULL -> command.stdin(Redirect.DEVNULL);
                    case READ_FILE -> command.stdin(Redirect.read(inFile));
                    case FROM_STREAM -> command.stdin(Redirect.from(new ByteArrayInputStream(input.getBytes(UTF_8))));
                    case STDOUT_BAD -> command.stdin(Redirect.STDOUT);
                    case INPUT_WITH_DEVNULL_BAD -> command.input(input).stdin(Redirect.DEVNULL);
                };
                command = command.stdout(redirect(out, outFile, outLines, outStream))
                        .stderr(redirect(err, errFile, errLines, errStream)).timeout(Duration.ofSeconds(30));
            } catch (IllegalArgumentException e) {
                assertThat(invalid).as("%s: rejected: %s", what, e.getMessage()).isTrue();
                assertThat(e.getMessage()).as(what).containsAnyOf("stdin", "stdout", "input", "STDOUT");
                continue;
            }
            assertThat(invalid).as("%s was accepted", what).isFalse();
            CompletedProcess r = command.run();
            assertThat(r.returnCode()).as(what).isZero();

            String fed = in == In.DEVNULL ? "" : input;
            String stdoutText = err == Out.STDOUT ? fed + "E" : fed;
            String stderrText = err == Out.STDOUT ? null : "E";
            check(what + " (stdout)", out, stdoutText, r.stdoutBytes(), outFile, outLines, outStream);
            if (stderrText != null) {
                check(what + " (stderr)", err, stderrText, r.stderrBytes(), errFile, errLines, errStream);
            } else {
                assertThat(r.stderrBytes()).as(what).isNull();
                assertThat(errFile).as(what).hasContent("old");
            }
        }
    }

    private static Redirect redirect(Out kind, Path file, List<String> lines, ByteArrayOutputStream stream) {
        return switch (kind) {
            case PIPE -> Redirect.PIPE;
            case DEVNULL -> Redirect.DEVNULL;
            case FILE -> Redirect.file(file);
            case APPEND -> Redirect.append(file);
            case LINES -> Redirect.lines(lines::add);
            case TO_STREAM -> Redirect.to(stream);
            case STDOUT -> Redirect.STDOUT;
        };
    }

    private static void check(String what, Out kind, String expected, byte[] captured, Path file, List<String> lines,
            ByteArrayOutputStream stream) throws IOException {
        byte[] bytes = expected.getBytes(UTF_8);
        assertThat(captured).as(what).isEqualTo(kind == Out.PIPE ? bytes : null);
        String fileContent = Files.readString(file);
        assertThat(fileContent).as(what).isEqualTo(kind == Out.FILE ? expected : kind == Out.APPEND ? "old\n" + expected
                : "old\n");
        assertThat(lines).as(what).isEqualTo(kind == Out.LINES ? expected.lines().toList() : List.of());
        assertThat(stream.toByteArray()).as(what).isEqualTo(kind == Out.TO_STREAM ? bytes : new byte[0]);
    }

    // ---- resource limits ----------------------------------------------------------------------------

    /** Limits a short-lived reader survives at any value (or at the floor given). */
    private static final Map<Rlimit, Long> FLOORS = Map.ofEntries(Map.entry(Rlimit.CORE, 0L),
            Map.entry(Rlimit.FSIZE, 0L), Map.entry(Rlimit.NOFILE, 32L), Map.entry(Rlimit.LOCKS, 0L),
            Map.entry(Rlimit.SIGPENDING, 0L), Map.entry(Rlimit.MSGQUEUE, 0L), Map.entry(Rlimit.NICE, 0L),
            Map.entry(Rlimit.RTPRIO, 0L), Map.entry(Rlimit.MEMLOCK, 0L), Map.entry(Rlimit.CPU, 10L),
            Map.entry(Rlimit.NPROC, 0L), Map.entry(Rlimit.AS, 1L << 30), Map.entry(Rlimit.STACK, 8L << 20));
    /** The words of /proc/PID/limits for each resource. */
    private static final Map<Rlimit, String> LIMIT_NAMES = Map.ofEntries(Map.entry(Rlimit.CORE, "Max core file size"),
            Map.entry(Rlimit.FSIZE, "Max file size"), Map.entry(Rlimit.NOFILE, "Max open files"),
            Map.entry(Rlimit.LOCKS, "Max file locks"), Map.entry(Rlimit.SIGPENDING, "Max pending signals"),
            Map.entry(Rlimit.MSGQUEUE, "Max msgqueue size"), Map.entry(Rlimit.NICE, "Max nice priority"),
            Map.entry(Rlimit.RTPRIO, "Max realtime priority"), Map.entry(Rlimit.MEMLOCK, "Max locked memory"),
            Map.entry(Rlimit.CPU, "Max cpu time"), Map.entry(Rlimit.NPROC, "Max processes"),
            Map.entry(Rlimit.AS, "Max address space"), Map.entry(Rlimit.STACK, "Max stack size"));

    private static long randomLimit(Random random, long floor) {
        return switch (random.nextInt(6)) {
            case 0 -> Rlimit.UNLIMITED;
            case 1 -> floor;
            case 2 -> floor + random.nextInt(1000);
            case 3 -> floor + (random.nextLong() >>> 20);
            case 4 -> -1 - random.nextInt(1000); // invalid
            default -> floor + random.nextInt(1 << 20);
        };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rlimits")
    void anyResourceLimitIsTheChildsExactlyOrIsRejectedNamingIt(Batch batch) throws IOException {
        long nrOpen = Long.parseLong(Files.readString(Path.of("/proc/sys/fs/nr_open")).strip());
        Map<Rlimit, Long> jvmHard = new TreeMap<>();
        String limits = proc("/proc/self/limits");
        for (Map.Entry<Rlimit, String> e : LIMIT_NAMES.entrySet()) {
            String line = limits.lines().filter(l -> l.startsWith(e.getValue())).findFirst().orElseThrow();
            String hard = line.substring(26).trim().split("\\s+")[1];
            jvmHard.put(e.getKey(), hard.equals("unlimited") ? Rlimit.UNLIMITED : Long.parseLong(hard));
        }
        String capEff = proc("/proc/self/status").lines().filter(l -> l.startsWith("CapEff:")).findFirst()
                .orElseThrow().substring(7).strip();
        boolean canRaise = (Long.parseUnsignedLong(capEff, 16) & (1L << 24)) != 0; // CAP_SYS_RESOURCE
        for (int c = 0; c < PER_BATCH; c++) {
            Random random = batch.random(c);
            List<Rlimit> resources = new ArrayList<>(FLOORS.keySet());
            resources.sort(null);
            Collections.shuffle(resources, random);
            Command command = cmd("cat", "/proc/self/limits");
            Map<Rlimit, long[]> asked = new LinkedHashMap<>();
            String what = batch.describe(c);
            try {
                for (Rlimit res : resources.subList(0, 1 + random.nextInt(4))) {
                    long soft = randomLimit(random, FLOORS.get(res));
                    long hard = random.nextInt(8) == 0 ? randomLimit(random, FLOORS.get(res))
                            : soft < 0 ? soft : random.nextBoolean() ? soft : Rlimit.UNLIMITED;
                    what += " " + res + "(" + soft + ", " + hard + ")";
                    asked.put(res, new long[] {soft, hard});
                    command = command.rlimit(res, soft, hard);
                }
            } catch (IllegalArgumentException e) {
                long[] last = asked.values().stream().reduce((a, b) -> b).orElseThrow();
                assertThat(last[0] < 0 || last[1] < 0 || last[0] > last[1]).as("%s: rejected: %s", what, e.getMessage())
                        .isTrue();
                Rlimit res = asked.keySet().stream().reduce((a, b) -> b).orElseThrow();
                assertThat(e.getMessage()).as(what).contains("rlimit " + res);
                continue;
            }
            if (!supports(Backend.Feature.RLIMITS)) {
                assertThat(ContractSupport.thrown(UnsupportedOperationException.class, command::run).getMessage())
                        .as(what).contains("rlimit");
                continue;
            }
            // Raising a hard limit needs CAP_SYS_RESOURCE, and NOFILE never goes above fs.nr_open
            List<String> refused = asked.entrySet().stream().filter(a -> a.getValue()[1] > jvmHard.get(a.getKey())
                    && (!canRaise || a.getKey() == Rlimit.NOFILE && a.getValue()[1] > nrOpen))
                    .map(a -> "rlimit(" + a.getKey() + ", ").toList();
            if (!refused.isEmpty()) {
                SpawnException e = ContractSupport.thrown(SpawnException.class, command::run);
                assertThat(e.step()).as(what).isEqualTo(SpawnException.Step.RLIMIT);
                assertThat(e.errnoName()).as(what).isEqualTo("EPERM");
                assertThat(refused.stream().anyMatch(e.getMessage()::contains)).as("%s: %s names one of %s", what,
                        e.getMessage(), refused).isTrue();
                continue;
            }
            CompletedProcess r = command.stdout(Redirect.PIPE).run();
            assertThat(r.returnCode()).as(what).isZero();
            for (Map.Entry<Rlimit, long[]> a : asked.entrySet()) {
                String line = r.stdout().lines().filter(l -> l.startsWith(LIMIT_NAMES.get(a.getKey()))).findFirst()
                        .orElseThrow();
                String[] f = line.substring(26).trim().split("\\s+");
                assertThat(List.of(f[0], f[1])).as(what).containsExactly(shown(a.getValue()[0]), shown(a.getValue()[1]));
            }
        }
    }

    /** A file of /proc, read whole (their size reads as 0). */
    private static String proc(String path) throws IOException {
        try (var in = Files.newInputStream(Path.of(path))) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    private static String shown(long limit) {
        return limit == Rlimit.UNLIMITED ? "unlimited" : Long.toString(limit);
    }

    // ---- Shlex ------------------------------------------------------------------------------------

    private static final String SPLIT_ALPHABET = " \t\n'\"\\#;|&$`*?~=ab\u00e9\u20ac\uD83D\uDE00";

    @ParameterizedTest(name = "{0}")
    @MethodSource("shlexSplit")
    void shlexSplitOfAnyInputGivesWordsThatJoinAndSplitBackOrPythonsError(Batch batch) {
        for (int c = 0; c < PER_BATCH; c++) {
            Random random = batch.random(c);
            int[] alphabet = SPLIT_ALPHABET.codePoints().toArray();
            StringBuilder sb = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                sb.appendCodePoint(random.nextInt(8) == 0 ? text(random, 1).codePoints().findFirst().orElse('x')
                        : alphabet[random.nextInt(alphabet.length)]);
            }
            String input = random.nextInt(20) == 0 ? maybeBad(random, 10, 1) + sb : sb.toString();
            List<String> words;
            try {
                words = Shlex.split(input);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).as(batch.describe(c)).isIn("No closing quotation", "No escaped character");
                continue;
            }
            assertThat(words).as(batch.describe(c)).doesNotContainNull();
            assertThat(Shlex.split(Shlex.join(words))).as(batch.describe(c)).isEqualTo(words);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shlexQuote")
    void aShellPrintsExactlyTheStringShlexQuoted(Batch batch) {
        StringBuilder script = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int c = 0; c < PER_BATCH; c++) {
            String x = maybeBad(batch.random(c), 40, 10);
            if (bad(x)) {
                String s = "printf %s " + Shlex.quote(x);
                assertThat(ContractSupport.thrown(IllegalArgumentException.class, () -> sh(s)).getMessage())
                        .as(batch.describe(c)).contains(Validation.printable(s));
                continue;
            }
            script.append("printf %s ").append(Shlex.quote(x)).append("; printf '\\0'\n");
            expected.add(x);
        }
        CompletedProcess r = sh(script.toString()).stdout(Redirect.PIPE).run();
        assertThat(r.returnCode()).as(batch::toString).isZero();
        assertThat(nulSeparated(r.stdoutBytes())).as(batch::toString).isEqualTo(expected);
    }
}
