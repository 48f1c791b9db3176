package dev.subprocess4j.internal;

import dev.subprocess4j.internal.jdk.JdkBackend;
import dev.subprocess4j.internal.linux.LinuxBackend;
import java.lang.System.Logger.Level;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Chooses the backend once per JVM: the system property {@code subprocess4j.backend}
 * ({@code linux-native} or {@code jdk}) when set, else the best one available. Remembers why
 * each unavailable backend is unavailable. The only place that looks at the platform.
 *
 * <p>Nothing here is a class initializer that can fail: a bad setting is an
 * {@link IllegalArgumentException} (or, for a forced backend that cannot work here, an
 * {@link IllegalStateException}) thrown by every call, never an {@code Error}. A forced
 * {@code jdk} backend never probes the native one, so it makes no native call at all (and the JDK
 * prints no native-access warning). Only a definite answer is remembered: a transient failure of
 * the probe is thrown to that call and the next call probes again.
 */
public final class BackendSelector {
    /** The system property that forces a backend. */
    public static final String PROPERTY = "subprocess4j.backend";

    private static final Object LOCK = new Object();
    /** The chosen backend; null until a call chose one. */
    private static volatile Backend selected;
    /** The native backend once its probe passed. */
    private static volatile Backend linux;
    /** Why each unavailable backend is unavailable; guarded by {@link #LOCK}. */
    private static final Map<String, String> UNAVAILABLE = new LinkedHashMap<>();

    private BackendSelector() {}

    /**
     * The native backend when it works here, else null with the reason in {@link #UNAVAILABLE}.
     * Call with {@link #LOCK} held.
     */
    private static Backend linux() {
        if (linux != null || UNAVAILABLE.containsKey(LinuxBackend.NAME)) {
            return linux;
        }
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.equals("Linux")) {
            UNAVAILABLE.put(LinuxBackend.NAME, "needs Linux; this is " + os);
        } else if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
            UNAVAILABLE.put(LinuxBackend.NAME, "needs x86_64 or aarch64; this is " + arch);
        } else {
            try {
                linux = LinuxBackend.probe();
            } catch (LinuxBackend.Unavailable e) {
                UNAVAILABLE.put(LinuxBackend.NAME, withFix(e.getMessage()));
            }
        }
        return linux;
    }

    /** A denied native access's reason, with the flag that fixes it (the one for this JVM first). */
    static String withFix(String reason) {
        if (reason == null || !reason.startsWith("native access is denied")) {
            return reason;
        }
        boolean modulePath = BackendSelector.class.getModule().isNamed();
        String classPath = "--enable-native-access=ALL-UNNAMED (class path" + (modulePath ? ")" : "; this JVM)");
        String module = "--enable-native-access=dev.subprocess4j (module path" + (modulePath ? "; this JVM)" : ")");
        return reason + "; run java with " + (modulePath ? module + " or " + classPath : classPath + " or " + module)
                + ", or put Enable-Native-Access: ALL-UNNAMED in an executable jar's manifest";
    }

    /** The backend of this JVM, chosen at the first call that succeeds. */
    public static Backend get() {
        Backend chosen = selected;
        return chosen != null ? chosen : select();
    }

    private static Backend select() {
        synchronized (LOCK) {
            if (selected != null) {
                return selected;
            }
            String forced = System.getProperty(PROPERTY);
            boolean automatic = forced == null || forced.isBlank();
            Backend chosen;
            if (automatic) {
                Backend native_ = linux();
                chosen = native_ != null ? native_ : JdkBackend.INSTANCE;
            } else {
                chosen = byName(forced.strip());
            }
            // On Linux a fallback to the jdk backend loses features: say so where users look.
            Level level = automatic && chosen == JdkBackend.INSTANCE && System.getProperty("os.name", "").equals("Linux")
                    ? Level.INFO : Level.DEBUG;
            UNAVAILABLE.forEach((name, why) ->
                    Log.get().log(level, "subprocess4j: backend {0} unavailable, using {1}: {2}", name, chosen.name(), why));
            Log.get().log(Level.DEBUG, "using backend {0}", chosen.name());
            selected = chosen;
            return chosen;
        }
    }

    /**
     * The backend with this name.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException when that backend is unavailable here, with the reason
     */
    public static Backend byName(String name) {
        return switch (name) {
            case "jdk" -> JdkBackend.INSTANCE;
            case LinuxBackend.NAME -> {
                synchronized (LOCK) {
                    Backend native_ = linux();
                    if (native_ == null) {
                        throw new IllegalStateException(
                                "backend linux-native is unavailable: " + UNAVAILABLE.get(LinuxBackend.NAME));
                    }
                    yield native_;
                }
            }
            default -> throw new IllegalArgumentException(
                    "unknown backend '" + name + "' (-D" + PROPERTY + "): use linux-native or jdk");
        };
    }

    /**
     * Why each unavailable backend is unavailable, by name. Probes the native backend if no call
     * has yet (so with {@code -Dsubprocess4j.backend=jdk} this call, unlike a spawn, makes native calls).
     */
    public static Map<String, String> unavailable() {
        synchronized (LOCK) {
            linux();
            return Collections.unmodifiableMap(new LinkedHashMap<>(UNAVAILABLE));
        }
    }
}
