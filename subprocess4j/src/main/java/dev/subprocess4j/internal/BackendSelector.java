package dev.subprocess4j.internal;

import dev.subprocess4j.internal.jdk.JdkBackend;
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

    private static final System.Logger LOG = System.getLogger("dev.subprocess4j");

    private BackendSelector() {}

    private static final class Holder {
        static final Map<String, String> UNAVAILABLE = new LinkedHashMap<>();
        static final Backend SELECTED = select();

        private static Backend select() {
            String linuxProblem = linuxNativeUnavailability();
            if (linuxProblem != null) {
                UNAVAILABLE.put("linux-native", linuxProblem);
            }
            String forced = System.getProperty(PROPERTY);
            Backend chosen;
            if (forced == null || forced.isBlank()) {
                chosen = JdkBackend.INSTANCE;
            } else {
                chosen = byName(forced.strip());
            }
            UNAVAILABLE.forEach((name, why) ->
                    LOG.log(Level.DEBUG, "backend {0} unavailable: {1}", name, why));
            LOG.log(Level.DEBUG, "using backend {0}", chosen.name());
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
            case "linux-native" -> throw new IllegalStateException(
                    "backend linux-native is unavailable: " + Holder.UNAVAILABLE.get("linux-native"));
            default -> throw new IllegalArgumentException(
                    "unknown backend '" + name + "' (-D" + PROPERTY + "): use linux-native or jdk");
        };
    }

    /** Why each unavailable backend is unavailable, by name. */
    public static Map<String, String> unavailable() {
        get();
        return Collections.unmodifiableMap(Holder.UNAVAILABLE);
    }

    private static String linuxNativeUnavailability() {
        String os = System.getProperty("os.name", "");
        if (!os.equals("Linux")) {
            return "needs Linux; this is " + os;
        }
        return "the Linux native backend is not in this build (it arrives with issue [2])";
    }
}
