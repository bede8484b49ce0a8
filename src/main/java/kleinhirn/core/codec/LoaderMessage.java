package kleinhirn.core.codec;

import java.util.Map;
import kleinhirn.core.ExitStatus;

/**
 * The kleinhirn_loader wire protocol's vocabulary (JSON lines on the loader's socket; the gem's
 * {@code KleinhirnLoader::Messages}). {@link LoaderWire} encodes and decodes it; the golden lines
 * are {@code loaders/ruby/test/fixtures/wire.jsonl}, checked by both test suites.
 */
public sealed interface LoaderMessage {
    /** Supervisor to loader. */
    sealed interface Request extends LoaderMessage permits Spawn, Spare {}

    /** Loader (or a worker forked from it) to supervisor. */
    sealed interface Report extends LoaderMessage
            permits Loading, Ready, Launched, Failed, Ack, Relayed, CommandError, Exited, Reforked {}

    /** Fork a worker with this id. */
    record Spawn(String id, String stdout, String stderr) implements Request {
        /** A spawn whose worker keeps the loader's own stdout and stderr. */
        public Spawn(String id) {
            this(id, null, null);
        }
    }

    /**
     * Fork a spare with this id: it parks before the start expression until it is sent SIGCONT
     * (promoted), then runs it and acks like any worker. Its launch is reported as {@link Launched};
     * {@code stdout} and {@code stderr} as for {@link Spawn}.
     */
    record Spare(String id, String stdout, String stderr) implements Request {
        public Spare(String id) {
            this(id, null, null);
        }
    }

    /** About to load this file (the loader's progress; {@code file} as the loader wrote it). */
    record Loading(String file) implements Report {}

    /** The app is loaded: spawn requests are served from now on. */
    record Ready() implements Report {}

    /** The worker for {@code id} runs as {@code pid} (> 0), a child of the loader. */
    record Launched(String id, int pid) implements Report {}

    /** The spawn of {@code id} failed ("duplicate ID", "fork failed"). */
    record Failed(String id, String message) implements Report {}

    /**
     * The worker {@code id} is ready. The same line is the readiness ack a program worker
     * writes to its KLEINHIRN_STATUS_FD.
     */
    record Ack(String id) implements Report {}

    /**
     * A log line from the loader or a worker: {@code debug} or info, the message, and the other
     * keys as string fields (null for a JSON null), in wire order, at most {@link LoaderWire#MAX_FIELDS}.
     */
    record Relayed(Level level, String msg, Map<String, Object> fields) implements Report {
        /** The levels a loader may log at; anything else it sends counts as info. */
        public enum Level { DEBUG, INFO, WARNING }
    }

    /** The loader could not process a command; {@code error} (may be null) says what. */
    record CommandError(String message, String error) implements Report {}

    /**
     * The loader's worker {@code id} ({@code pid}) has exited so: the loader reaps the workers it
     * forked and reports each status here, always after their {@link Launched}.
     */
    record Exited(String id, int pid, ExitStatus status) implements Report {}

    /**
     * The first line of a new loader made from the worker {@code id} by a refork, on its own
     * connection; {@code pid} (> 0) is the new loader's.
     */
    record Reforked(String id, int pid) implements Report {}
}
