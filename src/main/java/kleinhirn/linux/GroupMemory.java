package kleinhirn.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Unique memory of process groups: Private_Clean + Private_Dirty of /proc/PID/smaps_rollup,
 * summed over every process in the group.
 *
 * <p>Why not RSS: a preloaded worker's RSS counts every page it shares copy-on-write with the
 * loader and its siblings, so it starts high and says nothing about what recycling would free.
 * Private pages are the ones only this process maps: what its exit gives back. Why the group: a
 * worker that forks helpers (a shell wrapper, a job runner) owns their memory too.
 *
 * <p>Reading smaps_rollup walks the page tables of the target (a few ms for a large process) and
 * /proc is scanned once per call: call it off the event loop.
 */
public final class GroupMemory {
    private GroupMemory() {}

    /** Unique bytes per group leader in {@code groups}; a group with no live process is left out. */
    public static Map<Integer, Long> uniqueBytes(Set<Integer> groups) {
        Map<Integer, Long> out = new HashMap<>();
        if (groups.isEmpty()) return out;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : procs) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                int group = groupOf(p);
                if (!groups.contains(group)) continue;
                long bytes = privateBytes(p);
                if (bytes >= 0) out.merge(group, bytes, Long::sum);
            }
        } catch (IOException e) {
            // /proc unreadable: no figures this round
        }
        return out;
    }

    /** Field 5 (pgrp) of /proc/PID/stat, or -1 if gone; the comm field may contain spaces and parentheses. */
    static int groupOf(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 4);
            return Integer.parseInt(rest[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Private_Clean + Private_Dirty in bytes, or -1 if the process is gone (or not ours to read). */
    static long privateBytes(Path proc) {
        try {
            long kb = 0;
            for (String l : Files.readAllLines(proc.resolve("smaps_rollup"))) {
                if (l.startsWith("Private_Clean:") || l.startsWith("Private_Dirty:")) kb += kilobytes(l);
            }
            return kb * 1024;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long kilobytes(String line) {
        String[] f = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        return Long.parseLong(f[0]); // the kernel always reports kB
    }
}
