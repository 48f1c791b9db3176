/**
 * subprocess4j: run other programs with Python's {@code subprocess} semantics.
 *
 * <p>Only {@code dev.subprocess4j} is exported; everything under {@code dev.subprocess4j.internal}
 * is implementation and may change in any release, and so is {@code dev.subprocess4j.cliaccess}
 * (what the command line, on the class path, uses beyond the API).
 *
 * <h2>System properties</h2>
 * <ul>
 *   <li>{@code subprocess4j.backend}: {@code linux-native} or {@code jdk} forces a backend; when
 *       unset, the best backend available on this platform is chosen once, at first use: a fall
 *       back to {@code jdk} on Linux is logged at INFO with its reason, the reasons on other
 *       platforms at DEBUG.</li>
 *   <li>{@code subprocess4j.sharedFdTable}: {@code false} turns the shared-table clone off (read at
 *       every spawn): each spawn then copies the JVM's fd table ({@code posix_spawn}, or the
 *       child-setup clone for the options that need it).</li>
 *   <li>{@code subprocess4j.nativeFiles}: {@code memfd} or {@code directory} allows only that one
 *       way of placing the C code (below); unset tries memfd first.</li>
 *   <li>{@code subprocess4j.libcSyscall}: {@code true} makes the backend's system calls go
 *       through the C library's {@code syscall} instead of the shipped C code's (for tests).</li>
 * </ul>
 *
 * <h2>Native code</h2>
 * The Linux backend's spawns run C code shipped in this jar (compiled by the build for each
 * platform it had a compiler for): by default a child is cloned sharing the JVM's memory and fd
 * table ({@code CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD}) and takes a table of its own
 * holding only fds 0-2 and the slots it needs ({@code close_range(CLOSE_RANGE_UNSHARE)}), so a
 * spawn never copies the JVM's fds; the same code sets resource limits, the umask and the
 * parent-death signal. {@code passFds} and {@code closeFds(false)} clone without
 * {@code CLONE_FILES}, and user or group changes execute a helper program first. On a kernel
 * without {@code close_range(CLOSE_RANGE_UNSHARE)} every clone copies the fd table; without that
 * code (a platform the jar has none for), a command without those options is started with
 * {@code posix_spawn} and one with them is refused. The code is placed at first
 * use in sealed {@code memfd_create} files (where memfd is unavailable: in a directory the library
 * makes with mode 0700 and removes again at once) and used only through the open fd, so that no
 * other user can swap or change it.
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
