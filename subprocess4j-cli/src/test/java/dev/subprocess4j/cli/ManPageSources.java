package dev.subprocess4j.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import picocli.CommandLine;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * Build step, not a test: writes the AsciiDoc sources of sp's man pages (sp.adoc, sp-run.adoc,
 * ...) with picocli-codegen's {@link ManPageGenerator}, from the same command tree that sp runs
 * ({@link Main#commandLine}). The build then turns them into roff with Asciidoctor's manpage
 * back end (subprocess4j-cli/pom.xml). It lives with the tests so that picocli-codegen stays off
 * sp's runtime class path.
 *
 * <p>Usage: {@code ManPageSources OUTPUT_DIR}.
 */
public final class ManPageSources {
    private ManPageSources() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ManPageSources OUTPUT_DIR");
        }
        PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream());
        CommandLine sp = Main.commandLine(nowhere, nowhere);
        File dir = new File(args[0]);
        if (!dir.isDirectory() && !dir.mkdirs()) {
            throw new IOException("cannot create " + dir);
        }
        // One page per command, subcommands included; existing pages are overwritten.
        int status = ManPageGenerator.generateManPage(dir, null, new boolean[0], true, sp.getCommandSpec());
        if (status != 0) {
            throw new IOException("ManPageGenerator failed with status " + status);
        }
    }
}
