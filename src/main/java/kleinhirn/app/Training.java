package kleinhirn.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import kleinhirn.app.harpoon.HarpoonMain;
import kleinhirn.core.Sig;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.linux.KernelProcesses;
import kleinhirn.linux.Libc;

/**
 * The AOT training run (packaging/aot-cache runs it under -XX:AOTMode=record, in an empty
 * working directory, with the launcher's flags). It walks both programs' startup paths so their
 * classes, lambdas and FFM stubs land in the cache: kleinhirn with two acking workers, a health
 * request, a worker killed and replaced, SIGTERM; then harpoon-supervisor up to a container
 * start that fails (runtime /bin/true, no runc needed), one control client, and `exit`.
 * Not part of the product; never started by the launchers. Every wait is bounded.
 */
final class Training {
    private static final long DEADLINE_NS = 20_000_000_000L;
    private static final long START = System.nanoTime();

    private Training() {}

    public static void main(String[] args) throws Exception {
        Thread watchdog = Thread.ofPlatform().daemon(true).name("training-watchdog").start(() -> {
            try {
                Thread.sleep(DEADLINE_NS / 1_000_000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("training: timed out");
            Runtime.getRuntime().halt(3);
        });
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            port = ((InetSocketAddress) probe.bind(new InetSocketAddress("127.0.0.1", 0)).getLocalAddress()).getPort();
        }
        Files.writeString(Path.of("kleinhirn.toml"), """
                [supervisor]
                name = "training"
                [health_check]
                listen_addr = "127.0.0.1:%d"
                [worker]
                type = "program"
                count = 2
                ack_workers = true
                cmdline = ["/bin/sh", "-c", "printf '{\\"action\\":\\"ack\\",\\"id\\":\\"%%s\\"}\\\\n' \\"$KLEINHIRN_WORKER_ID\\" >&3; exec sleep 60"]
                """.formatted(port));
        int self = Libc.getpid();
        Thread.ofPlatform().daemon(true).name("training-pool").start(() -> drivePool(self, port));
        int code = Main.run(new String[] {"-f", "kleinhirn.toml"}, System.out, System.err);
        if (code != 0) fail("kleinhirn exited " + code);
        // The pool's reaper outlives its run: let it park on ECHILD before harpoon spawns, or it
        // could reap harpoon's children.
        awaitParked("reaper");

        Files.writeString(Path.of("agent.json"), "{\"env\":{\"PATH\":\"/bin\"},\"restart\":\"no\"}");
        Files.createDirectories(Path.of("rootfs"));
        Thread.ofPlatform().daemon(true).name("training-harpoon").start(Training::driveHarpoon);
        // The watchdog stays armed: HarpoonMain ends the JVM with System.exit after `exit`.
        HarpoonMain.main(new String[] {"--hostname", "training", "--id", "kleinhirn-training-" + self,
                "--runtime", "/bin/true", "--", "sh", "-c", "true"});
    }

    private static void drivePool(int self, int port) {
        try {
            awaitHealthy(port);
            List<Integer> workers = new KernelProcesses().childrenOf(self);
            if (workers.isEmpty()) fail("no workers");
            Libc.kill(workers.getFirst(), Sig.KILL);
            while (new KernelProcesses().childrenOf(self).contains(workers.getFirst())) pause();
            awaitHealthy(port);
            Libc.kill(self, Sig.TERM);
        } catch (IOException | ErrnoException e) {
            fail(e.toString());
        }
    }

    private static void driveHarpoon() {
        try {
            Path control = Path.of("control");
            SocketChannel ch = null;
            while (ch == null) {
                try {
                    ch = SocketChannel.open(UnixDomainSocketAddress.of(control));
                } catch (IOException notYet) {
                    pause();
                }
            }
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (!seen.toString(StandardCharsets.UTF_8).contains("\"err\"")) {
                int n = ch.read(buf.clear());
                if (n < 0) fail("control closed early: " + seen);
                seen.write(buf.array(), 0, n);
                check();
            }
            ch.write(ByteBuffer.wrap("event: exit\ndata\n\n".getBytes(StandardCharsets.UTF_8)));
            while (ch.read(buf.clear()) >= 0) check();
        } catch (IOException e) {
            fail(e.toString());
        }
    }

    private static void awaitHealthy(int port) throws IOException {
        while (true) {
            try (SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", port))) {
                ch.write(ByteBuffer.wrap("GET /healthz HTTP/1.1\r\nHost: training\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)));
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                ByteBuffer buf = ByteBuffer.allocate(1024);
                for (int n; (n = ch.read(buf.clear())) >= 0; ) got.write(buf.array(), 0, n);
                if (got.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200")) return;
            } catch (IOException notYet) {
                // not listening yet
            }
            pause();
        }
    }

    private static void awaitParked(String threadName) {
        while (true) {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().equals(threadName) && t.getState() == Thread.State.WAITING) return;
            }
            pause();
        }
    }

    private static void pause() {
        check();
        try {
            Thread.sleep(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    private static void check() {
        if (System.nanoTime() - START > DEADLINE_NS) fail("timed out");
    }

    private static void fail(String why) {
        System.err.println("training: " + why);
        Runtime.getRuntime().halt(3);
    }
}
