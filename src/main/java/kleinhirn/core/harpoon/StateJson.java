package kleinhirn.core.harpoon;

import kleinhirn.core.codec.Escaper;

/**
 * Encodes {@link ContainerState} byte-for-byte as Go's {@code json.Marshal} encoded harpoon's
 * {@code ContainerProcessState}: declaration order, {@code err} and every exit field omitempty
 * (so {@code exit_status} 0 disappears), {@code container_exit_status} always present, and Go's
 * string escaping ({@code <}, {@code >}, {@code &}, U+2028, U+2029 as {@code \}{@code u00XX}).
 */
public final class StateJson {
    private StateJson() {}

    public static String encode(ContainerState s) {
        StringBuilder b = new StringBuilder(200);
        b.append("{\"up\":").append(s.up());
        b.append(",\"restarting\":").append(s.restarting());
        if (s.err() != null && !s.err().isEmpty()) {
            b.append(",\"err\":");
            goString(b, s.err());
        }
        b.append(",\"container_exit_status\":{");
        switch (s.exit()) {
            case ExitReport.None n -> { }
            case ExitReport.Exited e -> {
                b.append("\"exited\":true");
                if (e.code() != 0) b.append(",\"exit_status\":").append(e.code());
            }
            case ExitReport.Signaled g -> {
                b.append("\"signaled\":true");
                if (g.signal() != 0) b.append(",\"signal\":").append(g.signal());
            }
            case ExitReport.Oomed o -> b.append("\"oomed\":true");
        }
        b.append("},\"restarts\":").append(s.restarts());
        b.append(",\"ooms\":").append(s.ooms());
        Metrics m = s.metrics();
        b.append(",\"container_metrics\":{\"cpu_time\":").append(Long.toUnsignedString(m.cpuTime()));
        b.append(",\"memory_usage\":").append(Long.toUnsignedString(m.memoryUsage()));
        b.append(",\"memory_limit\":").append(Long.toUnsignedString(m.memoryLimit()));
        return b.append("}}").toString();
    }

    /** Go's encodeState.string with escapeHTML; a lone surrogate (invalid UTF-8 in Go) becomes U+FFFD. */
    static void goString(StringBuilder b, String s) {
        b.append('"');
        Escaper.GO_JSON.append(b, s);
        b.append('"');
    }
}
