package kleinhirn.e2e;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kleinhirn listen ADDR... -- COMMAND}: the built program binding real sockets for real commands. */
class ListenIT {
    @TempDir
    Path dir;

    record Run(long pid, int code, String out, String err) {}

    Run listen(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Supervisor.HOME.resolve("bin/kleinhirn").toString(), "listen"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("kleinhirn listen did not exit");
        }
        return new Run(p.pid(), p.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    /** Reports what it inherited as key=value lines: the LISTEN_ variables and each fd from 3 on. */
    static final String SHOW = """
            import os, socket, fcntl
            print('pid=%d' % os.getpid())
            for k in ('LISTEN_FDS', 'LISTEN_PID', 'LISTEN_FDNAMES'):
                print('%s=%s' % (k, os.environ.get(k)))
            for line in open('/proc/self/status'):
                if line.startswith('SigBlk:'):
                    print('%s=%s' % (line[:6], line[7:].strip()))
            targets = {}
            for f in os.listdir('/proc/self/fd'):
                try:
                    targets[int(f)] = os.readlink('/proc/self/fd/' + f)
                except OSError:
                    pass  # the listing's own fd, closed by now
            for fd, target in sorted(targets.items()):
                if fd < 3:
                    continue
                if not target.startswith('socket:'):
                    print('fd%d=%s' % (fd, target))
                    continue
                s = socket.socket(fileno=fd)
                cloexec = fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
                print('fd%d=%s listening=%d cloexec=%d addr=%s' % (fd, s.family.name,
                      s.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN), cloexec, s.getsockname()))
                s.detach()
            """;

    static Map<String, String> fields(String out) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (String l : out.split("\n")) if (l.contains("=")) m.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
        return m;
    }

    @Test
    void tcpIpv6AndUnixSocketsAreAtFd3OnwardForTheSameProcess() throws Exception {
        Path show = dir.resolve("show.py");
        Files.writeString(show, SHOW);
        int p4 = Supervisor.freePort(), p6 = Supervisor.freePort();
        Path sock = dir.resolve("app.sock");
        Run r = listen(List.of("tcp://127.0.0.1:" + p4 + "?name=web", "tcp://[::1]:" + p6 + "?backlog=8",
                "unix://" + sock + "?mode=0640&name=admin", "--", "python3", show.toString()));
        assertEquals(0, r.code(), r.err());
        Map<String, String> f = fields(r.out());
        assertEquals(Long.toString(r.pid()), f.get("pid"), "the command kept the pid");
        assertEquals("3", f.get("LISTEN_FDS"));
        assertEquals(f.get("pid"), f.get("LISTEN_PID"));
        assertEquals("web:unknown:admin", f.get("LISTEN_FDNAMES"));
        assertEquals("0000000000000000", f.get("SigBlk"), "no signal blocked (the JVM's thread blocks SIGQUIT)");
        assertEquals("AF_INET listening=1 cloexec=0 addr=('127.0.0.1', " + p4 + ")", f.get("fd3"));
        assertEquals("AF_INET6 listening=1 cloexec=0 addr=('::1', " + p6 + ", 0, 0)", f.get("fd4"));
        assertEquals("AF_UNIX listening=1 cloexec=0 addr=" + sock, f.get("fd5"));
        for (var e : f.entrySet()) {
            if (e.getKey().matches("fd[0-9]+") && Integer.parseInt(e.getKey().substring(2)) > 5) {
                fail("an fd of kleinhirn's JVM leaked into the command: " + e);
            }
        }
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
    }

