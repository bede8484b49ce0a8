package kleinhirn.core.harpoon;

import java.time.Duration;
import java.util.List;

/**
 * harpoon-supervisor's command line in Go {@code flag} syntax: {@code -x v}, {@code --x v},
 * {@code -x=v}, {@code --x=v}; booleans take no value (or {@code =true}); parsing stops at
 * {@code --} (consumed) or the first non-flag. {@code --ID} is an alias of {@code --id}.
 */
public final class Cli {
    private Cli() {}

    public record Options(String hostname, String id, String runtime, Duration metricsInterval,
                          Duration stopTimeout, Duration runtimeTimeout, List<String> command) {}

    /** How long one call of the OCI runtime may take before its process group is killed. */
    public static final Duration DEFAULT_RUNTIME_TIMEOUT = Duration.ofSeconds(30);

    /** What main should do. Exit codes: 0 version/help, 1 missing flag, 2 bad flag (Go's). */
    public sealed interface Parsed {
        record Run(Options options) implements Parsed {}
        record Version() implements Parsed {}
        record Help() implements Parsed {}
        record Fail(int code, String message, boolean usage) implements Parsed {}
    }

    public static final String USAGE = """
            Usage of harpoon-supervisor:
              harpoon-supervisor --hostname HOST --id ID [flags] [--] COMMAND [ARGS...]
              -hostname string
                \thostname of the container
              -id string
                \tcontainer ID (also --ID)
              -metrics-interval duration
                \tinterval between metrics states (default 3s)
              -runtime string
                \tOCI runtime: a name on PATH or a path (default "runc")
              -runtime-timeout duration
                \tdeadline of each call of the runtime; then its process group is killed (default 30s)
              -stop-timeout duration
                \tescalate stop to kill after this (default 0: never)
              -version
                \tprint version and exit
            Exit codes: 0 after exit or a signal-driven stop; 1 missing flags or unusable ./control; 2 bad flags.
            """;

    public static Parsed parse(List<String> args) {
        String hostname = "", id = "", runtime = "runc";
        Duration metrics = Duration.ofSeconds(3), stopTimeout = Duration.ZERO, runtimeTimeout = DEFAULT_RUNTIME_TIMEOUT;
        boolean version = false;
        int i = 0;
        while (i < args.size()) {
            String a = args.get(i);
            if (a.length() < 2 || a.charAt(0) != '-') break;
            int dashes = a.charAt(1) == '-' ? 2 : 1;
            if (dashes == 2 && a.length() == 2) { i++; break; }
            String name = a.substring(dashes);
            if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
                return new Parsed.Fail(2, "bad flag syntax: " + a, true);
            }
            i++;
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) { value = name.substring(eq + 1); name = name.substring(0, eq); }
            switch (name) {
                case "version" -> {
                    if (value == null || value.equals("true") || value.equals("1")) version = true;
                    else if (!(value.equals("false") || value.equals("0"))) {
                        return new Parsed.Fail(2, "invalid boolean value \"" + value + "\" for -version", true);
                    }
                }
                case "h", "help" -> { return new Parsed.Help(); }
                case "hostname", "id", "ID", "runtime", "metrics-interval", "stop-timeout", "runtime-timeout" -> {
                    if (value == null) {
                        if (i >= args.size()) return new Parsed.Fail(2, "flag needs an argument: -" + name, true);
                        value = args.get(i++);
                    }
                    switch (name) {
                        case "hostname" -> hostname = value;
                        case "id", "ID" -> id = value;
                        case "runtime" -> runtime = value;
                        default -> {
                            try {
                                Duration d = GoDuration.parse(value);
                                switch (name) {
                                    case "stop-timeout" -> stopTimeout = d;
                                    case "runtime-timeout" -> runtimeTimeout = d;
                                    default -> metrics = d;
                                }
                            } catch (IllegalArgumentException e) {
                                return new Parsed.Fail(2, "invalid value \"" + value + "\" for flag -" + name + ": parse error", true);
                            }
                        }
                    }
                }
                default -> { return new Parsed.Fail(2, "flag provided but not defined: -" + name, true); }
            }
        }
        if (version) return new Parsed.Version();
        if (hostname.isEmpty()) return new Parsed.Fail(1, "hostname not supplied", false);
        if (id.isEmpty()) return new Parsed.Fail(1, "container ID not supplied", false);
        if (metrics.isNegative() || metrics.isZero()) return new Parsed.Fail(2, "-metrics-interval must be positive", true);
        if (runtimeTimeout.isNegative() || runtimeTimeout.isZero()) return new Parsed.Fail(2, "-runtime-timeout must be positive", true);
        return new Parsed.Run(new Options(hostname, id, runtime, metrics, stopTimeout, runtimeTimeout, List.copyOf(args.subList(i, args.size()))));
    }
}
