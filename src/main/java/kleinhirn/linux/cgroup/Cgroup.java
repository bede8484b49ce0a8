package kleinhirn.linux.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import kleinhirn.core.harpoon.Cgroups;
import kleinhirn.core.harpoon.Metrics;

/**
 * A container's cgroup directories, found from {@code /proc/<init>/cgroup} while the init is
 * alive (so we need not know how the runtime resolved {@code harpoon/<id>}). v1 where a memory
 * controller line exists, else the v2 unified path.
 */
public record Cgroup(Path memory, Path cpuacct, Path unified) implements Cgroups.ContainerCgroup {
    /** The host's cgroupfs as the {@link Cgroups} port. */
    public static final Cgroups HOST = new Cgroups() {
        @Override public Cgroups.ContainerCgroup of(int pid) { return Cgroup.of(pid); }

        @Override public boolean swapAccounted() { return Cgroup.swapAccounted(); }
    };

    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    public static Cgroup of(int pid) {
        Path memory = null, cpuacct = null, unified = null;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length < 3) continue;
                String rel = f[2].startsWith("/") ? f[2].substring(1) : f[2];
                if (f[1].isEmpty()) {
                    for (Path base : new Path[] {ROOT, ROOT.resolve("unified")}) {
                        if (Files.exists(base.resolve(rel).resolve("memory.current"))) unified = base.resolve(rel);
                    }
                    continue;
                }
                for (String ctl : f[1].split(",")) {
                    if (ctl.equals("memory")) memory = ROOT.resolve(f[1]).resolve(rel);
                    if (ctl.equals("cpuacct")) cpuacct = ROOT.resolve(f[1]).resolve(rel);
                }
            }
        } catch (IOException gone) {
            // the init is already gone: no metrics, no OOM information for this run
        }
        return new Cgroup(memory, cpuacct, memory == null ? unified : null);
    }

    @Override
    public Metrics metrics() {
        try {
            if (memory != null) {
                long cpu = cpuacct == null ? 0 : num(cpuacct.resolve("cpuacct.usage"));
                return new Metrics(cpu, num(memory.resolve("memory.usage_in_bytes")),
                        field(memory.resolve("memory.stat"), "hierarchical_memory_limit"));
            }
            if (unified != null) {
                String max = Files.readString(unified.resolve("memory.max")).strip();
                return new Metrics(field(unified.resolve("cpu.stat"), "usage_usec") * 1000,
                        num(unified.resolve("memory.current")),
                        max.equals("max") ? Long.MAX_VALUE : Long.parseLong(max));
            }
        } catch (IOException | RuntimeException e) {
            // the cgroup went away with the container
        }
        return Metrics.ZERO;
    }

    /** v1 {@code memory.oom_control}, v2 {@code memory.events}: the {@code oom_kill} counter. */
    @Override
    public boolean oomKilled() {
        try {
            if (memory != null) return field(memory.resolve("memory.oom_control"), "oom_kill") > 0;
            if (unified != null) return field(unified.resolve("memory.events"), "oom_kill") > 0;
        } catch (IOException | RuntimeException e) {
            // no counter (old kernel or cgroup gone): no OOM seen
        }
        return false;
    }

    /** Whether this host can limit memory+swap (the memsw files exist, or v2 swap control). */
    public static boolean swapAccounted() {
        return Files.exists(ROOT.resolve("memory/memory.memsw.limit_in_bytes"))
                || Files.exists(ROOT.resolve("memory.swap.max")) || hasV2Swap();
    }

    private static boolean hasV2Swap() {
        try {
            return Files.readString(ROOT.resolve("cgroup.subtree_control")).contains("memory");
        } catch (IOException e) {
            return false;
        }
    }

    private static long num(Path p) throws IOException {
        return Long.parseUnsignedLong(Files.readString(p).strip());
    }

    private static long field(Path p, String key) throws IOException {
        for (String line : Files.readAllLines(p)) {
            if (line.startsWith(key + " ")) return Long.parseUnsignedLong(line.substring(key.length() + 1).strip());
        }
        throw new IOException(key + " not in " + p);
    }
}
