package kleinhirn.core.port;

import java.util.List;

/**
 * What to start. {@code fds} are placed at 3, 4, ... in the child, in order (fds.get(0) -> 3);
 * stdin/stdout/stderr are inherited unless {@code stdout}/{@code stderr} name another fd; every
 * other descriptor is closed in the child. {@code cwd} may be null (inherit).
 */
public record SpawnSpec(List<String> argv, List<String> env, String cwd, List<Integer> fds,
                        boolean ownProcessGroup, int stdout, int stderr) {
    public SpawnSpec {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        fds = List.copyOf(fds);
        if (argv.isEmpty()) throw new IllegalArgumentException("empty argv");
    }

    public SpawnSpec(List<String> argv, List<String> env, String cwd, List<Integer> fds, boolean ownProcessGroup) {
        this(argv, env, cwd, fds, ownProcessGroup, 1, 2);
    }
}
