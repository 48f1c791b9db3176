package dev.subprocess4j.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run of the {@code sp} script's AOT cache (JDK 25, JEP 483/514/515): {@code sp run --
 * true}, then {@code sp parallel -j 2 true ::: 1 ... 100}, in one JVM, their output dropped, so that
 * the cache holds what both load and link. Not a command of sp's: the script runs it with
 * {@code -XX:AOTCacheOutput} once after each build.
 */
public final class AotTraining {
    private AotTraining() {}

    /** Runs the training commands; exits with 0 when each of them succeeded, else 1. */
    public static void main(String[] args) {
        System.setProperty("java.util.logging.config.class", SpLogging.class.getName());
        PrintStream none = new PrintStream(OutputStream.nullOutputStream(), false, UTF_8);
        List<String> parallel = new ArrayList<>(List.of("parallel", "-j", "2", "true", ":::"));
        for (int i = 1; i <= 100; i++) {
            parallel.add(Integer.toString(i));
        }
        int run = Main.execute(new String[] {"run", "--", "true"}, none, none);
        int par = Main.execute(parallel.toArray(String[]::new), none, none);
        System.exit(run == 0 && par == 0 ? 0 : 1);
    }
}
