package kleinhirn.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Our live children, from /proc: the orphans re-parented to us that no table knows about. */
public final class Children {
    private Children() {}

    public static List<Integer> of(int parent) {
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

    /**
     * The last resort of a failing supervisor: SIGKILL each child's process group (workers lead
     * their own) and the child itself. Best effort: errors are ignored on the way out.
     */
    public static void killEveryGroup(int parent) {
        for (int child : of(parent)) {
            try {
                Libc.kill(-child, kleinhirn.core.Sig.KILL);
                Libc.kill(child, kleinhirn.core.Sig.KILL);
            } catch (ErrnoException ignored) {
                // nothing more we can do on the way out
            }
        }
    }

    /** The parent of {@code pid} as /proc says now, or -1 if it is gone. */
    public static int parentOf(int pid) {
        return parentOf(Path.of("/proc", Integer.toString(pid)));
    }

    /** Field 4 of /proc/PID/stat; the comm field (2) may contain spaces and parentheses. */
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
