package kleinhirn.app.harpoon;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import kleinhirn.core.codec.Sse;

/**
 * One supervisor under test: a run dir with a busybox rootfs, the started program, and clean-up
 * (process, container, dir) that also runs when the test fails. Uses ProcessBuilder: this test JVM
 * never reaps with waitpid(-1).
 */
final class Harpoon implements AutoCloseable {
    static final Path HOME = Path.of(System.getProperty("kleinhirn.home", "."));
    static final String[] APPLETS = {"sh", "sleep", "hostname", "id", "touch", "cat", "echo", "true", "test", "["};

    final Path dir;
    final String id;
    Process proc;
    final List<Client> clients = new ArrayList<>();

    Harpoon(String agentJson) throws IOException {
        dir = Files.createTempDirectory("harpoon-it");
        id = "it-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 1_000_000;
        Path bin = Files.createDirectories(dir.resolve("rootfs/bin"));
        for (String d : List.of("proc", "dev", "sys", "etc", "data")) Files.createDirectories(dir.resolve("rootfs").resolve(d));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String a : APPLETS) Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
        if (agentJson != null) Files.writeString(dir.resolve("agent.json"), agentJson);
    }

    Harpoon start(String... command) throws IOException {
        return startWith(List.of(), command);
    }

    /** With extra supervisor flags (before the "--"). */
    Harpoon startWith(List<String> flags, String... command) throws IOException {
        List<String> argv = new ArrayList<>(List.of(HOME.resolve("bin/harpoon-supervisor").toString(), "--hostname", "hh", "--id", id));
        argv.addAll(flags);
        argv.add("--");
        argv.addAll(List.of(command));
        proc = new ProcessBuilder(argv).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile()).redirectError(dir.resolve("stderr.txt").toFile()).start();
        return this;
    }

    String stdout() throws IOException { return Files.readString(dir.resolve("stdout.txt")); }

    String stderr() throws IOException { return Files.readString(dir.resolve("stderr.txt")); }

    /** Connects once ./control exists (the agent's retry loop), within 20 s. */
    Client connect() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                Client c = new Client(SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("control"))));
                clients.add(c);
                return c;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline || (proc != null && !proc.isAlive())) throw new AssertionError("no control socket; stderr: " + stderr(), notYet);
                Thread.sleep(20);
            }
        }
    }

    /** The harness's waits: kleinhirn.Await with the harness's 30 s. */
    static void await(String what, java.util.function.BooleanSupplier cond) {
        kleinhirn.Await.until(java.time.Duration.ofSeconds(30), what, cond);
    }

    int awaitExit() throws Exception {
        if (!proc.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("supervisor did not exit; stderr: " + stderr());
        return proc.exitValue();
    }

    /** SIGTERM (or another signal) to the supervisor. */
    void signal(String sig) throws Exception {
        new ProcessBuilder("kill", "-" + sig, Long.toString(proc.pid())).inheritIO().start().waitFor();
    }

    boolean containerExists() { return Files.exists(Path.of("/run/runc", id)); }

    @Override
    public void close() throws Exception {
        for (Client c : clients) c.close();
        if (proc != null && proc.isAlive()) {
            proc.destroyForcibly();
            proc.waitFor(10, TimeUnit.SECONDS);
        }
        Path recorded = dir.resolve("runtime-pids"); // a fake runtime's processes, should a test fail
        if (Files.exists(recorded)) {
            for (String pid : Files.readAllLines(recorded)) {
                if (!pid.isBlank()) ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
        new ProcessBuilder("runc", "delete", "--force", id).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A control client whose reader thread queues every event. */
    static final class Client implements AutoCloseable {
        final SocketChannel ch;
        final LinkedBlockingQueue<Sse.Event> events = new LinkedBlockingQueue<>();
        volatile boolean eof;

        Client(SocketChannel ch) {
            this.ch = ch;
            Thread.ofVirtual().start(() -> {
                Sse.Decoder d = new Sse.Decoder();
                ByteBuffer buf = ByteBuffer.allocate(8192);
                try {
                    int n;
                    while ((n = ch.read(buf.clear())) >= 0) events.addAll(d.feed(buf.array(), 0, n));
                } catch (Exception closed) {
                    // test over
                } finally {
                    eof = true;
                }
            });
        }

        void send(String type) throws IOException { ch.write(ByteBuffer.wrap(("event: " + type + "\ndata\n\n").getBytes(UTF_8))); }

        /** The first state (data) matching, within 30 s; earlier states are consumed. */
        String await(Predicate<String> p) throws InterruptedException {
            return awaitEvent("state", p);
        }

        String awaitEvent(String type, Predicate<String> p) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> seen = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                Sse.Event e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e == null) continue;
                seen.add(e.type() + " " + e.data());
                if (e.type().equals(type) && p.test(e.data())) return e.data();
            }
            throw new AssertionError("no matching " + type + "; saw " + seen);
        }

        /** Every state received until EOF (within 30 s), in order. */
        List<String> statesUntilEof() throws InterruptedException {
            if (!awaitEof()) throw new AssertionError("no EOF; saw " + events);
            List<String> states = new ArrayList<>();
            for (Sse.Event e : events) if (e.type().equals("state")) states.add(e.data());
            return states;
        }

        boolean awaitEof() throws InterruptedException {
            Harpoon.await("EOF on the control socket", () -> eof);
            return eof;
        }

        @Override public void close() throws IOException { ch.close(); }
    }
}