    @Test
    void badAddressesExit2AndNameTheAddress() throws Exception {
        for (String bad : List.of("tcp://127.0.0.1", "udp://127.0.0.1:80", "tcp://[::1:80", "unix:///x?mode=9",
                "tcp://no-such-host.invalid:80")) {
            Run r = listen(List.of(bad, "--", "true"));
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("bad address '" + bad + "'"), r.err());
        }
        assertEquals(2, listen(List.of("tcp://127.0.0.1:1")).code(), "no '--'");
        assertEquals(2, listen(List.of("--", "true")).code(), "no address");
    }

    @Test
    void aBindFailureExits1NamingTheAddressAndTheErrorAndRemovesWhatItMade() throws Exception {
        Path sock = dir.resolve("made.sock");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String addr = "tcp://127.0.0.1:" + taken.getLocalPort();
            Run r = listen(List.of("unix://" + sock, addr, "--", "true"));
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("cannot listen on " + addr + ": bind(127.0.0.1:" + taken.getLocalPort()
                    + "): EADDRINUSE"), r.err());
        }
        assertFalse(Files.exists(sock), "the unix socket bound before the failure is removed");
        Run missing = listen(List.of("tcp://127.0.0.1:" + Supervisor.freePort(), "--", "no-such-command-kleinhirn"));
        assertEquals(127, missing.code(), missing.err());
    }

    @Test
    void aStaleUnixSocketIsReplacedALiveOneIsNot() throws Exception {
        Path sock = dir.resolve("s.sock");
        assertEquals(0, listen(List.of("unix://" + sock, "--", "true")).code());
        assertTrue(Files.exists(sock), "left behind by a command that exited");
        assertEquals(0, listen(List.of("unix://" + sock, "--", "true")).code(), "stale: replaced");
        try (var live = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            Files.delete(sock);
            live.bind(java.net.UnixDomainSocketAddress.of(sock));
            Run r = listen(List.of("unix://" + sock, "--", "true"));
            assertEquals(1, r.code(), r.err());
            assertTrue(r.err().contains("EADDRINUSE"), r.err());
        }
    }

    @Test
    void kleinhirnAsTheCommandRunsInTheSameJvmAndPassesTheSocketToEveryWorker() throws Exception {
        Path worker = dir.resolve("listen_worker.py");
        Files.writeString(worker, ReadinessIT.LISTEN_WORKER);
        int health = Supervisor.freePort(), port = Supervisor.freePort();
        Path cfg = Supervisor.programConfig(dir, "count = 2\nack_workers = true\ncmdline = [\"python3\", \"" + worker + "\"]",
                "", health);
        try (Supervisor s = Supervisor.startVia(List.of(Supervisor.HOME.resolve("bin/kleinhirn").toString(), "listen",
                "tcp://127.0.0.1:" + port + "?name=http", "--"), cfg, health, Map.of())) {
            assertEquals(Long.toString(s.proc.pid()), s.awaitLog("startup").get("pid"));
            String cmdline = Files.readString(Path.of("/proc/" + s.proc.pid() + "/cmdline")).replace('\0', ' ');
            assertTrue(cmdline.contains("kleinhirn.app.Main listen tcp://"), "no second JVM was exec'ed: " + cmdline);
            assertEquals("1", s.awaitLog("passing inherited listen sockets to workers").get("listen_fds"));
            ReadinessIT.everyWorkerAcceptsWithItsOwnListenPid(s, port, "4");
            s.signal("TERM");
            assertEquals(0, s.awaitExit());
        }
    }

    @Test
    void socketsForAnotherPidAreIgnoredWithAWarningThatSaysSo() throws Exception {
        int health = Supervisor.freePort(), port = Supervisor.freePort();
        Path cfg = Supervisor.programConfig(dir, "count = 1", "echo \"fds: $LISTEN_FDS\"; exec sleep 60\n", health);
        // unshare --fork: kleinhirn runs as unshare's child, not as the pid kleinhirn listen exec'ed.
        try (Supervisor s = Supervisor.startVia(List.of(Supervisor.HOME.resolve("bin/kleinhirn").toString(), "listen",
                "tcp://127.0.0.1:" + port, "--", "unshare", "--fork", "--pid", "--mount-proc"), cfg, health, Map.of())) {
            String reason = s.awaitLog("inherited listen sockets ignored").get("reason");
            assertTrue(reason.matches("LISTEN_FDS=1 is for LISTEN_PID=" + s.proc.pid() + ", not for us \\(pid 1\\).*unshare.*"),
                    reason);
            s.await("the worker, without LISTEN_FDS", () -> s.lines.contains("fds: "));
        }
    }
}
