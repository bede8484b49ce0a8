package kleinhirn.app;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/** execvp(3)'s lookup: a name with a slash is a path; otherwise the first executable file on PATH. */
final class ProgramPath {
    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private ProgramPath() {}

    static Optional<Path> find(String program, String pathVariable) {
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

    private static Optional<Path> runnable(Path p) {
        return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
}
