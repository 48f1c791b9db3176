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
 */
public final class BackendSelector {
    /** The system property that forces a backend. */
    public static final String PROPERTY = "subprocess4j.backend";


    private BackendSelector() {}

    private static final class Holder {
        static final Map<String, String> UNAVAILABLE = new LinkedHashMap<>();
        static final Backend LINUX = probeLinux();
        static final Backend SELECTED = select();

        private static Backend probeLinux() {
            String os = System.getProperty("os.name", "");
            String arch = System.getProperty("os.arch", "");
            if (!os.equals("Linux")) {
                UNAVAILABLE.put("linux-native", "needs Linux; this is " + os);
                return null;
            }
            if (!arch.equals("amd64") && !arch.equals("x86_64") && !arch.equals("aarch64")) {
                UNAVAILABLE.put("linux-native", "needs x86_64 or aarch64; this is " + arch);
                return null;
            }
            try {
                return LinuxBackend.INSTANCE;
            } catch (Throwable t) {
                Throwable cause = t;
                while (cause instanceof ExceptionInInitializerError && cause.getCause() != null) {
                    cause = cause.getCause();
                }
                if (cause instanceof IllegalCallerException) {
                    UNAVAILABLE.put("linux-native", "native access is denied (--illegal-native-access=deny, or a module "
                            + "without --enable-native-access): " + cause.getMessage());
                } else {
                    UNAVAILABLE.put("linux-native", cause.toString());
                }
            }
            return null;
        }

        private static Backend select() {
            String forced = System.getProperty(PROPERTY);
            Backend chosen;
            if (forced == null || forced.isBlank()) {
                chosen = LINUX != null ? LINUX : JdkBackend.INSTANCE;
            } else {
                chosen = byName(forced.strip());
            }
            // On Linux a fallback to the jdk backend loses features: say so where users look.
            Level level = System.getProperty("os.name", "").equals("Linux") && chosen == JdkBackend.INSTANCE
                    && (forced == null || forced.isBlank()) ? Level.INFO : Level.DEBUG;
            UNAVAILABLE.forEach((name, why) ->
                    Log.get().log(level, "subprocess4j: backend {0} unavailable, using {1}: {2}", name, chosen.name(), why));
            Log.get().log(Level.DEBUG, "using backend {0}", chosen.name());
            return chosen;
        }
    }

    /** The backend of this JVM, chosen at the first call. */
    public static Backend get() {
        return Holder.SELECTED;
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
            case "linux-native" -> {
                if (Holder.LINUX == null) {
                    throw new IllegalStateException(
                            "backend linux-native is unavailable: " + Holder.UNAVAILABLE.get("linux-native"));
                }
                yield Holder.LINUX;
            }
            default -> throw new IllegalArgumentException(
                    "unknown backend '" + name + "' (-D" + PROPERTY + "): use linux-native or jdk");
        };
    }

    /** Why each unavailable backend is unavailable, by name. */
    public static Map<String, String> unavailable() {
        get();
        return Collections.unmodifiableMap(Holder.UNAVAILABLE);
    }
}
