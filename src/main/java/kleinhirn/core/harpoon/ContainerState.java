package kleinhirn.core.harpoon;

/** The snapshot broadcast on {@code ./control}; {@code err} is {@code null} when unset. */
public record ContainerState(
        boolean up, boolean restarting, String err, ExitReport exit, long restarts, long ooms, Metrics metrics) {}
