package kleinhirn.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Processes;

/** kill(2) and the process table as /proc shows it: our children, and any process's parent. */
public final class KernelProcesses implements Processes {
    @Override
    public boolean kill(int target, int signal) throws ErrnoException {
        return Libc.kill(target, signal);
    }

    /** Our live children, from /proc: the orphans re-parented to us that no table knows about. */
    @Override
    public List<Integer> childrenOf(int parent) {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"))) {
            for (Path p : procs) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
                if (parentOf(p) == parent) out.add(Integer.parseInt(name));
            }
        } catch (IOException e) {
            // /proc unreadable: nothing we can signal
        }
        return out;
    }

    @Override
    public OptionalInt parentOf(int pid) {
        int parent = parentOf(Path.of("/proc", Integer.toString(pid)));
        return parent < 0 ? OptionalInt.empty() : OptionalInt.of(parent);
    }

    /** Field 4 of /proc/PID/stat, or -1 if it is gone; the comm field (2) may contain spaces and parentheses. */
    private static int parentOf(Path proc) {
        try {
            String stat = Files.readString(proc.resolve("stat"));
            int close = stat.lastIndexOf(')');
            String[] rest = stat.substring(close + 2).split(" ", 3);
            return Integer.parseInt(rest[1]);
        } catch (IOException | RuntimeException e) {
            return -1; // gone meanwhile
        }
    }
}
