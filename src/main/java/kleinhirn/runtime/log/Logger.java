package kleinhirn.runtime.log;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import kleinhirn.core.log.Level;
import kleinhirn.core.log.Log;
import kleinhirn.core.log.LogFormat;

/**
 * Writes encoded records to stderr or stdout. Each line goes out in one write under a lock, so
 * our own lines never interleave mid-line. Unbuffered on purpose: a supervisor's last words
 * must not sit in a buffer when it is killed.
 *
 * <p>The timestamp is taken under the same lock as the write: lines from several threads (the
 * loop, the loader channel, output readers) then come out in the order of their stamps. Taken
 * before the lock, a line stamped earlier could be overtaken by one stamped later.
 */
public final class Logger {
    private final OutputStream out;
    private final LogFormat format;
    private final Level threshold;
    private final InstantSource clock;
    private volatile List<Object> context;

    public Logger(OutputStream out, LogFormat format, Level threshold, InstantSource clock, List<Object> context) {
        this.out = out;
        this.format = format;
        this.threshold = threshold;
        this.clock = clock;
        this.context = List.copyOf(context);
    }

    public static OutputStream stderr() { return new FileOutputStream(FileDescriptor.err); }

    public static OutputStream stdout() { return new FileOutputStream(FileDescriptor.out); }

    public boolean enabled(Level level) {
        return level.ordinal() <= threshold.ordinal();
    }

    public void log(Log rec) {
        if (!enabled(rec.level())) return;
        synchronized (this) {
            try {
                out.write(format.encode(rec, clock.instant(), context).getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // Nowhere left to report it; supervision must go on without logs.
            }
        }
    }

    public void info(String msg, Object... kv) { log(Log.of(Level.INFO, msg, kv)); }

    public void warn(String msg, Object... kv) { log(Log.of(Level.WARNING, msg, kv)); }

    public void error(String msg, Object... kv) { log(Log.of(Level.ERROR, msg, kv)); }

    public void debug(String msg, Object... kv) { log(Log.of(Level.DEBUG, msg, kv)); }
}
