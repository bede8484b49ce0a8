package kleinhirn.core.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one rule for relative paths in a config file: every path key is relative to the config
 * file's directory, never to the directory kleinhirn was started in. Path keys are
 * {@code supervisor.socket}, {@code worker.cwd}, {@code worker.load}, {@code worker.gemfile},
 * and the programs {@code worker.cmdline[0]} and {@code worker.ruby} when they contain a slash
 * (without one they are looked up on PATH). Applied to the parsed document before it is read,
 * so the reader and {@code kleinhirn check} see absolute paths; values of the wrong type are
 * left for the reader to report.
 */
public final class RelativePaths {
    private RelativePaths() {}

    public static Map<String, Object> resolve(Map<String, Object> doc, Path dir) {
        Map<String, Object> out = new LinkedHashMap<>(doc);
        table(out, "supervisor", t -> {
            path(t, "socket", dir, false);
        });
        table(out, "worker", t -> {
            path(t, "cwd", dir, false);
            path(t, "load", dir, false);
            path(t, "gemfile", dir, false);
            path(t, "ruby", dir, true);
            if (t.get("cmdline") instanceof List<?> argv && !argv.isEmpty() && argv.getFirst() instanceof String program
                    && isRelativePath(program, true)) {
                List<Object> resolved = new ArrayList<>(argv);
                resolved.set(0, absolute(dir, program));
                t.put("cmdline", resolved);
            }
        });
        return out;
    }

    private interface Edit {
        void apply(Map<String, Object> table);
    }

    @SuppressWarnings("unchecked")
    private static void table(Map<String, Object> doc, String name, Edit edit) {
        if (doc.get(name) instanceof Map<?, ?> t) {
            Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) t);
            edit.apply(copy);
            doc.put(name, copy);
        }
    }

    private static void path(Map<String, Object> table, String key, Path dir, boolean onlyWithSlash) {
        if (table.get(key) instanceof String p && isRelativePath(p, onlyWithSlash)) table.put(key, absolute(dir, p));
    }

    /** A program without a slash is a name for PATH; an abstract socket (@name) is no path. */
    private static boolean isRelativePath(String p, boolean onlyWithSlash) {
        if (p.isEmpty() || p.startsWith("/") || p.startsWith("@")) return false;
        return !onlyWithSlash || p.contains("/");
    }

    private static String absolute(Path dir, String p) {
        try {
            return dir.resolve(p).normalize().toString();
        } catch (InvalidPathException e) {
            return p;   // the reader or the spawn reports it
        }
    }
}
