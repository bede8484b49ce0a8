package kleinhirn.reaping;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import kleinhirn.core.ExitStatus;
import kleinhirn.core.Sig;
import kleinhirn.linux.ChannelPairs;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.linux.FdSocketChannel;
import kleinhirn.linux.KernelEntropy;
import kleinhirn.linux.Libc;
import kleinhirn.linux.PosixSpawner;
import kleinhirn.linux.Reaper;
import kleinhirn.core.port.SpawnSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native layer against the real kernel. This JVM reaps with waitpid(-1), so it runs in its
 * own Surefire execution, never beside a test that uses ProcessBuilder.
 */
class NativeAdaptersTest {
    record Reaped(int pid, ExitStatus status) {}

    static final LinkedBlockingQueue<Reaped> REAPED = new LinkedBlockingQueue<>();
    static Reaper reaper;
    static PosixSpawner spawner;
    static ChannelPairs pairs;

    @BeforeAll
    static void setUp() throws Exception {
        Libc.setChildSubreaper();
        reaper = new Reaper(new Reaper.Sink() {
            @Override public void reaped(int pid, ExitStatus status) { REAPED.add(new Reaped(pid, status)); }
            @Override public void noChildren() {}
            // The tests waiting for a reap then time out; this says why.
            @Override public void failed(Throwable cause) { cause.printStackTrace(); }
        });
        reaper.start();
        spawner = new PosixSpawner(reaper::childAdded);
        pairs = ChannelPairs.create();
    }

    @AfterAll
    static void tearDown() {
        pairs.close();
    }

    static SpawnSpec sh(String script, List<Integer> fds) {
        return new SpawnSpec(List.of("sh", "-c", script), List.of("PATH=/usr/bin:/bin"), null, fds, true);
    }

    static Reaped awaitReaped(int pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<Reaped> others = new ArrayList<>();
        try {
            while (System.nanoTime() < deadline) {
                Reaped r = REAPED.poll(100, TimeUnit.MILLISECONDS);
                if (r == null) continue;
                if (r.pid() == pid) return r;
                others.add(r);
            }
            return fail("pid " + pid + " was not reaped in time");
        } finally {
            REAPED.addAll(others);
        }
    }

    @Test
    void aStreamPairCarriesBytesBothWaysAndCloseWakesABlockedReader() throws Exception {
        var pair = pairs.openStream();
        try (var theirs = new FdSocketChannel(pair.theirs())) {
            var ours = pair.ours();
            theirs.write(ByteBuffer.wrap("ready\n".getBytes(StandardCharsets.UTF_8)));
            ByteBuffer in = ByteBuffer.allocate(64);
            assertEquals(6, ours.read(in));
            assertEquals("ready\n", new String(in.array(), 0, 6, StandardCharsets.UTF_8));
            ours.write(ByteBuffer.wrap("{\"op\":\"spawn\"}\n".getBytes(StandardCharsets.UTF_8)));
            in.clear();
            assertEquals(15, theirs.read(in));

            // A reader blocked on an idle pair is woken by close() from another thread, and the
            // fd is released only after it has left the read.
            LinkedBlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
            Thread reader = Thread.ofPlatform().name("fdsock-reader").start(() -> {
                try {
                    outcome.add(ours.read(ByteBuffer.allocate(16)));
                } catch (IOException e) {
                    outcome.add(e);
                }
            });
            kleinhirn.Await.until(java.time.Duration.ofSeconds(10), "the reader sleeps in read(2)", () -> sleepingThread("fdsock-reader"));
            ours.close();
            Object r = outcome.poll(10, TimeUnit.SECONDS);
            assertNotNull(r, "close() did not wake the blocked reader");
            assertTrue(r.equals(-1) || r instanceof java.nio.channels.AsynchronousCloseException, String.valueOf(r));
            reader.join(10_000);
            assertFalse(ours.isOpen());
            assertThrows(java.nio.channels.ClosedChannelException.class, () -> ours.read(ByteBuffer.allocate(1)));
        }
    }

