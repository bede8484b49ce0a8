package kleinhirn.core.codec;

import java.util.Map;

/**
 * The kleinhirn_loader wire protocol's vocabulary (JSON lines on the loader's socket; the gem's
 * {@code KleinhirnLoader::Messages}). {@link LoaderWire} encodes and decodes it; the golden lines
 * are {@code loaders/ruby/test/fixtures/wire.jsonl}, checked by both test suites.
 */
public sealed interface LoaderMessage {
    /** Supervisor to loader. */
    sealed interface Request extends LoaderMessage permits Spawn {}

    /** Loader (or a worker forked from it) to supervisor. */
    sealed interface Report extends LoaderMessage permits Loading, Ready, Launched, Failed, Ack, Relayed, CommandError {}

    /** Fork a worker with this id. */
    record Spawn(String id) implements Request {}

    /** About to load this file (the loader's progress; {@code file} as the loader wrote it). */
    record Loading(String file) implements Report {}

    /** The app is loaded: spawn requests are served from now on. */
    record Ready() implements Report {}

    /** The worker for {@code id} runs as {@code pid} (> 0); sent by the intermediate child. */
    record Launched(String id, int pid) implements Report {}

    /** The spawn of {@code id} failed ("duplicate ID", "non-zero exit"). */
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
    record Relayed(boolean debug, String msg, Map<String, String> fields) implements Report {}

    /** The loader could not process a command; {@code error} (may be null) says what. */
    record CommandError(String message, String error) implements Report {}
}
