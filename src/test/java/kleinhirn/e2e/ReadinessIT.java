package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import kleinhirn.linux.NotifySocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readiness protocols apps already speak, end to end: Debian's real systemd-notify (as root
 * and after setpriv to nobody), forged and junk datagrams, the watchdog, einhorn's wire format,
 * inherited listen sockets, and READY=1 re-exported to our own NOTIFY_SOCKET.
 */
class ReadinessIT {
    static final String SERVE = PoolTests.SERVE;
    static final String NOBODY = "setpriv --reuid=nobody --regid=nogroup --clear-groups ";

    @TempDir
    Path dir;
    final List<Supervisor> started = new ArrayList<>();
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (Supervisor s : started) s.close();
        for (AutoCloseable c : cleanup) c.close();
    }

    Path config(String worker, String scriptBody, int port) throws IOException {
        return Supervisor.programConfig(dir, worker, scriptBody, port);
    }

    Supervisor start(String worker, String scriptBody, Map<String, String> env) throws IOException {
        int port = Supervisor.freePort();
        Supervisor sup = Supervisor.start(config(worker, scriptBody, port), false, port, env);
        started.add(sup);
        return sup;
    }

    static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("helper did not finish: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) fail("helper failed (" + p.exitValue() + "): " + out);
        return p.exitValue();
    }

    /**
     * systemd-notify sends BARRIER=1 with an fd and waits up to 5 s for it to be closed. The
     * second call only starts after the first returned, and the ack timeout (4 s) is shorter
     * than that wait: a worker is acked only if the barrier was released at once.
     */
    @Test
    void systemdNotifyAcksAsRootWithoutWaitingForItsBarrier() throws Exception {
        Supervisor s = start("count = 2\nack_workers = true\nack_timeout = \"4s\"",
                "systemd-notify --status=\"booting $$\" && systemd-notify --ready --status=\"serving $$\" || exit 7\n"
                        + SERVE, Map.of());
        List<Map<String, String>> acks = s.awaitLogs("worker acked", 2);
        for (Map<String, String> a : acks) {
            assertEquals("notify_socket", a.get("channel"));
            String pid = a.get("pid");
            s.awaitLog("worker status", m -> pid.equals(m.get("pid")) && ("booting " + pid).equals(m.get("status")));
            s.awaitLog("worker status", m -> pid.equals(m.get("pid")) && ("serving " + pid).equals(m.get("status")));
        }
        s.awaitHttp("/healthz", 200);
        assertTrue(s.logs().stream().noneMatch(m -> String.valueOf(m.get("msg")).startsWith("worker broken")),
                String.join("\n", s.lines));
    }

    /** As nobody, systemd-notify stamps its own pid: a descendant of the worker, resolved to it. */
    @Test
    void systemdNotifyAcksAfterDroppingPrivileges() throws Exception {
        Supervisor s = start("count = 1\nack_workers = true\nack_timeout = \"4s\"",
                NOBODY + "systemd-notify --status=unprivileged && " + NOBODY + "systemd-notify --ready || exit 7\n"
                        + SERVE, Map.of());
        Map<String, String> ack = s.awaitLog("worker acked");
        assertEquals("notify_socket", ack.get("channel"));
        s.awaitLog("worker status", m -> "unprivileged".equals(m.get("status")) && ack.get("pid").equals(m.get("pid")));
        s.awaitHttp("/healthz", 200);
    }

    static String notifySocket(Supervisor s) {
        return s.awaitLog("ack sockets for workers").get("notify_socket");
    }

    @Test
    void readyFromAnUnrelatedLiveProcessAcksNothing() throws Exception {
        Path go = dir.resolve("go");
        Supervisor s = start("count = 1\nack_workers = true",
                "while [ ! -e " + go + " ]; do sleep 0.02; done\nsystemd-notify --ready\n" + SERVE, Map.of());
        s.awaitLog("worker spawned");
        run("python3", "-c", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                s.sendto(b"READY=1\\nSTATUS=forged", "\\0" + sys.argv[1][1:])
                """, notifySocket(s));
        s.awaitLog("ignored a notify datagram from a process that is not a worker");
        assertEquals(417, s.http("/healthz").status());
        assertTrue(s.logs("worker acked").isEmpty());
        assertTrue(s.logs("worker status").isEmpty());
        Files.createFile(go);
        assertEquals("notify_socket", s.awaitLog("worker acked").get("channel"));
    }

    @Test
    void aMissedWatchdogMarksTheWorkerBroken() throws Exception {
        Path usec = dir.resolve("usec");
        Supervisor s = start("count = 1\nack_workers = true\nwatchdog = \"500ms\"",
                "echo \"$WATCHDOG_USEC\" > " + usec + ".tmp && mv " + usec + ".tmp " + usec + "\n"
                        + "systemd-notify --ready\n" + SERVE, Map.of());
        Map<String, String> ack = s.awaitLog("worker acked");
        Map<String, String> broken = s.awaitLog("worker broken: watchdog missed");
        assertEquals(ack.get("pid"), broken.get("pid"));
        assertEquals("500000", Files.readString(usec).strip());
    }

    @Test
    void aWorkerThatFeedsTheWatchdogStays() throws Exception {
        // 25 pings 0.2 s apart span more than two 2 s watchdog periods.
        Supervisor s = start("count = 1\nack_workers = true\nwatchdog = \"2s\"",
                "systemd-notify --ready\ni=0\nwhile [ $i -lt 25 ]; do systemd-notify WATCHDOG=1; sleep 0.2; i=$((i+1)); done\n"
                        + "systemd-notify --status=fed\n" + SERVE, Map.of());
        s.awaitLog("worker acked");
        s.awaitLog("worker status", m -> "fed".equals(m.get("status")));
        assertTrue(s.logs().stream().noneMatch(m -> String.valueOf(m.get("msg")).startsWith("worker broken")),
                String.join("\n", s.lines));
    }

    /** einhorn's client: YAML.dump(hash), % as %25, newline as %0A, one line; and plain JSON. */
    static final String EINHORN_CLIENT = """
            require 'socket'
            require 'yaml'
            require 'json'
            # Einhorn::Worker.ensure_worker!: the master must be our parent.
            master = ENV.fetch('EINHORN_MASTER_PID').to_i
            raise "EINHORN_MASTER_PID #{master} is not my parent #{Process.ppid}" unless Process.ppid == master
            fmt = Dir.mkdir(ARGV[0]) rescue nil
            fmt = fmt.nil? ? 'json' : 'yaml'
            msg = {'command' => 'worker:ack', 'pid' => $$}
            payload = fmt == 'yaml' ? YAML.dump(msg) : JSON.generate(msg)
            sock = UNIXSocket.open(ENV.fetch('EINHORN_SOCK_PATH'))
            sock.write(payload.gsub(/%/, '%25').gsub(/\\n/, '%0A') + "\\n")
            sock.close
            File.write(File.join(ARGV[1], "#{fmt}-#{$$}"), fmt)
            trap('TERM') { exit 0 }
            sleep
            """;

    @Test
    void einhornWorkersAckInBothFormatsAndOtherCommandsGetAnError() throws Exception {
        Path client = dir.resolve("client.rb");
        Files.writeString(client, EINHORN_CLIENT);
        Path marks = Files.createDirectory(dir.resolve("marks"));
        Supervisor s = start("count = 2\nack_workers = true\ncmdline = [\"ruby\", \"" + client + "\", \""
                + dir.resolve("first") + "\", \"" + marks + "\"]", "", Map.of());
        List<Map<String, String>> acks = s.awaitLogs("worker acked", 2);
        for (Map<String, String> a : acks) assertEquals("einhorn", a.get("channel"));
        s.awaitHttp("/healthz", 200);
        Set<String> formats = new HashSet<>();
        try (var files = Files.list(marks)) {
            files.forEach(f -> formats.add(f.getFileName().toString().split("-")[0]));
        }
        assertEquals(Set.of("yaml", "json"), formats);

        Path sock = Path.of(s.awaitLog("ack sockets for workers").get("einhorn_sock_path"));
        String yaml = request(sock, "---%0Acommand: state%0Aid: 5%0A\n");
        assertTrue(yaml.startsWith("---%0Amessage: "), yaml);
        assertTrue(yaml.contains("state") && yaml.contains("request_id: 5%0A") && yaml.endsWith("\n"), yaml);
        String json = request(sock, "{\"command\":\"ehlo\",\"id\":\"r1\"}\n");
        assertTrue(json.startsWith("{\"message\":") && json.contains("\"request_id\":\"r1\""), json);
        String garbage = request(sock, "%%% not yaml: [\n");
        assertTrue(garbage.contains("message"), garbage);
        s.awaitLog("unsupported einhorn command");
    }

    static String request(Path sock, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (b.position() == 0 || b.get(b.position() - 1) != '\n') {
                if (ch.read(b) < 0) break;
            }
            return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
        }
    }

    static final String LISTEN_WRAPPER = """
            import os, socket, sys
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', int(sys.argv[1])))
            s.listen(16)
            if s.fileno() != 3:
                os.dup2(s.fileno(), 3)
                s.close()
            os.set_inheritable(3, True)
            env = dict(os.environ, LISTEN_FDS='1', LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES='http')
            os.execve(sys.argv[2], sys.argv[2:], env)
            """;

    static final String LISTEN_WORKER = """
            import os, socket
            fd = int(os.environ['KLEINHIRN_STATUS_FD'])
            os.write(fd, ('{"action":"ack","id":"%s"}\\n' % os.environ['KLEINHIRN_WORKER_ID']).encode())
            s = socket.socket(fileno=3)
            while True:
                c, _ = s.accept()
                c.sendall(('pid=%d listen_pid=%s listen_fds=%s names=%s status_fd=%d\\n' % (os.getpid(),
                    os.environ.get('LISTEN_PID'), os.environ.get('LISTEN_FDS'), os.environ.get('LISTEN_FDNAMES'), fd)).encode())
                c.close()
            """;

    @Test
    void inheritedListenSocketGoesToEveryWorkerWithItsOwnListenPid() throws Exception {
        Path wrapper = dir.resolve("wrapper.py");
        Files.writeString(wrapper, LISTEN_WRAPPER);
        Path worker = dir.resolve("listen_worker.py");
        Files.writeString(worker, LISTEN_WORKER);
        int health = Supervisor.freePort(), listen = Supervisor.freePort();
        Path cfg = config("count = 2\nack_workers = true\ncmdline = [\"python3\", \"" + worker + "\"]", "", health);
        Supervisor s = Supervisor.startVia(List.of("python3", wrapper.toString(), Integer.toString(listen)), cfg, health,
                Map.of());
        started.add(s);
        assertEquals("1", s.awaitLog("passing inherited listen sockets to workers").get("listen_fds"));
        everyWorkerAcceptsWithItsOwnListenPid(s, listen, "4");
    }

    static final String LISTEN_RUBY_APP = """
            require "socket"
            require "kleinhirn_loader"
            module ListenApp
              def self.start
                status_fd = ENV["KLEINHIRN_STATUS_FD"]
                KleinhirnLoader::Worker.new.done
                server = TCPServer.for_fd(3)
                loop do
                  c = server.accept
                  c.write("pid=#{Process.pid} listen_pid=#{ENV['LISTEN_PID']} listen_fds=#{ENV['LISTEN_FDS']} names=#{ENV['LISTEN_FDNAMES']} status_fd=#{status_fd}\\n")
                  c.close
                end
              end
            end
            """;

    @Test
    void inheritedListenSocketGoesToPreloadedWorkersToo() throws Exception {
        Path wrapper = dir.resolve("wrapper.py");
        Files.writeString(wrapper, LISTEN_WRAPPER);
        Files.writeString(dir.resolve("app.rb"), LISTEN_RUBY_APP);
        int health = Supervisor.freePort(), listen = Supervisor.freePort();
        Path cfg = Supervisor.rubyConfig(dir, "", health, 2, "ListenApp.start", "");
        Supervisor s = Supervisor.startVia(List.of("python3", wrapper.toString(), Integer.toString(listen)), cfg, health,
                Map.of());
        started.add(s);
        everyWorkerAcceptsWithItsOwnListenPid(s, listen, "4");
    }

    static void everyWorkerAcceptsWithItsOwnListenPid(Supervisor s, int listen, String statusFd) throws IOException {
        List<Map<String, String>> acks = s.awaitLogs("worker acked", 2);
        Set<String> workers = new HashSet<>();
        for (Map<String, String> a : acks) workers.add(a.get("pid"));
        Set<String> seen = new HashSet<>();
        long deadline = System.nanoTime() + Supervisor.WAIT.toNanos();
        while (!seen.equals(workers) && System.nanoTime() < deadline) {
            try (Socket c = new Socket()) {
                c.connect(new InetSocketAddress("127.0.0.1", listen), 2000);
                c.setSoTimeout(5000);
                String line = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                Map<String, String> f = Logfmt.parse(line);
                assertEquals(f.get("pid"), f.get("listen_pid"), line);
                assertEquals("1", f.get("listen_fds"), line);
                assertEquals("http", f.get("names"), line);
                assertEquals(statusFd, f.get("status_fd"), line);
                seen.add(f.get("pid"));
            }
        }
        assertEquals(workers, seen, "every worker accepts on the inherited socket");
    }

    @Test
    void readyIsSentUpwardExactlyOnceWhenThePoolRuns() throws Exception {
        String name = "@kleinhirn-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        NotifySocket up = NotifySocket.bind(name);
        cleanup.add(up);
        List<String> got = new CopyOnWriteArrayList<>();
        Thread receiver = Thread.ofPlatform().daemon().start(() -> {
            byte[] buf = new byte[NotifySocket.MAX_DATAGRAM];
            try {
                for (NotifySocket.Datagram d; (d = up.receive(buf)) != null; ) {
                    got.add(new String(buf, 0, d.length(), StandardCharsets.UTF_8));
                }
            } catch (Exception e) {
                got.add("receiver failed: " + e);
            }
        });
        Supervisor s = start("count = 2\nack_workers = true", PoolTests.ACK + SERVE, Map.of("NOTIFY_SOCKET", name));
        s.awaitLog("state changed", m -> "running".equals(m.get("to")));
        s.await("READY=1 upward", () -> got.stream().anyMatch(d -> d.contains("READY=1")));
        s.signal("TERM");
        assertEquals(0, s.awaitExit());
        s.await("STOPPING=1 upward", () -> got.stream().anyMatch(d -> d.contains("STOPPING=1")));
        assertEquals(1, got.stream().filter(d -> d.lines().anyMatch("READY=1"::equals)).count(), got.toString());
        assertTrue(got.stream().anyMatch(d -> d.contains("STATUS=running")), got.toString());
        assertTrue(got.getFirst().contains("STATUS=starting"), got.toString());
        up.close();
        receiver.join(5000);
    }

    static final String FLOOD = """
            import os, socket, sys
            from array import array
            addr = '\\0' + sys.argv[1][1:]
            n = int(sys.argv[2])
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            r, w = os.pipe()
            print(os.fstat(r).st_ino, flush=True)
            junk = [b'\\xff\\xfe not utf-8', b'no equals sign', b'READY=1' + b'x' * 8192, b'lower=case', b'',
                    b'READY=1\\nSTATUS=forged']
            fds = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array('i', [r, w]).tobytes())]
            for i in range(n):
                d = junk[i % len(junk)]
                if i % 2 == 0:
                    s.sendmsg([d], fds, 0, addr)
                else:
                    s.sendto(d, addr)
            """;

    @Test
    void aFloodOfJunkDatagramsLeavesNoFdOpenAndThePoolHealthy() throws Exception {
        Path go = dir.resolve("go");
        Supervisor s = start("count = 1\nack_workers = true",
                "systemd-notify --ready\nwhile [ ! -e " + go + " ]; do sleep 0.05; done\nsystemd-notify --status=after-flood\n"
                        + SERVE, Map.of());
        s.awaitLog("worker acked");
        s.awaitHttp("/healthz", 200);
        long sup = s.hostPid();
        Process flood = new ProcessBuilder("python3", "-c", FLOOD, notifySocket(s), "100000")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        cleanup.add(flood::destroyForcibly);
        String inode;
        try (InputStream in = flood.getInputStream()) {
            inode = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        assertTrue(flood.waitFor(120, TimeUnit.SECONDS) && flood.exitValue() == 0, "flood sender failed");
        // Datagrams are handled in order: once the worker's status arrives, the flood is through.
        Files.createFile(go);
        s.awaitLog("worker status", m -> "after-flood".equals(m.get("status")));
        String pipe = "pipe:[" + inode + "]";
        List<String> open = new ArrayList<>();
        try (var fds = Files.list(Path.of("/proc/" + sup + "/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    open.add(Files.readSymbolicLink(fd).toString());
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        assertFalse(open.contains(pipe), "a received fd is still open: " + open);
        assertTrue(open.size() < 64, "fds: " + open);
        assertEquals(200, s.http("/healthz").status());
        assertEquals(1, s.logs("worker acked").size());
        int warnings = s.logs("ignored a notify datagram").size() + s.logs("ignored an oversized notify datagram").size()
                + s.logs("ignored a notify datagram from a process that is not a worker").size();
        assertTrue(warnings >= 1 && warnings < 1000, "junk warnings are rate limited: " + warnings);
        assertTrue(s.logs().stream().anyMatch(m -> m.get("suppressed") != null), "suppressed counts are logged");
    }
}
