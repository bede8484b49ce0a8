package kleinhirn.runtime.pool;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import kleinhirn.core.codec.Toml;
import kleinhirn.core.config.Config;
import kleinhirn.core.config.ConfigReader;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.LogFormat;
import kleinhirn.core.port.Errno;
import kleinhirn.core.port.ErrnoException;
import kleinhirn.core.port.Processes;
import kleinhirn.core.port.SocketPairs;
import kleinhirn.core.port.SpawnSpec;
import kleinhirn.core.port.Spawner;
import kleinhirn.runtime.log.Logger;

/** Fakes of the core ports, for the runtime's pool adapters; no process is started or signalled. */
final class Fakes {
    private Fakes() {}

    static Config config(String worker) {
        ConfigReader.Result r = ConfigReader.read(Path.of("test.toml"),
                Toml.parse("[supervisor]\nname = \"t\"\n[worker]\n" + worker), kleinhirn.core.config.TestDisk.EVERYTHING);
        if (!r.errors().isEmpty()) throw new AssertionError(r.errors());
        return r.config();
    }

    /** Records every spec; answers with the next scripted pid, or throws ENOENT when none is left. */
    static final class FakeSpawner implements Spawner {
        final List<SpawnSpec> specs = new ArrayList<>();
        final Deque<Integer> pids = new ArrayDeque<>();

        FakeSpawner(Integer... pids) {
            this.pids.addAll(List.of(pids));
        }

        @Override
        public int spawn(SpawnSpec spec) throws ErrnoException {
            specs.add(spec);
            Integer pid = pids.poll();
            if (pid == null) throw new ErrnoException("posix_spawnp(" + spec.argv().getFirst() + ")", Errno.ENOENT);
            return pid;
        }
    }

    /** A process table given by the test: parents, children, and pids that are already gone. */
    static final class FakeProcesses implements Processes {
        final List<String> kills = new ArrayList<>();
        final Map<Integer, Integer> parents = new HashMap<>();
        final List<Integer> gone = new ArrayList<>();
        final List<Integer> forbidden = new ArrayList<>();

        @Override
        public boolean kill(int target, int signal) throws ErrnoException {
            if (forbidden.contains(Math.abs(target))) throw new ErrnoException("kill", Errno.EPERM);
            kills.add(target + ":" + signal);
            return !gone.contains(Math.abs(target));
        }

        @Override
        public List<Integer> childrenOf(int parent) {
            List<Integer> out = new ArrayList<>();
            parents.forEach((child, p) -> {
                if (p == parent) out.add(child);
            });
            out.sort(null);
            return out;
        }

        @Override
        public OptionalInt parentOf(int pid) {
            Integer p = parents.get(pid);
            return p == null ? OptionalInt.empty() : OptionalInt.of(p);
        }
    }

    /** For configurations without acks: any use is a test failure. */
    static final class NoPairs implements SocketPairs {
        @Override
        public Pair open() throws IOException {
            throw new AssertionError("no status fd expected");
        }

        @Override
        public StreamPair openStream() throws IOException {
            throw new AssertionError("no loader expected");
        }

        @Override
        public void release(int theirs) {
            throw new AssertionError("no status fd expected");
        }
    }

    /** Pipes that exist only as numbers; their read ends are at EOF at once. */
    static final class CountingPipes implements kleinhirn.core.port.Pipes {
        int opened;

        @Override
        public Pipe open() {
            opened++;
            return new Pipe(100 + 2 * opened, 101 + 2 * opened);
        }

        @Override
        public java.io.InputStream reader(int readEnd) {
            return java.io.InputStream.nullInputStream();
        }

        @Override
        public void close(int fd) { }
    }

    /** A logger into memory, at debug level, with a fixed clock. */
    static final class Captured {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Logger log = new Logger(out, LogFormat.LOGFMT, Level.DEBUG, () -> Instant.EPOCH, List.of());

        String text() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
