package kleinhirn.core.launch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A worker's environment: ours, without the variables of the protocols that were meant for the
 * supervisor itself (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*, EINHORN_*, KLEINHIRN_*), then
 * worker.env, then the kleinhirn variables, which win.
 */
public final class WorkerEnv {
    private WorkerEnv() {}

    public static boolean meantForUs(String key) {
        return key.equals("NOTIFY_SOCKET") || key.startsWith("WATCHDOG_") || key.startsWith("LISTEN_")
                || key.startsWith("EINHORN_") || key.startsWith("KLEINHIRN_");
    }

    /** Our environment with the supervisor-only variables removed; computed once at start. */
    public static Map<String, String> base(Map<String, String> ours) {
        Map<String, String> env = new LinkedHashMap<>();
        for (var e : ours.entrySet()) if (!meantForUs(e.getKey())) env.put(e.getKey(), e.getValue());
        return env;
    }

    public static List<String> build(Map<String, String> base, Map<String, String> configured, Map<String, String> kleinhirn) {
        Map<String, String> env = new LinkedHashMap<>(base);
        env.putAll(configured);
        env.putAll(kleinhirn);
        List<String> out = new ArrayList<>(env.size());
        for (var e : env.entrySet()) out.add(e.getKey() + "=" + e.getValue());
        return out;
    }
}
