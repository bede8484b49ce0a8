package kleinhirn.app.harpoon;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** End-to-end regression tests for the faults of issue 11 (docs/harpoon.md "Faults tried"). Needs root. */
@Timeout(300)
class HarpoonFaultsIT {
    static final String ENV = HarpoonIT.ENV;
    static final String DOWN = "\"up\":false,\"restarting\":false";

    static String last(List<String> states) {
        assertFalse(states.isEmpty(), "no state before EOF");
        return states.getLast();
    }

    /** SIGTERM in the 1 s gap between an exit and the restart: the final state, then EOF. */
    @Test
    void sigtermInTheRestartGapDeliversTheFinalStateBeforeEof() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (Harpoon h = new Harpoon("{" + ENV + ",\"restart\":\"always\"}")) {
                h.start("sh", "-c", "exit 0");
                Harpoon.Client c = h.connect();
                c.await(s -> s.startsWith("{\"up\":false,\"restarting\":true"));
                h.signal("TERM");
                String end = last(c.statesUntilEof());
                assertTrue(end.startsWith("{" + DOWN), "run " + i + ": " + end);
                assertEquals(0, h.awaitExit());
            }
        }
    }

    @Test
    void aSecondSignalKillsAndEveryClientGetsTheFinalState() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + ",\"restart\":\"always\"}")) {
            h.start("sh", "-c", "trap '' TERM; echo ready; while true; do sleep 0.05; done");
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"up\":true"));
            HarpoonIT.awaitStdout(h, "ready");
            h.signal("TERM");
            c.await(s -> s.contains("\"up\":true,\"restarting\":false"));
            h.signal("TERM");
            String end = last(c.statesUntilEof());
            assertTrue(end.startsWith("{" + DOWN + ",\"container_exit_status\":{\"signaled\":true,\"signal\":9}"), end);
            assertEquals(0, h.awaitExit());
        }
    }

    @Test
    void sigtermAfterAFailedStartDeliversTheErrBeforeEof() throws Exception {
        try (Harpoon h = new Harpoon(null)) {
            h.start("true");
            Harpoon.Client c = h.connect();
            c.await(s -> s.contains("\"err\""));
            Harpoon.Client late = h.connect();
            h.signal("TERM");
            for (Harpoon.Client each : List.of(c, late)) {
                String end = last(each.statesUntilEof());
                assertTrue(end.startsWith("{" + DOWN + ",\"err\":\"open ./agent.json: no such file or directory\""), end);
            }
            assertEquals(0, h.awaitExit());
        }
    }

    /** A runtime that never returns, for every call; it and its child record their pids. */
    static Path hangingRuntime(Harpoon h, String hangOn) throws IOException {
        Path script = h.dir.resolve("hang-runtime");
        Files.writeString(script, """
                #!/bin/sh
                case "$*" in
                  *%s*) ;;
                  *) exit 0 ;;
                esac
                echo $$ >> %s
                sleep 1000 &
                echo $! >> %s
                wait
                """.formatted(hangOn, h.dir.resolve("runtime-pids"), h.dir.resolve("runtime-pids")));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    static List<Integer> runtimePids(Harpoon h) throws IOException {
        Path f = h.dir.resolve("runtime-pids");
        if (!Files.exists(f)) return List.of();
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(Integer::parseInt).toList();
    }

    /** Not running any more: no such pid, or only a zombie waiting to be reaped. */
    static boolean gone(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void aRuntimeCallPastItsDeadlineIsKilledWithItsGroupAndNamedInErr() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            Path rt = hangingRuntime(h, "");
            h.startWith(List.of("--runtime", rt.toString(), "--runtime-timeout", "500ms"), "sleep", "1000");
            Harpoon.Client c = h.connect();
            String s = c.await(x -> x.contains("\"err\""));
            assertTrue(s.startsWith("{" + DOWN + ",\"err\":\"" + rt + " create: timed out after 500ms (killed)\""), s);
            assertTrue(h.stderr().contains("runtime call hung"), h.stderr());
            List<Integer> pids = runtimePids(h);
            assertTrue(pids.size() >= 4, "the runtime and its child ran: " + pids);
            Harpoon.await("every runtime process gone", () -> pids.stream().allMatch(HarpoonFaultsIT::gone));
            c.send("exit");
            assertEquals(0, h.awaitExit());
        }
    }

    @Test
    void sigtermKillsAHungCreateAtOnceAndLeaves() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            Path rt = hangingRuntime(h, "create");
            h.startWith(List.of("--runtime", rt.toString()), "sleep", "1000"); // the default deadline: 30 s
            Harpoon.Client c = h.connect();
            Harpoon.await("the create call hanging", () -> read(() -> runtimePids(h)).size() == 2);
            h.signal("TERM");
            String end = last(c.statesUntilEof());
            assertTrue(end.startsWith("{" + DOWN + ",\"err\":\"" + rt + " create: cancelled: the supervisor is stopping\""), end);
            assertEquals(0, h.awaitExit());
            List<Integer> pids = runtimePids(h);
            Harpoon.await("every runtime process gone", () -> pids.stream().allMatch(HarpoonFaultsIT::gone));
        }
    }

    interface Io<T> { T get() throws IOException; }

    static <T> T read(Io<T> io) {
        try {
            return io.get();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void threeHundredNonBlockingConnectsAtOnceAreAllAccepted() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("sleep", "1000");
            h.connect().await(s -> s.contains("\"up\":true"));
            List<SocketChannel> burst = new ArrayList<>();
            int refused = 0;
            try {
                for (int i = 0; i < 300; i++) {
                    SocketChannel ch = SocketChannel.open(java.net.StandardProtocolFamily.UNIX);
                    burst.add(ch);
                    ch.configureBlocking(false);
                    try {
                        if (!ch.connect(UnixDomainSocketAddress.of(h.dir.resolve("control")))) refused++;
                    } catch (IOException eagain) {
                        refused++;
                    }
                }
                assertEquals(0, refused, "connects refused (EAGAIN: listen backlog full)");
            } finally {
                for (SocketChannel ch : burst) ch.close();
            }
        }
    }

    @Test
    void aMissingCommandGivesTheOriginalsErrAndNothingOnStdout() throws Exception {
        try (Harpoon h = new Harpoon("{" + ENV + "}")) {
            h.start("/bin/nonexistent");
            String s = h.connect().await(x -> x.contains("\"err\""));
            assertTrue(s.startsWith("{" + DOWN + ",\"err\":\"exec: \\\"/bin/nonexistent\\\": stat /bin/nonexistent: no such file or directory\","), s);
            assertEquals("", h.stdout(), "runc's message stays off the container's stdout");
        }
    }
}
