/**
 * subprocess4j: run other programs with Python's {@code subprocess} semantics.
 *
 * <p>Only {@code dev.subprocess4j} is exported; everything under {@code dev.subprocess4j.internal}
 * is implementation and may change in any release.
 *
 * <h2>System properties</h2>
 * <ul>
 *   <li>{@code subprocess4j.backend}: {@code linux-native} or {@code jdk} forces a backend; when
 *       unset, the best backend available on this platform is chosen once, at first use, and the
 *       reason any other is unavailable is logged at DEBUG.</li>
 * </ul>
 *
 * <h2>Native code</h2>
 * The options that need code in the child between fork and exec ({@code rlimit}, {@code umask},
 * {@code passFds}, {@code killOnParentExit}, {@code user}, {@code group}, {@code extraGroups}) use
 * C code shipped in this jar, placed at first use in sealed {@code memfd_create} files (where
 * memfd is unavailable: in a directory the library makes with mode 0700 and removes again at
 * once) and used only through the open fd, so that no other user can swap or change it.
 * {@code -Dsubprocess4j.nativeFiles=memfd} or {@code =directory} allows only one of the two.
 *
 * <h2>Native access</h2>
 * The Linux backend calls the C library through {@code java.lang.foreign}; run with
 * {@code --enable-native-access=dev.subprocess4j} (module path) or
 * {@code --enable-native-access=ALL-UNNAMED} (class path) to avoid the JDK's warning; an
 * executable jar says {@code Enable-Native-Access: ALL-UNNAMED} in its manifest.
 *
 * <h2>JFR</h2>
 * Every child is a {@code dev.subprocess4j.Spawn} event, committed at its exit, and a spawn that
 * starts none a {@code dev.subprocess4j.SpawnFailed} event; both are on in JFR's default settings
 * and hold no environment value. The module requires {@code jdk.jfr} (in every JDK image; a
 * {@code requires static} would leave the events out of module-path applications, where an
 * optional module is not resolved unless something else asks for it).
 */
module dev.subprocess4j {
    requires jdk.jfr;

    exports dev.subprocess4j;
}