    @Test
    void getrandomFillsEveryByteAndNeverRepeats() {
        byte[] a = KernelEntropy.INSTANCE.bytes(4096), b = KernelEntropy.INSTANCE.bytes(4096);
        assertEquals(4096, a.length);
        assertFalse(java.util.Arrays.equals(a, b));
        // 4096 bytes of zeros at the tail would mean a short read was taken for a full one.
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOfRange(a, 3072, 4096), new byte[1024]));
        assertEquals(0, KernelEntropy.INSTANCE.bytes(0).length);
        assertNotEquals(KernelEntropy.INSTANCE.nextLong(), KernelEntropy.INSTANCE.nextLong());
    }

    @Test
    void reapsExitCodesAndSignals() throws Exception {
        int a = spawner.spawn(sh("exit 3", List.of()));
        assertEquals(new ExitStatus.Exited(3), awaitReaped(a).status());
        int b = spawner.spawn(sh("kill -USR1 $$; sleep 5", List.of()));
        assertEquals(new ExitStatus.Signaled(Sig.USR1, false), awaitReaped(b).status());
    }

    @Test
    void missingProgramFailsSynchronously() {
        var e = assertThrows(ErrnoException.class, () -> spawner.spawn(
                new SpawnSpec(List.of("/nonexistent/prog"), List.of(), null, List.of(), true)));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void childSeesOnlyStdioAndItsPairedSocketInItsOwnGroup() throws Exception {
        var pair = pairs.open();
        try (var ours = pair.ours()) {
            int pid = spawner.spawn(sh(
                    "echo \"fds=$(ls /proc/self/fd | sort -n | tr '\\n' ' ')pg=$(ps -o pgid= -p $$ | tr -d ' ')\" >&3", List.of(pair.theirs())));
            Libc.close(pair.theirs());
            String line = readAll(ours);
            // ls itself opens one directory fd (the highest number) while listing.
            assertTrue(line.startsWith("fds=0 1 2 3 4 pg=" + pid) || line.startsWith("fds=0 1 2 3 pg=" + pid), line);
            assertEquals(new ExitStatus.Exited(0), awaitReaped(pid).status());
        }
    }

    @Test
    void orphanedGrandchildIsReapedByUs() throws Exception {
        var pair = pairs.open();
        try (var ours = pair.ours()) {
            int pid = spawner.spawn(sh("sleep 0.2 >/dev/null 2>&1 3>&- & echo $! >&3; exit 0", List.of(pair.theirs())));
            Libc.close(pair.theirs());
            int grandchild = Integer.parseInt(readAll(ours).trim());
            awaitReaped(pid);
            assertEquals(new ExitStatus.Exited(0), awaitReaped(grandchild).status());
        }
    }

    @Test
    void killOfAGoneProcessIsNotAnError() throws Exception {
        int pid = spawner.spawn(sh("exit 0", List.of()));
        awaitReaped(pid);
        assertFalse(Libc.kill(-pid, Sig.TERM));
    }

    private static String readAll(java.nio.channels.SocketChannel ch) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(256);
        while (ch.read(b) >= 0) {
            out.write(b.array(), 0, b.position());
            b.clear();
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void swappedSourcesReachTheirTargetsIntact() throws Exception {
        // Two pairs whose child ends are placed crosswise; each child end says which pair it is.
        var a = pairs.open();
        var b = pairs.open();
        try (var oursA = a.ours(); var oursB = b.ours()) {
            // fds: b's end -> 3, a's end -> 4; echo into 3 must reach b, into 4 must reach a.
            int pid = spawner.spawn(sh("echo to-b >&3; echo to-a >&4", List.of(b.theirs(), a.theirs())));
            Libc.close(a.theirs());
            Libc.close(b.theirs());
            assertEquals("to-a\n", readAll(oursA));
            assertEquals("to-b\n", readAll(oursB));
            awaitReaped(pid);
        }
    }

    /** True when a thread of ours with that (native) name is asleep in the kernel. */
    private static boolean sleepingThread(String name) {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            return tasks.anyMatch(t -> {
                try {
                    String stat = java.nio.file.Files.readString(t.resolve("stat"));
                    return java.nio.file.Files.readString(t.resolve("comm")).strip().equals(name)
                            && stat.substring(stat.lastIndexOf(')') + 2).startsWith("S");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }
}
