package kleinhirn.core.harpoon;

/** {@code container_metrics}: all zero while the container is down or a read failed. */
public record Metrics(long cpuTime, long memoryUsage, long memoryLimit) {
    public static final Metrics ZERO = new Metrics(0, 0, 0);
}
