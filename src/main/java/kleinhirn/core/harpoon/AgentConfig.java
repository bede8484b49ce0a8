package kleinhirn.core.harpoon;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The parts of harpoon's {@code agent.ContainerConfig} the supervisor uses. Maps keep the file's
 * order; absent keys are Go zero values (empty, 0, {@code null} durations as {@link Duration#ZERO}).
 */
public record AgentConfig(
        Map<String, String> env,
        String workingDir,
        List<String> exec,
        long memMb,
        double cpu,
        long fd,
        Map<String, Long> tmp,
        Map<String, String> volumes,
        Duration graceStartup,
        Duration graceShutdown,
        RestartPolicy restart) {

    /** The original's default was 4069, a typo for this. */
    public static final long DEFAULT_FDS = 4096;

    public long fdLimit() { return fd == 0 ? DEFAULT_FDS : fd; }

    public String cwd() { return workingDir.isEmpty() ? "/" : workingDir; }
}
