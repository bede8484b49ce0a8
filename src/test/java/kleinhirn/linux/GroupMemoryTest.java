package kleinhirn.linux;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Against the real kernel: a group's private pages are counted, shared ones are not. */
class GroupMemoryTest {
    private static final long MIB = 1 << 20;

    /**
     * A group of two python processes (setsid makes the first the leader): the parent touches
     * 40 MiB before it forks, the child touches 30 MiB of its own after. The parent's 40 MiB are
     * shared copy-on-write with the child, so they count for neither.
     */
    @Test
    void sumsPrivateMemoryOverTheGroupAndLeavesSharedPagesOut() throws Exception {
        String script = """
                import os, sys, time
                def touch(n):
                    b = bytearray(n << 20)
                    for i in range(0, len(b), 4096): b[i] = 1
                    return b
                shared = touch(40)
                if os.fork() == 0:
                    own = touch(30)
                    print("child", flush=True)
                    time.sleep(60)
                    os._exit(0)
                print("parent", flush=True)
                time.sleep(60)
                """;
        Process p = new ProcessBuilder("setsid", "python3", "-c", script).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            assertTrue(Set.of("child", "parent").contains(out.readLine()));
            assertTrue(Set.of("child", "parent").contains(out.readLine()));
            int group = (int) p.pid();
            Map<Integer, Long> unique = GroupMemory.uniqueBytes(Set.of(group, Integer.MAX_VALUE));
            assertEquals(Set.of(group), unique.keySet(), "a group with no process is left out");
            long bytes = unique.get(group);
            assertTrue(bytes >= 30 * MIB, "the child's own pages count: " + bytes / MIB + " MiB");
            assertTrue(bytes < 60 * MIB, "the 40 MiB shared by parent and child do not: " + bytes / MIB + " MiB");
        } finally {
            p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
