package kleinhirn.core.listen;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * An address for {@code kleinhirn listen}, parsed without touching the network:
 * <pre>
 *   tcp://HOST:PORT[?backlog=N&amp;name=NAME]           HOST: IPv4, [IPv6], a host name, or empty (all IPv4)
 *   unix:///PATH[?mode=0660&amp;backlog=N&amp;name=NAME]   mode: octal permissions of the socket file
 * </pre>
 * {@code name} goes to LISTEN_FDNAMES (default {@value #DEFAULT_NAME}, systemd's name for an
 * unnamed fd); {@code backlog} defaults to the kernel's somaxconn (decided by the binder).
 */
public sealed interface ListenAddress {
    String DEFAULT_NAME = "unknown";

    /** The address as written, for messages. */
    String text();

    String name();

    OptionalInt backlog();

    /** {@code host} is an IP literal without brackets or a name still to be resolved. */
    record Tcp(String text, String host, int port, String name, OptionalInt backlog) implements ListenAddress {}

    record Unix(String text, String path, OptionalInt mode, String name, OptionalInt backlog) implements ListenAddress {}

    /** Why a text is not an address. */
    final class Invalid extends Exception {
        public Invalid(String address, String reason) {
            super("bad address '" + address + "': " + reason);
        }
    }

    static ListenAddress parse(String text) throws Invalid {
        int q = text.indexOf('?');
        String base = q < 0 ? text : text.substring(0, q);
        Map<String, String> opts = options(text, q < 0 ? "" : text.substring(q + 1));
        String name = opts.getOrDefault("name", DEFAULT_NAME);
        if (name.isEmpty() || name.length() > 255 || !name.chars().allMatch(c -> c > ' ' && c < 127 && c != ':')) {
            throw new Invalid(text, "name must be 1-255 printable ASCII characters without ':'");
        }
        OptionalInt backlog = opts.containsKey("backlog") ? OptionalInt.of(number(text, "backlog", opts.get("backlog"), 10, 1, Integer.MAX_VALUE))
                : OptionalInt.empty();
        if (base.startsWith("tcp://")) {
            if (opts.containsKey("mode")) throw new Invalid(text, "mode applies to unix sockets only");
            return tcp(text, base.substring("tcp://".length()), name, backlog);
        }
        if (base.startsWith("unix://")) {
            String path = base.substring("unix://".length());
            if (path.isEmpty()) throw new Invalid(text, "no path (write unix:///run/app.sock)");
            if (path.indexOf('\0') >= 0) throw new Invalid(text, "NUL in path");
            OptionalInt mode = opts.containsKey("mode") ? OptionalInt.of(number(text, "mode", opts.get("mode"), 8, 0, 07777))
                    : OptionalInt.empty();
            return new Unix(text, path, mode, name, backlog);
        }
        throw new Invalid(text, "scheme must be tcp:// or unix://");
    }

    private static Tcp tcp(String text, String hostPort, String name, OptionalInt backlog) throws Invalid {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) throw new Invalid(text, "no port (write tcp://HOST:PORT)");
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) throw new Invalid(text, "unclosed [ in IPv6 host");
            host = host.substring(1, host.length() - 1);
            if (!host.contains(":")) throw new Invalid(text, "[...] holds an IPv6 address");
        } else if (host.contains(":")) {
            throw new Invalid(text, "an IPv6 host goes in brackets: tcp://[::]:PORT");
        } else if (host.isEmpty()) {
            host = "0.0.0.0";
        }
        if (host.contains("/") || host.contains("@")) throw new Invalid(text, "host must be an address or a name");
        int port = number(text, "port", hostPort.substring(colon + 1), 10, 0, 65535);
        return new Tcp(text, host, port, name, backlog);
    }

    private static Map<String, String> options(String text, String query) throws Invalid {
        Map<String, String> opts = new LinkedHashMap<>();
        if (query.isEmpty()) return opts;
        for (String kv : query.split("&", -1)) {
            int eq = kv.indexOf('=');
            String key = eq < 0 ? kv : kv.substring(0, eq);
            if (!key.equals("backlog") && !key.equals("mode") && !key.equals("name")) {
                throw new Invalid(text, "unknown option '" + key + "' (known: backlog, mode, name)");
            }
            if (eq < 0) throw new Invalid(text, key + " needs a value (" + key + "=...)");
            if (opts.put(key, kv.substring(eq + 1)) != null) throw new Invalid(text, key + " given twice");
        }
        return opts;
    }

    private static int number(String text, String what, String digits, int radix, int min, int max) throws Invalid {
        String allowed = radix == 8 ? "[0-7]{1,5}" : "[0-9]{1,10}";
        if (!digits.matches(allowed)) throw new Invalid(text, what + " '" + digits + "' is not a" + (radix == 8 ? "n octal" : "") + " number");
        long v = Long.parseLong(digits, radix);
        if (v < min || v > max) throw new Invalid(text, what + " " + digits + " is out of range");
        return (int) v;
    }
}
