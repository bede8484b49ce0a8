package kleinhirn.linux;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import kleinhirn.core.config.Config;

/** execvp(3)'s lookup: a name with a slash is a path; otherwise the first executable file on PATH. */
public final class ProgramPath {
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private ProgramPath() {}

    public static Optional<Path> find(String program, String pathVariable) {
        try {
            if (program.isEmpty()) return Optional.empty();
            if (program.contains("/")) return runnable(Path.of(program));
            for (String dir : (pathVariable == null ? DEFAULT_PATH : pathVariable).split(":", -1)) {
                Optional<Path> p = runnable(Path.of(dir.isEmpty() ? "." : dir, program));
                if (p.isPresent()) return p;
            }
            return Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * For {@code kleinhirn check}: the worker program (cmdline[0]) or the loader's ruby that
     * would not start because it is not found on PATH or not an executable file.
     */
    public static List<String> missingPrograms(Config cfg, String pathVariable) {
        String key = switch (cfg.worker()) {
            case Config.Worker.Program p -> "worker.cmdline[0]";
            case Config.Worker.Ruby r -> "worker.ruby";
        };
        String program = switch (cfg.worker()) {
            case Config.Worker.Program p -> p.cmdline().getFirst();
            case Config.Worker.Ruby r -> r.ruby();
        };
        if (find(program, pathVariable).isPresent()) return List.of();
        return List.of(cfg.file() + ": " + key + ": " + (program.contains("/")
                ? "\"" + program + "\" is not an executable file"
                : "\"" + program + "\" is not on PATH (" + (pathVariable == null ? DEFAULT_PATH : pathVariable) + ")"));
    }

    private static Optional<Path> runnable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
}
