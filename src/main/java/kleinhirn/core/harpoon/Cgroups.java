package kleinhirn.core.harpoon;

/** Port: the container's cgroup, read from the kernel's cgroupfs by the real one. */
public interface Cgroups {
    /** The cgroup of a running container, found while its init {@code pid} is alive. */
    ContainerCgroup of(int pid);

    /** Whether this host can limit memory+swap (the OCI spec sets swap only then). */
    boolean swapAccounted();

    /** One container's cgroup; reads never throw (a cgroup that went away reads as zero). */
    interface ContainerCgroup {
        /** All three or all zero: any failed read zeroes the sample, as the original did. */
        Metrics metrics();

        /** Whether the kernel OOM-killed anything in this cgroup during this run. */
        boolean oomKilled();
    }
}
